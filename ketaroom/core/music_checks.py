"""The checks of a phase's ``music:`` section: its playlist (found, readable, playable),
volume (capped by the preset's ``max_volume``), fade, shuffle and loop.

Separate from :mod:`ketaroom.core.preset_checks` (the preset and its phases, which use
these) because the music section is the one that looks at files: the playlist lookup order
and M3U reading are :mod:`ketaroom.core.playlists`, this module turns what they find into
problems and a :class:`~ketaroom.core.preset.MusicSpec`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ketaroom.core.field_checks import FieldChecker, show_number, show_value
from ketaroom.core.limits import (
    DEFAULT_FADE_S,
    DEFAULT_VOLUME_PCT,
    MUSIC_FADE_FLOOR_S,
    VOLUME_MAX,
    VOLUME_MIN,
)
from ketaroom.core.playlists import (
    MISSING,
    PLAYLIST_SUFFIXES,
    entry_to_path,
    lookup,
    playlist_tracks,
    resolve_playlist,
    show_path,
    track_problem,
)
from ketaroom.core.preset import MusicSpec
from ketaroom.core.preset_document import item_line_of

__all__ = ["MUSIC_KEYS", "MusicChecks"]

MUSIC_KEYS = ("playlist", "volume", "fade", "shuffle", "loop")


class MusicChecks(FieldChecker):
    """:class:`FieldChecker` plus the music section, which finds playlists next to the
    preset (``preset_dir``), then in ``playlist_dirs``."""

    def __init__(self, path: str, preset_dir: Path, playlist_dirs: Sequence[Path]) -> None:
        super().__init__(path)
        self.preset_dir = preset_dir
        self.playlist_dirs = [Path(d) for d in playlist_dirs]
        self.max_volume_pct = 100.0
        """The preset's ``max_volume``, set by the preset check before its phases."""

    def music(self, node: Any, where: str, line: int) -> MusicSpec | None:
        before = len(self.errors)
        found = self.section(node, where, line, MUSIC_KEYS, "a mapping with playlist, volume "
                             "and fade (or null for silence)")
        if found is None:
            return None
        values, lines, line = found

        volume = min(DEFAULT_VOLUME_PCT, self.max_volume_pct)
        if "volume" in values:
            got = self.number(values["volume"], lines["volume"][1], f"{where}.volume",
                              VOLUME_MIN, VOLUME_MAX)
            if got is not None and got > self.max_volume_pct:
                self.warn(lines["volume"][1], f"{where}.volume",
                          f"{show_number(got)} is above max_volume "
                          f"{show_number(self.max_volume_pct)}; "
                          f"{show_number(self.max_volume_pct)} will be used")
                got = self.max_volume_pct
            volume = got if got is not None else volume
        fade = DEFAULT_FADE_S
        if "fade" in values:
            got = self.duration(values["fade"], lines["fade"][1], f"{where}.fade")
            if got is not None:
                self.floor(got, MUSIC_FADE_FLOOR_S, lines["fade"][1], f"{where}.fade",
                           "the music", "fade")
            fade = got if got is not None else fade
        shuffle, loop = False, True
        if "shuffle" in values:
            got_b = self.boolean(values["shuffle"], lines["shuffle"][1], f"{where}.shuffle")
            shuffle = bool(got_b)
        if "loop" in values:
            got_b = self.boolean(values["loop"], lines["loop"][1], f"{where}.loop")
            loop = True if got_b is None else got_b

        tracks: list[Path] = []
        missing: list[str] = []
        source = ""
        if "playlist" not in values:
            self.missing(line, where, "playlist")
        else:
            key_line, value_line = lines["playlist"]
            source = self.playlist(values["playlist"], f"{where}.playlist", key_line,
                                   value_line, tracks, missing)

        if len(self.errors) > before:
            return None
        return MusicSpec(
            tracks=tuple(tracks),
            volume_pct=volume,
            fade_s=fade,
            source=source,
            shuffle=shuffle,
            loop=loop,
            missing=tuple(missing),
        )

    def playlist(
        self, value: Any, where: str, key_line: int, line: int,
        tracks: list[Path], missing: list[str],
    ) -> str:
        bases = [self.preset_dir, *self.playlist_dirs]
        if isinstance(value, list):
            if not value:
                self.error(line, where, "expected at least one audio file")
                return ""
            for index, entry in enumerate(value):
                item_line = item_line_of(value, index, line)
                item_where = f"{where}[{index}]"
                if not isinstance(entry, str) or not entry.strip():
                    self.error(item_line, item_where,
                               f"expected an audio file path, got {show_value(entry)}")
                    continue
                found = lookup(entry.strip(), bases)
                problem = track_problem(found) if found is not None else None
                if found is None:
                    self.error(item_line, item_where,
                               f"audio file {show_path(entry.strip())} not found"
                               f"{self.looked_in(entry.strip())}")
                elif problem is not None:
                    self.error(item_line, item_where,
                               f"audio file {show_path(entry.strip())}: {problem}")
                else:
                    tracks.append(found)
            return ""  # files listed in the preset have no playlist name
        if not isinstance(value, str) or not value.strip():
            self.error(line, where,
                       f"expected a playlist file name or a list of audio files, "
                       f"got {show_value(value)}")
            return ""
        name = value.strip()
        found = resolve_playlist(name, self.preset_dir, self.playlist_dirs)
        if found is None:
            self.error(line, where, f"playlist {show_path(name)} not found{self.looked_in(name)}")
            return name
        try:
            got, skipped = playlist_tracks(found)
        except (OSError, ValueError) as exc:
            self.error(line, where, f"cannot read playlist {show_path(name)}: "
                       f"{exc.strerror if isinstance(exc, OSError) else exc}")
            return name
        tracks.extend(got)
        missing.extend(s.entry for s in skipped)
        if found.is_dir():
            if not got:
                self.error(line, where, f"folder {show_path(name)} has no audio files")
            return name
        if found.suffix.lower() not in PLAYLIST_SUFFIXES:  # a single audio file
            for s in skipped:
                self.error(line, where, f"audio file {show_path(name)}: {s.reason}")
            return name
        if not got:
            counts = Counter(s.reason for s in skipped)
            detail = (", ".join(f"{n} {reason}" for reason, n in counts.items())
                      if skipped else "it is empty")
            self.error(line, where,
                       f"playlist {show_path(name)} has no playable files ({detail})")
            return name
        for s in skipped:
            if s.reason == MISSING:
                text = f"lists a missing file: {show_path(s.entry)}"
            else:
                text = f"lists {show_path(s.entry)}: {s.reason}"
            self.warn(key_line, where, f"playlist {show_path(name)} {text} (skipped)")
        return name

    def looked_in(self, name: str) -> str:
        local = entry_to_path(name)
        if local is not None and local.is_absolute():
            return ""
        places = ["next to the preset", *(f"in {d}" for d in self.playlist_dirs)]
        return f" (looked {', '.join(places)})"
