"""Short previews of a preset's music and light on the treatment room's own devices.

Owns :class:`RoomPreview`, the one way the preset editor reaches the room. It imports no
Qt: the main window builds it from two callables (the room *now* — the services replace
it between sessions — and whether a session runs) and the editor calls plain methods.

Safety: a preview never touches the room while a session runs (the patient is in the
room). Every method asks :meth:`RoomPreview.available` first and does nothing when it
says no; a session that starts during a preview takes the room over with its own music
(the first phase always sets music, silence included), and the preview forgets what it
played so that its later ``stop`` cannot fade the session's music out.

Also here, Qt-free so they can be tested alone: :func:`first_track` (the track a music
preview plays, found like the validator finds playlists) and :func:`light_from_section`
(a phase's ``light:`` mapping as a :class:`LightTarget` for the live light preview).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ketaroom.core.limits import is_brightness, is_colour, is_kelvin
from ketaroom.core.playlists import playlist_tracks, resolve_playlist
from ketaroom.core.targets import LightTarget, MusicTarget, light_group_for
from ketaroom.session.devices import RoomDevices

__all__ = [
    "LIGHT_TRANSITION_S",
    "MAX_PREVIEW_VOLUME_PCT",
    "PREVIEW_S",
    "RoomPreview",
    "first_track",
    "light_from_section",
]

PREVIEW_S = 20.0
"""A music preview fades out by itself after this long."""
MAX_PREVIEW_VOLUME_PCT = 40.0
"""Previews never play louder than this (the room's own cap applies too)."""
FADE_IN_S = 3.0
FADE_OUT_S = 2.0
LIGHT_TRANSITION_S = 2.0
"""Previewed light changes glide over this, whatever the phase's transition says."""
PREVIEW_LABEL = "preview"
SESSION_RUNNING = "a session is running: previews wait until it ends"
ROOM_CLOSED = "the room's devices are closed"


def first_track(playlist: Any, preset_dir: Path, playlist_dirs: Sequence[Path]) -> Path | None:
    """The first playable file of a phase's ``music.playlist`` value, or ``None``.

    Accepts what the validator accepts: a playlist name (``.m3u``/``.m3u8``), a folder,
    a single audio file, or a list of audio files; looked up next to the preset, then in
    ``playlist_dirs``. Unreadable or empty playlists give ``None``.
    """
    entries = playlist if isinstance(playlist, list) else [playlist]
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            continue
        found = resolve_playlist(entry.strip(), preset_dir, playlist_dirs)
        if found is None:
            continue
        try:
            tracks = playlist_tracks(found)[0]
        except OSError:
            continue
        if tracks:
            return tracks[0]
    return None


def light_from_section(light: Any, group: str | None = None) -> LightTarget | None:
    """A phase's ``light:`` mapping as a preview target; ``None`` while it is not valid.

    Valid means what the validator accepts, checked against the same limits
    (:mod:`ketaroom.core.limits`): a half-typed colour, an out-of-range value or both
    ``kelvin`` and ``color`` send nothing (the editor flags it).
    ``group`` is the preset's ``light_group``: :meth:`RoomPreview.light` sends it to the
    room's own group when the room has one (rooms own hardware, presets do not).
    """
    if not isinstance(light, Mapping) or not is_brightness(light.get("brightness")):
        return None
    kelvin, color = light.get("kelvin"), light.get("color")
    if "kelvin" in light and ("color" in light or not is_kelvin(kelvin)):
        return None
    if "color" in light and not is_colour(color):
        return None
    return LightTarget(float(light["brightness"]), LIGHT_TRANSITION_S,
                       kelvin=int(kelvin) if "kelvin" in light else None,
                       color=color.strip().lower() if isinstance(color, str) else None,
                       group=group)


class RoomPreview:
    """Preview music and light on the room — only while no session runs.

    ``room`` returns the room's current :class:`RoomDevices` (``None`` once it is closed);
    ``running`` tells whether a session runs; ``room_light`` (optional) is the light the
    main window last knew for the room, which :meth:`restore_light` brings back;
    ``room_group`` (optional) is the room's light group, which wins over a target's.
    """

    def __init__(self, room: Callable[[], RoomDevices | None], running: Callable[[], bool], *,
                 room_light: Callable[[], LightTarget | None] | None = None,
                 room_group: Callable[[], str | None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._room = room
        self._running = running
        self._room_light = room_light
        self._room_group = room_group
        self._clock = clock
        self._music_room: RoomDevices | None = None
        self._music_track: Path | None = None
        self._music_until = 0.0
        self._light_room: RoomDevices | None = None

    # -- state

    def available(self) -> tuple[bool, str]:
        """``(True, "")`` when previews may use the room, else ``(False, reason)``.

        When a session runs, whatever the preview played is forgotten: the session owns
        the room and the preview must not fade or restore anything of it later.
        """
        if self._running():
            self._forget()
            return False, SESSION_RUNNING
        if self._room() is None:
            self._forget()
            return False, ROOM_CLOSED
        return True, ""

    def _forget(self) -> None:
        self._music_room = self._light_room = None
        self._music_track = None

    def _usable_room(self) -> RoomDevices | None:
        ok, _reason = self.available()
        return self._room() if ok else None

    @property
    def music_track(self) -> Path | None:
        """The track a music preview is playing (``None`` when none is)."""
        return self._music_track

    def music_left_s(self) -> float:
        """Seconds until the music preview ends by itself (0 when none plays)."""
        if self._music_track is None:
            return 0.0
        return max(0.0, self._music_until - self._clock())

    @property
    def light_changed(self) -> bool:
        """Whether a previewed light is still showing in the room (no restore since)."""
        return self._light_room is not None and self._light_room is self._room()

    # -- music

    def music(self, tracks: tuple[Path, ...], volume_pct: float) -> bool:
        """Fade in ``tracks`` at ``volume_pct`` (capped at 40 %) for :data:`PREVIEW_S`.

        Returns whether the room was asked to play.
        """
        room = self._usable_room()
        if room is None or not tracks:
            return False
        volume = max(0.0, min(float(volume_pct), MAX_PREVIEW_VOLUME_PCT))
        room.player.apply(MusicTarget(tuple(tracks), volume, FADE_IN_S, loop=False,
                                      label=PREVIEW_LABEL))
        self._music_room, self._music_track = room, tracks[0]
        self._music_until = self._clock() + PREVIEW_S
        return True

    def stop_music(self) -> None:
        """Fade the music preview out (nothing when none plays or a session runs)."""
        room = self._usable_room()
        if room is not None and self._music_room is room:
            room.player.apply(MusicTarget((), 0.0, FADE_OUT_S, label=PREVIEW_LABEL))
        self._music_room, self._music_track = None, None

    # -- light

    def light(self, target: LightTarget) -> bool:
        """Send ``target`` to the room's lights; returns whether it was sent."""
        room = self._usable_room()
        if room is None:
            return False
        room.lights.apply(replace(target,
                                  group=light_group_for(self._room_group(), target.group)))
        self._light_room = room
        return True

    def restore_light(self) -> bool:
        """Bring back the room light the main window knows, if a preview changed it."""
        room = self._usable_room()
        known = self._room_light() if self._room_light is not None else None
        if room is None or known is None or self._light_room is not room:
            return False
        room.lights.apply(known)
        self._light_room = None
        return True

    def stop(self) -> None:
        """End every preview: music fades out; the light stays until :meth:`restore_light`."""
        self.stop_music()
