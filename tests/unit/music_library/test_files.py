"""Which files a scan measures: recursion, hidden and AppleDouble files, non-audio files."""

from __future__ import annotations

import os
from pathlib import Path

from ketaroom.music_library.files import find_audio


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_walks_folders_and_skips_hidden_appledouble_and_non_audio(tmp_path: Path) -> None:
    keep = [_touch(tmp_path / "z.opus"), _touch(tmp_path / "a" / "01 Song.MP3"),
            _touch(tmp_path / "a" / "b" / "x.flac")]  # a folder's files, then its folders
    _touch(tmp_path / "a" / "._01 Song.MP3")
    _touch(tmp_path / ".hidden.ogg")
    _touch(tmp_path / ".Trash" / "old.mp3")
    _touch(tmp_path / "a" / "cover.jpg")
    _touch(tmp_path / "a" / "README")

    found = find_audio([tmp_path])

    assert found.files == keep
    assert found.skipped == {"jpg": 1, "": 1}
    assert found.missing == []


def test_a_named_file_is_always_measured_and_missing_paths_are_listed(tmp_path: Path) -> None:
    cover = _touch(tmp_path / "cover.jpg")
    apple = _touch(tmp_path / "._song.mp3")

    found = find_audio([cover, apple, tmp_path / "gone.mp3", cover])

    assert found.files == [cover, apple]
    assert found.missing == [tmp_path / "gone.mp3"]


def test_links_to_folders_are_not_followed(tmp_path: Path) -> None:
    song = _touch(tmp_path / "music" / "song.ogg")
    os.symlink(tmp_path, tmp_path / "music" / "loop")

    assert find_audio([tmp_path / "music"]).files == [song]
