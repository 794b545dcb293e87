"""Names a package re-exports, imported from their home module on first use.

A package's ``__init__`` runs whenever any of its modules is imported; re-exporting with
plain imports there would load every module of the package for one of them (issue 14:
the window's first frame needs the settings, not the journal or the scanner).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``homes`` maps each name to the module
    that defines it."""
    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(home), name)
    return __getattr__
