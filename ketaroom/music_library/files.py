"""Which files a music scan looks at.

Folders are walked recursively (symbolic links to folders are not followed, so a link
loop cannot trap the scan); hidden files and folders (a leading ``.``, which covers
macOS's ``._*`` AppleDouble companions) are skipped, and so are files whose extension is
not an audio one (cover art, playlists, text) — they are only counted. A file named on
the command line is always measured, whatever its name: asking for it is asking why.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

AUDIO_EXTENSIONS = frozenset({
    "mp3", "mp2", "mpga", "flac", "ogg", "oga", "opus", "spx", "m4a", "m4b", "m4p", "mp4",
    "aac", "adts", "alac", "wav", "wave", "w64", "aif", "aiff", "aifc", "caf", "wma", "asf",
    "ape", "wv", "mka", "webm", "mpc", "ac3", "eac3", "dts", "tta", "au", "snd", "amr",
    "mid", "midi",
})
"""Extensions treated as audio inside folders (lower case, without the dot)."""


@dataclass
class Found:
    """The outcome of walking the scan's arguments."""

    files: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    """Files left out inside folders, by extension (``""`` for none)."""


def is_hidden(name: str) -> bool:
    """Hidden on Unix and macOS (which includes AppleDouble ``._name`` files)."""
    return name.startswith(".")


def find_audio(paths: Iterable[Path]) -> Found:
    """Every file to measure under ``paths``, in the order given; inside a folder its
    files by name, then its sub-folders by name. Each file once even when named twice."""
    found = Found()
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = Path(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            found.files.append(path)

    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not is_hidden(d))
                for name in sorted(names):
                    if is_hidden(name):
                        continue
                    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
                    if ext in AUDIO_EXTENSIONS:
                        add(Path(root) / name)
                    else:
                        found.skipped[ext] += 1
        elif path.exists() or path.is_symlink():
            add(path)
        else:
            found.missing.append(path)
    return found
