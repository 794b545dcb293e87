"""The build step that puts the shipped files inside the package (the rest is pyproject.toml).

The repository keeps the shipped presets, music, styles, icons and playlists in the
top-level ``resources/`` and ``playlists/`` folders. ``build_py`` copies both, as they are,
into ``ketaroom/_data/`` of the build, so a wheel (and an install from the sdist) carries
them; :mod:`ketaroom.shipped` finds them there. An editable install maps the package to the
checkout, where :mod:`ketaroom.shipped` uses the top-level folders directly, so nothing is
copied then.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_FOLDERS = ("resources", "playlists")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*")


class BuildPyWithData(build_py):
    """``build_py`` plus a fresh copy of the top-level data folders into ``ketaroom/_data``."""

    def run(self) -> None:
        package = Path(self.build_lib) / "ketaroom"
        if not self.editable_mode:  # no stale module or file from an earlier build in build/
            shutil.rmtree(package, ignore_errors=True)
        super().run()
        if self.editable_mode:
            return
        for name in DATA_FOLDERS:
            shutil.copytree(HERE / name, package / "_data" / name, ignore=SKIPPED)


setup(cmdclass={"build_py": BuildPyWithData})
