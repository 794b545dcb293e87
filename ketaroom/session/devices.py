"""The treatment room's devices — music player and lights — behind one façade.

Named *devices* (:class:`RoomDevices`) because "room" also means a room profile in the
settings and the room's name: this is only the hardware of the room this PC is in.
Everything above it (the controller, the session service, rehearse) commands the music and
the lights through these methods, never through the player or the lights directly.

Devices report from their own threads; the façade hands every report to ``post`` so
its listeners run on the owner thread (Qt main thread or rehearse's loop), already
translated into a device-neutral :class:`RoomReport`. :class:`RoomReport` and
:class:`MusicState` live in :mod:`ketaroom.session.room_state` (light to import) and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketaroom.core.targets import LightTarget, MusicTarget
from ketaroom.devices.lights import HueLights, LightReport, Lights, NullLights
from ketaroom.devices.music import (
    LoudnessSource,
    MusicReport,
    MusicStatus,
    Player,
    create_player,
)
from ketaroom.session.room_state import MusicState, RoomReport
from ketaroom.session.runner import Post
from ketaroom.store.record_schema import MusicPlan, light_fields, music_report_fields
from ketaroom.store.settings import BridgeSettings

__all__ = ["MusicState", "RoomDevices", "RoomReport", "light_payload", "music_payload"]


def _music_report(report: MusicReport) -> RoomReport:
    data = music_report_fields(report.volume_pct, report.fade_s, report.track)
    return RoomReport("music", report.kind, report.message, data, problem=report.problem)


def _light_report(report: LightReport) -> RoomReport:
    data: dict[str, Any] = {"health": report.health.value}
    if report.emergency:
        data["emergency"] = True
    if report.target is not None:
        data.update(light_payload(report.target))
    return RoomReport("lights", report.kind, report.message, data, light=report.target,
                      health=report.health)


def light_payload(target: LightTarget) -> dict[str, Any]:
    """The record's fields of a light state (see :mod:`ketaroom.store.record_schema`)."""
    return light_fields(target)


def music_payload(target: MusicTarget) -> dict[str, Any]:
    """The record's fields of the music wanted (see :mod:`ketaroom.store.record_schema`)."""
    return MusicPlan.from_target(target).to_payload()


class RoomDevices:
    """Owns the player and the lights of one room; all methods return at once.

    :attr:`volume_pct` is the music volume wanted now — the last phase's, or the
    clinician's since — the one value a playlist switch keeps.
    """

    def __init__(self, post: Post, *, audio: str = "default", bridge: BridgeSettings | None = None,
                 time_scale: float = 1.0, max_volume_pct: float = 100.0,
                 lights_config_dir: Path | None = None, output_device: str | None = None,
                 loudness: LoudnessSource | None = None) -> None:
        """``loudness``: track gains for loudness-normalised music (the owner keeps and
        closes it; ``None`` plays tracks as they are)."""
        self._post = post
        self._listeners: list[Callable[[RoomReport], None]] = []
        self.volume_pct = 0.0
        self.player: Player = create_player(
            audio, on_report=lambda r: self._deliver(_music_report(r)), time_scale=time_scale,
            output_device=output_device, loudness=loudness)
        self.player.set_max_volume(max_volume_pct)
        self.lights: Lights
        if bridge is None:
            self.lights = NullLights(on_report=lambda r: self._deliver(_light_report(r)))
        else:
            self.lights = HueLights(
                bridge.address, bridge.username, bridge.group, time_scale=time_scale,
                on_report=lambda r: self._deliver(_light_report(r)),
                config_dir=lights_config_dir)

    def on_report(self, listener: Callable[[RoomReport], None]) -> None:
        self._listeners.append(listener)

    def _deliver(self, report: RoomReport) -> None:
        """Called on a device thread: hop to the owner thread."""
        self._post(lambda: self._dispatch(report))

    def _dispatch(self, report: RoomReport) -> None:
        for listener in self._listeners:
            listener(report)

    def apply(self, music: MusicTarget | None, light: LightTarget | None) -> None:
        """Crossfade to ``music`` (its volume becomes the wanted one) and send ``light``."""
        if music is not None:
            self.volume_pct = music.volume_pct
            self.player.apply(music)
        if light is not None:
            self.lights.apply(light)

    def switch_music(self, tracks: tuple[Path, ...], fade_s: float, label: str) -> MusicTarget:
        """Crossfade to ``tracks`` at the volume wanted now; returns what was asked."""
        target = MusicTarget(tracks, self.volume_pct, fade_s, label=label)
        self.player.apply(target)
        return target

    def set_volume(self, pct: float) -> None:
        self.volume_pct = pct
        self.player.set_volume(pct)

    def set_max_volume(self, pct: float) -> None:
        self.player.set_max_volume(pct)

    def set_muted(self, muted: bool) -> None:
        self.player.set_muted(muted)

    def skip_track(self) -> None:
        self.player.skip()

    def refresh_gains(self) -> None:
        """The loudness target changed: the music playing glides to its new gain."""
        self.player.refresh_gains()

    def set_light(self, target: LightTarget) -> None:
        self.lights.apply(target)

    def use_light_group(self, group: str | None) -> None:
        """The group the room's lights are now (the room's, else the session's or chosen
        preset's fallback; ``None``: every light): the emergency light, the watch for lights
        lost or back, and re-sends go to it alone."""
        self.lights.use_group(group)

    def music_state(self) -> MusicState:
        status: MusicStatus = self.player.status()
        return MusicState(status.track, status.target_pct, status.muted, status.playlist_label)

    def emergency(self) -> None:
        """Lights up warm (the room's light group: :meth:`use_light_group`) and music off,
        both at once."""
        self.lights.emergency_up()
        self.player.emergency_off()

    def flush(self, timeout_s: float) -> bool:
        """Wait (bounded) until the latest music and light states were sent or failed."""
        music_ok = self.player.flush(timeout_s)
        lights_ok = self.lights.flush(timeout_s)
        return music_ok and lights_ok

    def close(self) -> None:
        self.player.close()
        self.lights.close()
