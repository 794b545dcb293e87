"""Playlists: M3U/M3U8 reading, folder playlists, where a playlist name is looked up, and
the one rule for which paths are tracks.

The lookup order is: absolute; next to the preset; then each of ``playlist_dirs`` in order.

Playlists as clinics have them: an ``.m3u`` written by a Windows player is cp1252 (UTF-8,
with or without BOM, is tried first); names written on a Mac are NFD while the files may
be NFC (or the other way round), so a name that is not found as written is matched
Unicode-normalised against the real directory entries; Windows entries use backslashes.

One rule for tracks (:func:`track_problem`): only a regular, non-empty file is a track —
never a device (``/dev/zero``), a FIFO (opening it would hang), a folder, or a kernel file
that reports no size (``/proc/self/mem``). A playlist file is opened without blocking,
must be a regular file and is read only up to :data:`MAX_PLAYLIST_BYTES`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "AUDIO_SUFFIXES",
    "MAX_PLAYLIST_BYTES",
    "MISSING",
    "NOT_LOCAL",
    "PLAYLIST_SUFFIXES",
    "Skipped",
    "decode_playlist",
    "entry_to_path",
    "existing_file",
    "folder_tracks",
    "lookup",
    "playlist_tracks",
    "read_playlist",
    "resolve_playlist",
    "show_path",
    "track_problem",
]

PLAYLIST_SUFFIXES = frozenset({".m3u", ".m3u8"})
AUDIO_SUFFIXES = frozenset(
    {".wav", ".ogg", ".oga", ".opus", ".flac", ".mp3", ".m4a", ".aac", ".wma", ".aif", ".aiff"}
)
"""Files picked up when ``playlist`` names a folder."""
MAX_PLAYLIST_BYTES = 1024 * 1024
"""A playlist is a small text file (10 000 entries fit in 1 MB); anything larger is refused."""

MISSING = "missing"
NOT_LOCAL = "not a local file"


@dataclass(frozen=True)
class Skipped:
    """A playlist entry that is not played: ``entry`` as written, ``reason`` in words
    (``missing``, ``not a local file``, ``not a regular file``, ``empty``)."""

    entry: str
    reason: str


def _cp1252_table() -> dict[int, str]:
    """latin-1 code points 0x80-0x9F → what cp1252 makes of those bytes, where it defines
    them (0x81, 0x8D, 0x8F, 0x90 and 0x9D stay as latin-1 has them)."""
    table: dict[int, str] = {}
    for byte in range(0x80, 0xA0):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


_CP1252 = _cp1252_table()


def decode_playlist(raw: bytes) -> str:
    """UTF-8 (BOM or not) when it is valid UTF-8, else cp1252 — what Windows players write —
    with latin-1 for the five bytes cp1252 leaves undefined."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1").translate(_CP1252)


def show_path(text: str | Path) -> str:
    """A path quoted for a one-line message, as written: backslashes stay single (no repr),
    only characters that cannot print (a newline, C1 controls) are escaped."""
    clean = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    quote = '"' if "'" in clean else "'"
    return f"{quote}{clean}{quote}"


def track_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a track (``missing``, ``not a regular file``, ``empty``), or
    ``None`` when it can. The one rule for every path that may reach the player."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return MISSING
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size == 0:
        return "empty"
    return None


def entry_to_path(entry: str) -> Path | None:
    """A playlist entry as a local path, or ``None`` for a non-file URL (http://, …)."""
    if entry.lower().startswith("file:"):
        parts = urlsplit(entry)
        if parts.netloc not in ("", "localhost"):
            return None
        path = unquote(parts.path)
        # file:///C:/Music/x.ogg → C:/Music/x.ogg
        if re.match(r"^/[A-Za-z]:[/\\]", path):
            path = path[1:]
        return Path(path)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", entry):
        return None
    return Path(entry)


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _normalised_match(path: Path) -> Path | None:
    """``path`` with each component not found as written replaced by the directory entry
    whose NFC form equals its NFC form (a Mac's NFD name for an NFC file, or back)."""
    path = path.absolute()
    current = Path(path.anchor)
    for part in path.parts[1:]:
        direct = current / part
        if os.path.lexists(direct):
            current = direct
            continue
        wanted = _nfc(part)
        try:
            with os.scandir(current) as entries:
                name = next((e.name for e in entries if _nfc(e.name) == wanted), None)
        except OSError:
            return None
        if name is None:
            return None
        current = current / name
    return current


