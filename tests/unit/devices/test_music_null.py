"""Unit tests for NullPlayer, create_player fallbacks and the no-Qt import rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ketaroom.core.targets import SILENCE, MusicTarget
from ketaroom.devices import music
from ketaroom.devices.music import MusicReport, NullPlayer, Player, create_player


def test_create_player_none_is_null_player() -> None:
    reports: list[MusicReport] = []
    p = create_player("none", on_report=reports.append)
    assert isinstance(p, NullPlayer)
    assert isinstance(p, Player)
    p.set_max_volume(30)
    p.apply(MusicTarget((Path("a.ogg"),), 50.0, 5.0, label="arrival"))
    assert p.flush(0.1)
    st = p.status()
    assert st.track == Path("a.ogg") and st.volume_pct == 30 and st.playlist_label == "arrival"
    assert reports[-1].kind == "music" and "a.ogg" in reports[-1].message
    p.apply(SILENCE)
    assert p.status().track is None
    p.emergency_off()
    p.close()


def test_missing_libvlc_gives_null_player_and_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise music.AudioUnavailable("no libvlc")

    monkeypatch.setattr(music, "VlcPlayer", boom)
    reports: list[MusicReport] = []
    p = create_player("dummy", on_report=reports.append)
    assert isinstance(p, NullPlayer)
    assert reports[0].kind == "device_error"
    assert "libVLC is not installed" in reports[0].message


def test_unknown_audio_mode_rejected() -> None:
    with pytest.raises(ValueError):
        create_player("loud")


def test_music_package_imports_neither_qt_nor_vlc() -> None:
    code = ("import sys, ketaroom.devices.music as m; "
            "bad=[n for n in sys.modules if n.split('.')[0] in ('PySide6','vlc')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    subprocess.run([sys.executable, "-c", code], check=True)
