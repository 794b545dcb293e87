"""The layers docs/architecture.md promises, held in the imports.

Every module of the package is parsed with :mod:`ast` (no import runs): each ``import`` and
``from … import`` counts, at module level, inside functions and under ``TYPE_CHECKING``
alike. A rule names a layer and what it must never import; :func:`violations` lists every
import that breaks one. :data:`ALLOWED` is the list of known exceptions — it is empty, and
a test fails if an entry stops being needed, so it cannot go stale.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "ketaroom"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / PACKAGE

THIRD_PARTY_RUNTIME = ("PySide6", "shiboken6", "qtawesome", "qtpy", "vlc", "phue",
                       "apscheduler")
"""Qt, libVLC, the Hue library and the scheduler: none of them in the core."""


@dataclass(frozen=True)
class Rule:
    """Modules under ``layer`` must not import any module under ``forbidden``."""

    layer: str
    forbidden: tuple[str, ...]
    allowed_inside: str | None = None
    """When set, every ``ketaroom`` import outside this prefix is forbidden too."""
    why: str = ""


RULES: tuple[Rule, ...] = (
    Rule("ketaroom.ui", ("ketaroom.devices", "ketaroom.app"),
         why="the window reaches the room only through the session service"),
    Rule("ketaroom.core", THIRD_PARTY_RUNTIME, allowed_inside="ketaroom.core",
         why="the core is pure Python: presets, timeline, session state"),
    Rule("ketaroom.devices", ("ketaroom.ui", "ketaroom.store", "ketaroom.session",
                              "ketaroom.app"),
         why="devices know nothing of the window, the record or the session"),
    Rule("ketaroom.store", ("ketaroom.ui", "ketaroom.devices", "ketaroom.session",
                            "ketaroom.app"),
         why="storage knows nothing of the window or the devices"),
    Rule("ketaroom.session", ("ketaroom.ui", "ketaroom.app"),
         why="the session runs headless (rehearse) as well as under the window"),
)

ALLOWED: frozenset[tuple[str, str]] = frozenset()
"""``(importer, imported prefix)`` pairs that break a rule knowingly — none today. An entry
needs a comment saying why, and :func:`test_allow_list_is_not_stale` fails once the import it
excuses is gone."""


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path, root: Path, package: str) -> str:
    """``ketaroom/ui/banner.py`` → ``ketaroom.ui.banner`` (``__init__`` names its package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every module ``source`` imports, wherever the statement sits.

    ``from x import y`` counts as ``x.y`` too (``y`` may be a submodule); relative
    imports are resolved against ``module``.
    """
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found.append(Import(module, base, node.lineno))
            found += [Import(module, f"{base}.{alias.name}", node.lineno)
                      for alias in node.names if alias.name != "*"]
    return found


def package_imports(root: Path, package: str) -> list[Import]:
    """The imports of every module under ``root`` (the folder of ``package``)."""
    out: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root, package)
        out += imports_of(path.read_text(encoding="utf-8"), module,
                          is_package=path.name == "__init__.py")
    return out


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def broken_rule(imp: Import, rules: tuple[Rule, ...], package: str) -> Rule | None:
    """The rule ``imp`` breaks, or ``None``."""
    for rule in rules:
        if not _under(imp.importer, rule.layer):
            continue
        if any(_under(imp.imported, f) for f in rule.forbidden):
            return rule
        if (rule.allowed_inside is not None and _under(imp.imported, package)
                and not _under(imp.imported, rule.allowed_inside)):
            return rule
    return None


def violations(imports: list[Import], rules: tuple[Rule, ...] = RULES,
               package: str = PACKAGE) -> list[tuple[Import, Rule]]:
    out: list[tuple[Import, Rule]] = []
    for imp in imports:
        rule = broken_rule(imp, rules, package)
        if rule is not None:
            out.append((imp, rule))
    return out


def _describe(found: list[tuple[Import, Rule]]) -> str:
    """One line per import statement (``from a import b`` is checked as ``a`` and ``a.b``)."""
    lines: dict[tuple[str, int], str] = {}
    for imp, rule in found:
        lines.setdefault((imp.importer, imp.line),
                         f"{imp.importer}:{imp.line} imports {imp.imported} — {rule.why}")
    return "\n".join(lines.values())


# -- the package -------------------------------------------------------------------------


def _excused(imp: Import, allowed: frozenset[tuple[str, str]]) -> tuple[str, str] | None:
    for importer, prefix in allowed:
        if imp.importer == importer and _under(imp.imported, prefix):
            return importer, prefix
    return None


def test_every_layer_keeps_its_direction() -> None:
    found = [(imp, rule) for imp, rule in violations(package_imports(PACKAGE_DIR, PACKAGE))
             if _excused(imp, ALLOWED) is None]
    assert not found, "forbidden imports:\n" + _describe(found)


def test_allow_list_is_not_stale() -> None:
    used = {_excused(imp, ALLOWED)
            for imp, _rule in violations(package_imports(PACKAGE_DIR, PACKAGE))}
    stale = ALLOWED - used
    assert not stale, f"allowed imports that no longer exist (remove them): {sorted(stale)}"


def test_the_checker_sees_the_whole_package() -> None:
    imports = package_imports(PACKAGE_DIR, PACKAGE)
    importers = {imp.importer for imp in imports}
    assert {"ketaroom.ui.main_window", "ketaroom.core.session",
            "ketaroom.session.controller", "ketaroom.app"} <= importers


def test_at_most_two_loose_modules_at_the_package_root() -> None:
    entry_points = {"__init__", "__main__", "app", "cli"}
    loose = sorted(p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem not in entry_points)
    assert len(loose) <= 2, loose


# -- the checker itself, on a planted module tree ----------------------------------------


def _plant(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


PLANTED_RULES = (
    Rule("pkg.ui", ("pkg.devices", "pkg.app"), why="ui→devices"),
    Rule("pkg.core", ("PySide6", "vlc"), allowed_inside="pkg.core", why="core is pure"),
)


@pytest.fixture
def planted_tree(tmp_path: Path) -> Path:
    return _plant(tmp_path, {
        "__init__.py": "",
        "app.py": "",
        "core/__init__.py": "",
        "core/clock.py": "import time\n",
        "core/model.py": "from . import clock\nfrom .clock import now\n",
        "devices/__init__.py": "",
        "devices/player.py": "",
        "ui/__init__.py": "",
        "ui/clean.py": "from pkg.core import model\n",
    })


def test_checker_passes_a_clean_tree(planted_tree: Path) -> None:
    assert violations(package_imports(planted_tree, "pkg"), PLANTED_RULES, "pkg") == []


@pytest.mark.parametrize(("rel", "source", "imported"), [
    ("ui/panel.py", "from pkg.devices.player import Player\n", "pkg.devices.player"),
    ("ui/panel.py", "import pkg.app\n", "pkg.app"),
    ("ui/panel.py", "def later():\n    from pkg import app\n", "pkg.app"),
    ("ui/panel.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from ..devices import player\n", "pkg.devices"),
    ("core/bad.py", "from PySide6.QtCore import QObject\n", "PySide6.QtCore"),
    ("core/bad.py", "class A:\n    def f(self):\n        import vlc\n", "vlc"),
    ("core/bad.py", "from pkg.ui import clean\n", "pkg.ui"),
    ("core/bad.py", "from .. import app\n", "pkg"),
])
def test_checker_fails_on_a_planted_violation(planted_tree: Path, rel: str, source: str,
                                              imported: str) -> None:
    _plant(planted_tree.parent, {rel: source})
    found = violations(package_imports(planted_tree, "pkg"), PLANTED_RULES, "pkg")
    assert found, f"{rel} importing {imported} went unnoticed"
    assert {imp.importer for imp, _rule in found} == {module_name(planted_tree / rel,
                                                                  planted_tree, "pkg")}
    assert imported in {imp.imported for imp, _rule in found}
