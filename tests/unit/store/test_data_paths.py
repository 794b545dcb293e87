"""Data directory resolution and permissions (ketaroom.store.paths)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from ketaroom.store import paths


def test_override_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path / "from-env"))
    chosen = paths.data_dir(tmp_path / "explicit")
    assert chosen == tmp_path / "explicit"
    assert chosen.is_dir()
    assert not (tmp_path / "from-env").exists()


def test_env_used_without_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path / "env" / "nested"))
    assert paths.data_dir() == tmp_path / "env" / "nested"
    assert (tmp_path / "env" / "nested").is_dir()


def test_platformdirs_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    monkeypatch.setattr(
        paths.platformdirs, "user_data_dir", lambda app, author: str(tmp_path / app / author)
    )
    assert paths.data_dir() == tmp_path / "ketaroom" / "ketaroom"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_created_private_and_existing_tightened(tmp_path: Path) -> None:
    fresh = paths.data_dir(tmp_path / "fresh")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    paths.data_dir(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_file_names(tmp_path: Path) -> None:
    assert paths.journal_path(tmp_path) == tmp_path / "sessions.sqlite3"
    assert paths.settings_path(tmp_path) == tmp_path / "settings.json"
    assert paths.presets_dir(tmp_path) == tmp_path / "presets"
    assert paths.playlists_dir(tmp_path) == tmp_path / "playlists"
