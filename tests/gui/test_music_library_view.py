"""Clinic → Music library on the real main window: a folder added, scanned in the
background by the real music-library scan (ffmpeg), sorted, previewed on the room at
≤ 40 %, made into an M3U8 playlist with relative paths in the clinic's playlists folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from ketaroom.core.playlists import read_playlist
from ketaroom.core.targets import MusicTarget
from ketaroom.store.paths import playlists_dir
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.music_library_view import MusicLibraryView
from ketaroom.ui.preview import MAX_PREVIEW_VOLUME_PCT
from tests.helpers.music_files import have_encoder

pytestmark = [pytest.mark.gui,
              pytest.mark.skipif(not have_encoder(), reason="ffmpeg is not installed")]
SR = 22050


def write_tone(path: Path, amp: float, seconds: float = 2.0) -> Path:
    t = np.arange(int(SR * seconds)) / SR
    x = amp * np.sin(2 * np.pi * 440 * t)
    sf.write(str(path), np.stack([x, x], axis=1), SR)
    return path


@pytest.fixture
def music(tmp_path: Path) -> Path:
    """Three tones 10 dB apart and one file that is not audio."""
    folder = tmp_path / "clinic music"
    folder.mkdir()
    for name, amp in (("b-medium", 0.1), ("a-loud", 0.3), ("c-quiet", 0.03)):
        write_tone(folder / f"{name}.wav", amp)
    (folder / "d-broken.mp3").write_bytes(b"not audio")
    return folder


class RowsDropped:
    """What the playlist sees when rows of the library table are dropped on it."""

    def __init__(self, source: object) -> None:
        self._source = source

    def source(self) -> object:
        return self._source

    def acceptProposedAction(self) -> None:
        """Accepted, as Qt would be told."""


def open_library(window: MainWindow) -> MusicLibraryView:
    window.service.gate.set_first_pin("2580")  # unlocked, as after the PIN pad
    window._on_open_music_library()
    view = window._side_windows["music-library"]
    assert isinstance(view, MusicLibraryView)
    return view


def column(view: MusicLibraryView, col: int) -> list[str]:
    return [view.proxy.index(r, col).data() for r in range(view.proxy.rowCount())]


def test_scan_sort_preview_and_save_a_playlist(qtbot, make_window, music: Path,
                                               monkeypatch) -> None:
    window = make_window()
    view = open_library(window)
    view.add_folder(music)
    assert view.scan_job is not None  # the scan runs in the background…
    assert view.add_button.isEnabled()  # …and the window stays usable meanwhile
    qtbot.waitUntil(lambda: view.scan_job is None, timeout=30000)
    assert view.model.rowCount() == 4
    assert view.progress.value() == view.progress.maximum() == 4
    statuses = dict(zip(column(view, 0), column(view, 4), strict=True))
    assert statuses["a-loud"] == "ok" and statuses["d-broken"] == "unplayable"

    view.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # loudest first
    assert column(view, 0)[:3] == ["a-loud", "b-medium", "c-quiet"]
    loud = [float(v.split()[0]) for v in column(view, 3)[:3]]
    assert loud[0] - loud[1] == pytest.approx(9.5, abs=1.0)

    sent: list[Any] = []
    room = window.service.room
    original = room.player.apply
    monkeypatch.setattr(room.player, "apply", lambda t: (sent.append(t), original(t)))
    view.table.selectRow(0)
    view.preview_selected()
    assert isinstance(sent[-1], MusicTarget)
    assert sent[-1].tracks == (music / "a-loud.wav",)
    assert sent[-1].volume_pct <= MAX_PREVIEW_VOLUME_PCT
    view.stop_preview()

    view.table.selectRow(2)
    view.add_selected()
    view.table.selectRow(1)
    view.add_selected()
    view.table.selectRow(0)
    view.playlist.dropEvent(RowsDropped(view.table))  # type: ignore[arg-type]
    assert [t.name for t in view.playlist.tracks()] == [
        "c-quiet.wav", "b-medium.wav", "a-loud.wav"]
    view.playlist.setCurrentRow(2)
    view.remove_selected()
    view.name_edit.setText("Quiet then medium")
    view.save_playlist()
    saved = playlists_dir(window.service.data_dir) / "Quiet then medium.m3u8"
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    assert all(not os.path.isabs(line) for line in lines[1:])
    tracks, skipped = read_playlist(saved)
    assert [t.resolve() for t in tracks] == [music / "c-quiet.wav", music / "b-medium.wav"]
    assert not skipped

    # a second scan of the unchanged library comes from the cache and adds no rows
    view.start_scan()
    qtbot.waitUntil(lambda: view.scan_job is None, timeout=10000)
    assert view.model.rowCount() == 4

    out = os.environ.get("KETAROOM_SCREENSHOT_DIR")
    if out:
        view.resize(1180, 560)
        view.table.selectRow(0)
        view.grab().save(str(Path(out) / "music-library.png"))


def test_a_scan_can_be_cancelled(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(16):
        write_tone(folder / f"t{i:02}.wav", 0.1, 6.0)
    view = open_library(make_window())
    view.add_folder(folder)
    view.cancel_scan()
    qtbot.waitUntil(lambda: view.scan_job is None, timeout=30000)
    assert view.progress_label.text() == "cancelled"
    assert view.model.rowCount() < 16
    assert view.scan_button.isEnabled()  # a new scan may start
