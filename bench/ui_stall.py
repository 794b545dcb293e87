"""Largest Qt event-loop stall while the real main window runs a session.

The window comes from :func:`ketaroom.app.build_main_window` (offscreen), in demo mode:
its own Hue emulator, libVLC with the dummy output playing the bundled music. The
shipped 3-minute demo preset runs on an accelerated clock (so phase changes,
crossfades, light commands and cues all happen inside the measurement) while a
"clinician" moves the light and volume sliders and types a note every 40 ms. A 5 ms
``QTimer`` records every gap between its beats; the largest gap minus 5 ms is the
stall. Measured twice: healthy bridge, and a bridge answering every request 2 s late
(``Fault.SLOW``). Target: ≤ 50 ms.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import percentile, qt_app

PRESET = "demo-3min.yaml"
TARGET_MS = 50.0
BEAT_MS = 5


def measure(seconds: float, slow_ms: int, speed: float) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer

    from ketaroom.app import build_main_window
    from ketaroom.core.clock import AcceleratedClock
    from ketaroom.devices.hue_emulator import Fault
    from ketaroom.store.settings import Settings

    app = qt_app()
    gaps: list[float] = []
    records: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ketaroom-bench-") as data:
        window = build_main_window(Settings(default_preset=PRESET, audio="dummy"), Path(data),
                                   demo=True, audio="dummy", clock=AcceleratedClock(speed))
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        window.show()
        assert window.service.emulator is not None
        if slow_ms:
            window.service.emulator.set_fault(Fault.SLOW, slow_ms=slow_ms)
        window.patient_picker.code.setText("PT-BENCH")  # a clinical session has one
        window.session_panel.start_button.click()
        if window.live is None:
            raise RuntimeError("the session did not start (no preset selected?)")
        window.live.controller.add_emitter(lambda r: records.append(str(r.get("event"))))
        elapsed = QElapsedTimer()
        elapsed.start()
        last = [elapsed.nsecsElapsed()]

        def beat() -> None:
            now = elapsed.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6)
            last[0] = now

        heart = QTimer()
        heart.setTimerType(Qt.TimerType.PreciseTimer)
        heart.setInterval(BEAT_MS)
        heart.timeout.connect(beat)
        heart.start()
        step = [0]

        def poke() -> None:  # what a clinician does meanwhile
            step[0] += 1
            window.light_panel.brightness.setValue(10 + (step[0] * 13) % 70)
            window.music_panel.volume.setValue(20 + (step[0] * 7) % 30)
            window.notes_panel.editor.insertPlainText("x")

        hands = QTimer()
        hands.setInterval(40)
        hands.timeout.connect(poke)
        hands.start()

        quit_at = [0]

        def finish() -> None:  # stop measuring first: Qt 6's quit() closes the windows
            heart.stop()
            hands.stop()
            quit_at[0] = elapsed.nsecsElapsed()
            app.quit()

        QTimer.singleShot(int(seconds * 1000), finish)
        app.exec()
        light_puts = sum(1 for r in window.service.emulator.requests() if r[1] == "PUT")
        window.close()  # a no-op when quit() closed it already
        close_ms = (elapsed.nsecsElapsed() - quit_at[0]) / 1e6
    steady = gaps[5:] or gaps  # skip the first beats (timer start-up)
    stalls = [max(0.0, g - BEAT_MS) for g in steady]
    return {
        "max_stall_ms": round(max(stalls), 1),
        "p99_gap_ms": round(percentile(steady, 99), 1),
        "beats": len(steady),
        "seconds": seconds,
        "clock_speed": speed,
        "bridge_slow_ms": slow_ms,
        "session_events": {k: records.count(k) for k in sorted(set(records))},
        "bridge_puts_answered": light_puts,
        "window_close_ms": round(close_ms, 1),
        "targets": {"max_stall_ms": TARGET_MS},
        "ok": max(stalls) <= TARGET_MS,
    }


def run(quick: bool = False) -> dict[str, Any]:
    seconds = 6.0 if quick else 15.0
    speed = 30.0 if quick else 12.0  # the 180 s demo preset ends inside the window
    return {"ui_stall_healthy": measure(seconds, 0, speed),
            "ui_stall_slow_bridge": measure(seconds, 2000, speed)}


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=1))
