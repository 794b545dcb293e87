"""Round-trip editing of preset YAML: change values in place, keep comments and key order.

Owns the editing side of the preset format. A preset is loaded with ruamel's round-trip
loader into a :class:`CommentedMap`; the helpers here change it *in place* (set a field,
add / remove / move a phase, add / remove a cue) so that :func:`dump` writes the file back
with its comments, key order and quoting untouched where nothing changed. Keys the editor
adds go to their usual place (the order of the tables in ``docs/presets.md``).

Nothing here validates: :func:`save` runs the one validation function,
:func:`ketaroom.core.validation.validate_text`, on the dumped text and writes the file
atomically (temp file + ``os.replace``) only when it is valid. Pure Python, no Qt.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ketaroom.core.atomic_file import write_atomic
from ketaroom.core.light_checks import LIGHT_KEYS
from ketaroom.core.music_checks import MUSIC_KEYS
from ketaroom.core.names import name_key
from ketaroom.core.preset_checks import CUE_KEYS, PHASE_KEYS, TOP_KEYS
from ketaroom.core.validation import LoadResult, validate_text

__all__ = [
    "PresetYamlError",
    "add_cue",
    "add_phase",
    "dump",
    "load",
    "move_phase",
    "new_document",
    "phase_at_line",
    "phases",
    "remove_cue",
    "remove_phase",
    "save",
    "scalar_from_text",
    "set_key",
    "write_atomic",
]

_ORDER: dict[str, tuple[str, ...]] = {
    "top": TOP_KEYS,
    "phase": PHASE_KEYS,
    "music": MUSIC_KEYS,
    "light": LIGHT_KEYS,
    "cue": CUE_KEYS,
}
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")


class PresetYamlError(ValueError):
    """The text cannot be edited as a preset (YAML error, or not a mapping at the top)."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long prompts or descriptions
    yaml.indent(mapping=2, sequence=4, offset=2)  # "  - name: …" as in the shipped presets
    return yaml


def load(text: str) -> CommentedMap:
    """Parse preset text for editing. Raises :class:`PresetYamlError` when it cannot be."""
    try:
        doc = _yaml().load(text)
    except Exception as exc:  # ruamel raises many types; the editor shows the validator's
        raise PresetYamlError(str(exc).splitlines()[0] if str(exc) else "not YAML") from exc
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise PresetYamlError("the top level is not a mapping of keys")
    return doc


def new_document(name: str = "New preset") -> CommentedMap:
    """A minimal valid preset: a name and one 10-minute phase."""
    return load(f"name: {dump_value(name)}\nphases:\n  - name: Arrival\n    duration: 10m\n")


def dump_value(value: Any) -> str:
    """One scalar as YAML flow text (used for new documents)."""
    stream = io.StringIO()
    yaml = _yaml()
    yaml.dump(value, stream)
    return stream.getvalue().strip().removesuffix("...").strip()


def dump(doc: CommentedMap) -> str:
    """The document as YAML text, comments and key order kept."""
    stream = io.StringIO()
    _yaml().dump(doc, stream)
    return stream.getvalue()


# --------------------------------------------------------------------------- values