def existing_file(candidate: Path) -> Path | None:
    """The real path on disk for ``candidate`` (resolved), found as written, with Windows
    backslashes as slashes, or Unicode-normalised; ``None`` when it is nowhere. Any kind of
    file: :func:`track_problem` says whether it may be played."""
    spellings = [candidate]
    if "\\" in str(candidate):  # playlists written on Windows use backslashes
        spellings.append(Path(str(candidate).replace("\\", "/")))
    for spelling in spellings:
        try:
            if spelling.exists():
                return spelling.resolve()
        except (OSError, ValueError):
            continue
    for spelling in spellings:
        try:
            found = _normalised_match(spelling)
            if found is not None and found.exists():
                return found.resolve()
        except (OSError, ValueError):
            continue
    return None


def _read_small_regular_file(path: Path) -> bytes:
    """The bytes of ``path``; :class:`OSError` unless it is a regular file of at most
    :data:`MAX_PLAYLIST_BYTES`. Opened non-blocking and checked on the open descriptor, so a
    FIFO (or a device) named ``.m3u`` is refused at once instead of hanging the caller."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = handle.read(MAX_PLAYLIST_BYTES + 1)
    if len(data) > MAX_PLAYLIST_BYTES:
        raise OSError(errno.EFBIG,
                      f"larger than {MAX_PLAYLIST_BYTES // 1024} KB (not a playlist?)", str(path))
    return data


def read_playlist(path: Path) -> tuple[list[Path], list[Skipped]]:
    """Parse an M3U/M3U8 playlist: ``(tracks, skipped entries)``.

    Relative entries resolve against the playlist's folder; ``#EXT…`` lines, comments and
    blank lines are skipped; ``file://`` URLs are accepted. Tracks are resolved paths that
    pass :func:`track_problem`; every other entry is skipped with its reason. Raises
    :class:`OSError` when the playlist itself cannot be read (or is no small regular file).
    """
    text = decode_playlist(_read_small_regular_file(Path(path)))
    base = Path(path).parent
    found: list[Path] = []
    skipped: list[Skipped] = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        local = entry_to_path(entry)
        if local is None:
            skipped.append(Skipped(entry, NOT_LOCAL))
            continue
        resolved = existing_file(local if local.is_absolute() else base / local)
        problem = MISSING if resolved is None else track_problem(resolved)
        if resolved is None or problem is not None:
            skipped.append(Skipped(entry, problem or MISSING))
        else:
            found.append(resolved)
    return found, skipped


def lookup(name: str, bases: Sequence[Path]) -> Path | None:
    """First existing file or folder for ``name``: as is when absolute, else under ``bases``."""
    local = entry_to_path(name)
    if local is None:
        return None
    candidates = [local] if local.is_absolute() else [Path(b) / local for b in bases]
    for candidate in candidates:
        found = existing_file(candidate)
        if found is not None:
            return found
    return None


def resolve_playlist(
    name: str, preset_dir: Path, playlist_dirs: Sequence[Path] = ()
) -> Path | None:
    """Where ``music.playlist: name`` points: absolute path; next to the preset; each of
    ``playlist_dirs`` in order. ``None`` when it is nowhere."""
    return lookup(name, [preset_dir, *playlist_dirs])


def _natural_key(part: str) -> tuple[tuple[int, int | str], ...]:
    """``Track 2`` before ``Track 10``; case and Unicode form do not matter."""
    pieces = re.split(r"(\d+)", _nfc(part).casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in pieces if p)


def folder_tracks(folder: Path) -> list[Path]:
    """The tracks of a folder playlist: audio files in it and in its subfolders
    (Artist/Album), in natural order of their path; hidden files and folders (``.x``, which
    includes macOS ``._x`` AppleDouble files) are never tracks. Symlinked folders are not
    followed (no loops)."""
    folder = Path(folder)
    tracks: list[tuple[Path, Path]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root) / name
            if (name.startswith(".") or path.suffix.lower() not in AUDIO_SUFFIXES
                    or track_problem(path) is not None):
                continue
            tracks.append((path.relative_to(folder), path))
    tracks.sort(key=lambda t: (tuple(_natural_key(p) for p in t[0].parts), t[0].parts))
    return [path.resolve() for _, path in tracks]


def playlist_tracks(found: Path) -> tuple[list[Path], list[Skipped]]:
    """The tracks of what a ``music.playlist`` name resolved to: a folder, an M3U/M3U8
    playlist, or a single audio file. Raises :class:`OSError` for an unreadable playlist."""
    if found.is_dir():
        return folder_tracks(found), []
    if found.suffix.lower() in PLAYLIST_SUFFIXES:
        return read_playlist(found)
    problem = track_problem(found)
    if problem is not None:
        return [], [Skipped(str(found), problem)]
    return [found], []
