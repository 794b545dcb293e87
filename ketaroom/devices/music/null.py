"""NullPlayer: plays nothing, reports what it would play (``--audio none``, no libVLC)."""

from __future__ import annotations

import time
from pathlib import Path

from ketaroom.core.targets import MusicTarget
from ketaroom.devices.music.api import MusicReport, MusicStatus, ReportKind, ReportSink


class NullPlayer:
    """Keeps the asked state so the UI and journal behave; never makes a sound."""

    def __init__(self, on_report: ReportSink | None = None) -> None:
        self._on_report = on_report
        self._target: MusicTarget | None = None
        self._volume = 0.0
        self._max = 100.0
        self._muted = False

    def _report(self, kind: ReportKind, message: str, track: Path | None = None,
                fade_s: float = 0.0) -> None:
        if self._on_report is not None:
            self._on_report(MusicReport(kind, message, track, min(self._volume, self._max),
                                        fade_s, time.time()))

    def apply(self, target: MusicTarget) -> None:
        self._target = target
        self._volume = 0.0 if target.silent else target.volume_pct
        if target.silent:
            self._report("state", "silence (no audio output)", None, target.fade_s)
        else:
            first = target.tracks[0]
            self._report("music", f"{target.label}: would play {first.name} "
                         "(no audio output)".strip(": "), first, target.fade_s)

    def set_volume(self, pct: float) -> None:
        self._volume = max(0.0, min(100.0, pct))

    def set_max_volume(self, pct: float) -> None:
        self._max = max(0.0, min(100.0, pct))

    def set_muted(self, muted: bool) -> None:
        self._muted = muted

    def skip(self) -> None:
        pass

    def refresh_gains(self) -> None:
        pass

    def emergency_off(self) -> None:
        self._target = None
        self._volume = 0.0
        self._report("state", "emergency off (no audio output)")

    def status(self) -> MusicStatus:
        t = self._target
        track = t.tracks[0] if t is not None and not t.silent else None
        vol = min(self._volume, self._max)
        return MusicStatus(track, vol, vol, self._muted, t.label if t else "", None, None)

    def flush(self, timeout_s: float) -> bool:
        return True

    def close(self) -> None:
        pass
