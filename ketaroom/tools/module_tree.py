"""The module tree of docs/architecture.md: the package's folders two levels down, each with
its line count and its modules, largest first.

    .venv/bin/python -m ketaroom.tools.module_tree            # print it
    .venv/bin/python -m ketaroom.tools.module_tree --write    # put it into the doc

``--write`` replaces the fenced block that follows the doc's "### Tree" heading, so the tree
is regenerated after a change instead of edited by hand (branches that each edit it by hand
conflict in every line).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
DOC = PACKAGE.parent / "docs" / "architecture.md"
HEADING = "### Tree"
WIDTH = 95
INIT_SHOWN_FROM = 10
"""An ``__init__`` of fewer lines (a docstring, ``__all__``) is counted but not named."""
DEPTH = 2


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def _row(folder: Path, depth: int) -> list[str]:
    """``  name/   total  module n, module n, …`` wrapped at :data:`WIDTH`."""
    counts = {module.stem: _lines(module) for module in sorted(folder.glob("*.py"))}
    shown = sorted(((name, n) for name, n in counts.items()
                    if name != "__init__" or n >= INIT_SHOWN_FROM),
                   key=lambda item: (-item[1], item[0]))
    label = "  " * depth + folder.name + "/"
    head = f"{label:<24}{sum(counts.values()):>7}  "
    pieces = [f"{name} {n}" + ("," if i < len(shown) - 1 else "")
              for i, (name, n) in enumerate(shown)]
    rows: list[str] = []
    line = head
    for piece in pieces:
        if line != head and len(line) + 1 + len(piece) > WIDTH:
            rows.append(line)
            line = " " * len(head) + piece
        else:
            line = line + piece if line == head else f"{line} {piece}"
    rows.append(line)
    return rows


def tree(package: Path = PACKAGE) -> str:
    """The tree as the doc shows it (no fences)."""
    rows: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        if any(folder.glob("*.py")):
            rows.extend(_row(folder, depth))
        if depth < DEPTH:
            for sub in sorted(p for p in folder.iterdir()
                              if p.is_dir() and p.name != "__pycache__"):
                walk(sub, depth + 1)

    walk(package, 0)
    return "\n".join(rows)


def write(doc: Path = DOC, package: Path = PACKAGE) -> None:
    """Replace the fenced block after :data:`HEADING` in ``doc`` with :func:`tree`."""
    text = doc.read_text(encoding="utf-8")
    start = text.index("```\n", text.index(HEADING)) + len("```\n")
    end = text.index("```\n", start)
    doc.write_text(text[:start] + tree(package) + "\n" + text[end:], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"update {DOC}")
    if parser.parse_args(argv).write:
        write()
    else:
        print(tree())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
