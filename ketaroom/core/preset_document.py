"""A preset file as a YAML document: its text decoded, parsed, held to a size, located.

Reading comes before checking: :func:`decode_text` turns the file's bytes into text (or
says why it is not a text preset), :func:`parse_yaml` reads that text with ruamel's
round-trip loader, and :func:`expansion_problem` refuses a document that YAML aliases make
far larger than the file (an "alias bomb") before anything walks it. The line lookups
(:func:`line_of` and the rest) say where a value of the document stands in the file, for
``file:line`` messages; the checks use them too. Each function reports problems instead of
raising. :mod:`ketaroom.core.validation` runs these steps; editing a document (keeping its
comments) is :mod:`ketaroom.core.preset_yaml`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ketaroom.core.limits import MAX_CUES_PER_PHASE, MAX_PHASES

__all__ = [
    "MAX_NODES",
    "MAX_TEXT_CHARS",
    "decode_text",
    "expansion_problem",
    "first_content_line",
    "item_line_of",
    "key_line_of",
    "line_of",
    "parse_yaml",
    "value_line_of",
]

MAX_NODES = 1_000_000
"""Values (mappings, lists, keys, scalars) in a preset *with its aliases expanded*: a
``*alias`` counts as often as it is used, so a small file cannot stand for millions of cues."""
MAX_TEXT_CHARS = 20 * 1024 * 1024
"""Characters of text in a preset with its aliases expanded."""

# The characters YAML (and ruamel's reader) refuses; checked first to give a line number.
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LONG_NUMBER = re.compile(r"\d{4000,}")


def decode_text(data: str | bytes, report: Callable[[int, str], None]) -> str | None:
    """Text of the file, or ``None`` after reporting why it is not a text preset."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        nul = raw.find(b"\x00")
        if nul >= 0:
            report(raw.count(b"\n", 0, nul) + 1,
                   "this is a binary file (NUL byte), not a YAML preset")
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1]
            report(raw.count(b"\n", 0, exc.start) + 1,
                   f"not valid UTF-8 text (byte 0x{bad.hex()}); save the file as UTF-8")
            return None
    else:
        text = str(data)
        nul = text.find("\x00")
        if nul >= 0:
            report(text.count("\n", 0, nul) + 1,
                   "this is a binary file (NUL byte), not a YAML preset")
            return None
    if text.startswith("\ufeff"):
        text = text[1:]
    bad_char = _NON_PRINTABLE.search(text)
    if bad_char is not None:
        report(text.count("\n", 0, bad_char.start()) + 1,
               f"contains a control character U+{ord(bad_char.group()):04X} "
               f"that YAML does not allow")
        return None
    return text


def parse_yaml(text: str, report: Callable[[int, str], None]) -> tuple[bool, Any]:
    """``(ok, document)``; on failure the problem has been reported."""
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return True, yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "not valid YAML"
        report(line, f"YAML syntax error: {what}")
    except YAMLError as exc:
        report(1, f"YAML syntax error: {str(exc).splitlines()[0] if str(exc) else 'invalid'}")
    except RecursionError:
        report(1, "YAML is nested too deeply")
    except ValueError as exc:
        digits = _LONG_NUMBER.search(text)
        if digits is None:  # some other value ruamel could not convert
            report(1, f"YAML could not be read ({type(exc).__name__})")
        else:  # Python refuses to convert integers of more than 4,300 digits
            report(text.count("\n", 0, digits.start()) + 1,
                   f"a number of {len(digits.group()):,} digits is not a usable value")
    except Exception as exc:  # ruamel can trip over odd input; never let it escape
        report(1, f"YAML could not be read ({type(exc).__name__})")
    return False, None


def _children(node: Any) -> list[Any]:
    """The values directly inside a mapping (each key, then its value) or a list."""
    if isinstance(node, Mapping):
        return [part for key in node for part in (key, node[key])]
    return list(node)


def _child_line(node: Any, index: int) -> int:
    """The line of ``_children(node)[index]``."""
    line = line_of(node)
    if not isinstance(node, Mapping):
        return item_line_of(node, index, line)
    key = list(node)[index // 2]
    key_line = key_line_of(node, key, line)
    return key_line if index % 2 == 0 else value_line_of(node, key, key_line)


def expansion_problem(doc: Any) -> tuple[int, str] | None:
    """``(line, message)`` when the document, aliases expanded, is beyond what is read.

    Counts every value (a ``*alias`` as often as it is used) and every character of text,
    bottom-up with one count per distinct container, so the cost is that of the file as
    written, not of its expansion. Stops at the first container found over a limit and
    names the line of the value inside it that crossed the limit.
    """
    sizes: dict[int, tuple[int, int]] = {}
    """``id`` of each container measured → (values, characters) it stands for."""
    busy: set[int] = set()
    """Containers whose children are being measured. Meeting one again would be a cycle
    (ruamel reads a self-reference as null): it then fails instead of looping forever."""
    stack: list[Any] = [doc]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        children = _children(node)
        waiting = [child for child in children
                   if isinstance(child, Mapping | list) and id(child) not in sizes]
        if waiting and id(node) not in busy:
            busy.add(id(node))
            stack.extend(waiting)
            continue
        values, chars = 1, 0
        for index, child in enumerate(children):
            if isinstance(child, Mapping | list):
                child_values, child_chars = sizes[id(child)]
            else:
                child_values, child_chars = 1, len(child) if isinstance(child, str) else 0
            values, chars = values + child_values, chars + child_chars
            if values > MAX_NODES or chars > MAX_TEXT_CHARS:
                what = (f"over {MAX_NODES:,} values by here; a preset can have at most "
                        f"{MAX_PHASES:,} phases of {MAX_CUES_PER_PHASE:,} cues"
                        if values > MAX_NODES
                        else f"over {MAX_TEXT_CHARS:,} characters of text by here")
                return (_child_line(node, index), f"the preset is too large with its YAML "
                        f"aliases (*name) expanded ({what})")
        sizes[id(node)] = (values, chars)
        busy.discard(id(node))
        stack.pop()
    return None


# --------------------------------------------------------------------------- lines


def line_of(node: Any, default: int = 1) -> int:
    """The 1-based line where ``node`` (a mapping or list read by ruamel) starts."""
    try:
        return int(node.lc.line) + 1
    except Exception:
        return default


def key_line_of(mapping: Any, key: Any, default: int) -> int:
    """The line of ``key`` in ``mapping``."""
    return _position_line(mapping, "key", key, default)


def value_line_of(mapping: Any, key: Any, default: int) -> int:
    """The line of the value of ``key`` in ``mapping``."""
    return _position_line(mapping, "value", key, default)


def item_line_of(seq: Any, index: int, default: int) -> int:
    """The line of item ``index`` of the list ``seq``."""
    return _position_line(seq, "item", index, default)


def _position_line(node: Any, part: str, at: Any, default: int) -> int:
    """The 1-based line of ruamel's ``node.lc.<part>(at)`` (a key, a value or an item), or
    ``default`` where ``node`` has no such position (not read by ruamel, or built by hand)."""
    try:
        return int(getattr(node.lc, part)(at)[0]) + 1
    except Exception:
        return default


def first_content_line(text: str) -> int:
    """The first line of ``text`` that is not blank, a comment or a YAML directive."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "---", "%")):
            return number
    return 1