def scalar_from_text(text: str) -> Any:
    """What a form field's text means in YAML: ``""`` → None, digits → int/float, else text.

    ``"#rrggbb"`` colours come back double-quoted so the file reads like the docs.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if _INT.match(stripped):
        return int(stripped)
    if _FLOAT.match(stripped):
        return float(stripped)
    if stripped.startswith("#"):
        return DoubleQuotedScalarString(stripped)
    return stripped


def set_key(mapping: CommentedMap, key: str, value: Any, kind: str = "top") -> None:
    """Set ``mapping[key] = value`` in place; ``None`` removes the key.

    An existing key keeps its place (and its end-of-line comment); a new key is inserted
    before the first existing key that comes after it in the format's usual order
    (``kind``: top, phase, music, light or cue).
    """
    if value is None:
        if key in mapping:
            del mapping[key]
        return
    if key in mapping:
        mapping[key] = value
        return
    order = _ORDER[kind]
    rank = order.index(key) if key in order else len(order)
    position = len(mapping)
    for index, existing in enumerate(mapping.keys()):
        existing_rank = order.index(existing) if existing in order else len(order)
        if existing_rank > rank:
            position = index
            break
    mapping.insert(position, key, value)


def section(mapping: CommentedMap, key: str, *, create: bool = False) -> CommentedMap | None:
    """``mapping[key]`` when it is a mapping; with ``create``, make an empty one if absent."""
    value = mapping.get(key)
    if isinstance(value, CommentedMap):
        return value
    if not create:
        return None
    fresh = CommentedMap()
    set_key(mapping, key, fresh, "phase" if key in ("music", "light", "cues") else "top")
    return fresh


# --------------------------------------------------------------------------- phases


def phases(doc: CommentedMap) -> CommentedSeq:
    """The ``phases`` list, created (empty, in its usual place) when absent or not a list."""
    seq = doc.get("phases")
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        set_key(doc, "phases", seq)
    return seq


def phase(doc: CommentedMap, index: int) -> CommentedMap:
    """Phase ``index`` as a mapping (raises :class:`IndexError` / :class:`PresetYamlError`)."""
    item = phases(doc)[index]
    if not isinstance(item, CommentedMap):
        raise PresetYamlError(f"phases[{index}] is not a mapping")
    return item


def _unique_phase_name(doc: CommentedMap, base: str) -> str:
    taken = {name_key(str(p.get("name", ""))) for p in phases(doc) if isinstance(p, dict)}
    name, counter = base, 2
    while name_key(name) in taken:
        name = f"{base} {counter}"
        counter += 1
    return name


def add_phase(doc: CommentedMap, name: str = "New phase", duration: Any = "10m",
              index: int | None = None) -> int:
    """Insert a phase (at the end by default) with a unique name; returns its index."""
    seq = phases(doc)
    item = CommentedMap()
    item["name"] = _unique_phase_name(doc, name)
    item["duration"] = duration
    position = len(seq) if index is None else max(0, min(index, len(seq)))
    seq.insert(position, item)
    return position


def remove_phase(doc: CommentedMap, index: int) -> None:
    del phases(doc)[index]


def move_phase(doc: CommentedMap, source: int, target: int) -> int:
    """Move phase ``source`` so it ends up at index ``target``; returns the final index."""
    seq = phases(doc)
    target = max(0, min(target, len(seq) - 1))
    if source == target:
        return target
    item = seq[source]
    del seq[source]
    seq.insert(target, item)
    return target


def phase_at_line(doc: CommentedMap, line: int) -> int | None:
    """Index of the phase whose text spans 1-based ``line`` (None before the first)."""
    seq = doc.get("phases")
    if not isinstance(seq, CommentedSeq):
        return None
    found = None
    for index in range(len(seq)):
        try:
            start = int(seq.lc.item(index)[0]) + 1
        except Exception:
            continue
        if start <= line:
            found = index
    return found


# --------------------------------------------------------------------------- cues


def cues(doc: CommentedMap, index: int, *, create: bool = False) -> CommentedSeq | None:
    item = phase(doc, index)
    value = item.get("cues")
    if isinstance(value, CommentedSeq):
        return value
    if not create:
        return None
    seq = CommentedSeq()
    set_key(item, "cues", seq, "phase")
    return seq


def add_cue(doc: CommentedMap, index: int, at: Any = "0s", prompt: str = "Check in",
            kind: str = "reminder") -> int:
    """Append a cue to phase ``index``; returns the cue's index."""
    seq = cues(doc, index, create=True)
    assert seq is not None
    cue = CommentedMap()
    cue["at"] = at
    cue["prompt"] = prompt
    cue["kind"] = kind
    seq.append(cue)
    return len(seq) - 1


def remove_cue(doc: CommentedMap, index: int, cue_index: int) -> None:
    """Remove a cue; the ``cues`` key goes too when it was the last one."""
    seq = cues(doc, index)
    if seq is None:
        return
    del seq[cue_index]
    if not seq:
        del phase(doc, index)["cues"]


# --------------------------------------------------------------------------- saving


def save(doc: CommentedMap, path: Path, *, playlist_dirs: Sequence[Path] = ()) -> LoadResult:
    """Validate the dumped document as ``path``; write it atomically only when valid."""
    text = dump(doc)
    result = validate_text(text, path, playlist_dirs=playlist_dirs)
    if result.ok:
        write_atomic(Path(path), text)
    return result
