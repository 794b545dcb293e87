"""Tests for :mod:`ketaroom.core.playlists` with playlists shaped like the ones clinics have:
Windows cp1252 ``.m3u`` files with backslashes, Mac NFD ``.m3u8`` files, music folders
copied from a Mac (``._x`` files) with Artist/Album subfolders, FIFOs and devices."""

from __future__ import annotations

import os
import textwrap
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.playlists import (
    MAX_PLAYLIST_BYTES,
    Skipped,
    decode_playlist,
    folder_tracks,
    playlist_tracks,
    read_playlist,
    show_path,
    track_problem,
)
from ketaroom.core.validation import validate_text
from ketaroom.ui.preview import first_track

EN_DASH_NAME = "01 – Arrival.mp3"  # the en dash is byte 0x96 in cp1252


def audio(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ID3 not really audio, but a regular non-empty file")
    return path


def finishes(call: Callable[[], Any], timeout_s: float = 5.0) -> Any:
    """``call()``'s result; fails the test (instead of hanging it) if it blocks."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(call())
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout_s)
    assert not thread.is_alive(), f"{call} blocked for {timeout_s} s"
    return out[0]


def preset(tmp_path: Path, playlist: str) -> str:
    return textwrap.dedent(f"""\
        name: P
        phases:
          - name: A
            duration: 1m
            music:
              playlist: {playlist}
        """)


def test_windows_m3u_is_cp1252_with_backslashes(tmp_path: Path) -> None:
    track = audio(tmp_path / "Artist" / "Album" / EN_DASH_NAME)
    playlist = tmp_path / "calm.m3u"
    playlist.write_bytes(f"#EXTM3U\r\nArtist\\Album\\{EN_DASH_NAME}\r\n".encode("cp1252"))
    assert read_playlist(playlist) == ([track.resolve()], [])


def test_utf8_with_bom_and_bytes_cp1252_leaves_undefined() -> None:
    assert decode_playlist("\ufeffé – ü\n".encode()) == "é – ü\n"
    assert decode_playlist(b"caf\xe9 \x96 \x80") == "café – €"
    # 0x81 is undefined in cp1252: latin-1's U+0081, never an error or a lost line
    assert decode_playlist(b"a\x81b\x9dc") == "a\x81b\x9dc"


@pytest.mark.parametrize(("listed", "on_disk"), [("NFD", "NFC"), ("NFC", "NFD")])
def test_names_match_across_unicode_normal_forms(tmp_path: Path, listed: str,
                                                 on_disk: str) -> None:
    folder, name = "Sigur Rós", "Hoppípolla é.ogg"
    track = audio(tmp_path / unicodedata.normalize(on_disk, folder)
                  / unicodedata.normalize(on_disk, name))
    playlist = tmp_path / "mac.m3u8"
    entry = unicodedata.normalize(listed, f"{folder}/{name}")
    playlist.write_text(f"#EXTM3U\n{entry}\n", encoding="utf-8")
    found, skipped = read_playlist(playlist)
    assert skipped == []
    assert found == [track.resolve()]
    assert found[0].exists()  # the real file's own spelling


def test_folder_playlist_is_recursive_natural_and_skips_hidden(tmp_path: Path) -> None:
    root = tmp_path / "Evening"
    names = ["intro.ogg", "B Artist/Album/Track 10.mp3", "B Artist/Album/Track 2.mp3",
             "a artist/z.flac"]
    for name in names:
        audio(root / name)
    for hidden in ["._intro.ogg", ".hidden.ogg", "B Artist/Album/._Track 2.mp3",
                   ".Trash/gone.mp3", "notes.txt", "a artist/empty.ogg"]:
        audio(root / hidden)
    (root / "a artist" / "empty.ogg").write_bytes(b"")
    expected = ["a artist/z.flac", "B Artist/Album/Track 2.mp3",
                "B Artist/Album/Track 10.mp3", "intro.ogg"]
    assert folder_tracks(root) == [(root / n).resolve() for n in expected]


def test_http_entry_is_not_a_local_file_and_missing_is_missing(tmp_path: Path) -> None:
    playlist = tmp_path / "x.m3u"
    playlist.write_text("http://radio.example/live\ngone.mp3\n")
    assert read_playlist(playlist) == ([], [Skipped("http://radio.example/live",
                                                     "not a local file"),
                                             Skipped("gone.mp3", "missing")])


def test_warnings_quote_windows_paths_as_written(tmp_path: Path) -> None:
    audio(tmp_path / "ok.mp3")
    (tmp_path / "x.m3u").write_bytes(b"ok.mp3\r\nMusic\\Old\\gone.mp3\r\nhttp://r.example/s\r\n")
    result = validate_text(preset(tmp_path, "x.m3u"), tmp_path / "p.yaml")
    assert result.problems == ()
    assert [w.message for w in result.warnings] == [
        "phases[0].music.playlist: playlist 'x.m3u' lists a missing file: "
        "'Music\\Old\\gone.mp3' (skipped)",
        "phases[0].music.playlist: playlist 'x.m3u' lists 'http://r.example/s': "
        "not a local file (skipped)",
    ]
    assert show_path("a\nb") == "'a\\nb'"  # still one line


def test_fifo_playlist_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "calm.m3u"
    os.mkfifo(fifo)
    error = finishes(lambda: read_playlist(fifo))
    assert isinstance(error, OSError) and error.strerror == "not a regular file"
    result = finishes(lambda: validate_text(preset(tmp_path, "calm.m3u"), tmp_path / "p.yaml"))
    assert [p.message for p in result.problems] == [
        "phases[0].music.playlist: cannot read playlist 'calm.m3u': not a regular file"]
    assert finishes(lambda: first_track("calm.m3u", tmp_path, [])) is None


def test_fifo_device_and_proc_files_are_never_tracks(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mp3")
    good = audio(tmp_path / "good.mp3")
    (tmp_path / "x.m3u").write_text("pipe.mp3\n/dev/zero\ngood.mp3\n")
    assert finishes(lambda: read_playlist(tmp_path / "x.m3u")) == (
        [good.resolve()], [Skipped("pipe.mp3", "not a regular file"),
                           Skipped("/dev/zero", "not a regular file")])
    assert finishes(lambda: folder_tracks(tmp_path)) == [good.resolve()]
    assert track_problem(Path("/proc/self/mem")) == "empty"  # a 0-byte "regular" file


@pytest.mark.parametrize("path", ["/dev/zero", "/proc/self/mem"])
def test_string_and_list_forms_refuse_the_same_non_tracks(tmp_path: Path, path: str) -> None:
    reason = track_problem(Path(path))
    as_string = validate_text(preset(tmp_path, path), tmp_path / "p.yaml")
    as_list = validate_text(preset(tmp_path, f"[{path}]"), tmp_path / "p.yaml")
    assert [p.message for p in as_string.problems] == [
        f"phases[0].music.playlist: audio file '{path}': {reason}"]
    assert [p.message for p in as_list.problems] == [
        f"phases[0].music.playlist[0]: audio file '{path}': {reason}"]


def test_huge_playlist_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.m3u"
    big.write_bytes(b"#" * (MAX_PLAYLIST_BYTES + 1))
    with pytest.raises(OSError, match="larger than"):
        playlist_tracks(big)
