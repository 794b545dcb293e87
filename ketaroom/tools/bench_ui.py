"""Bench the clinician window: cold start, and event-loop stalls with a slow bridge.

Run (offscreen or under Xvfb)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m ketaroom.tools.bench_ui

1. *Cold start*: a fresh interpreter is launched; the time from launch until the main
   window has been shown and the event loop has run once (targets: < 1.5 s).
2. *Largest stall*: the real window runs the shipped demo preset 20× faster (phase
   changes, crossfades, light commands, cues) against the demo bridge emulator made
   2 s slow per answer, while sliders are dragged and notes typed; a 5 ms QTimer
   measures the longest gap the event loop ever had (target: < 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

PRESET = "demo-3min.yaml"
STALL_TARGET_MS = 50.0
COLD_TARGET_S = 1.5


def _cold_child() -> int:
    """Child process: build and show the window, print when the loop has turned once."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ketaroom.app import build_main_window
    from ketaroom.settings import Settings
    from ketaroom.ui.theme import apply_theme

    app = QApplication(sys.argv[:1])
    apply_theme(app)
    with tempfile.TemporaryDirectory(prefix="ketaroom-bench-") as data:
        window = build_main_window(Settings(default_preset=PRESET, audio="dummy"), Path(data),
                                   demo=True)
        window.show()

        def done() -> None:
            print(json.dumps({"interactive_at": time.time()}), flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, done)
        app.exec()
    return 0


def cold_start_s() -> float:
    launched = time.time()
    out = subprocess.run([sys.executable, "-m", "ketaroom.tools.bench_ui", "--cold-child"],
                         capture_output=True, text=True, check=True, env=dict(os.environ))
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("{"))
    return float(json.loads(line)["interactive_at"]) - launched


def largest_stall_ms(seconds: float) -> tuple[float, int]:
    """Run a session with a 2 s-slow bridge; return (largest loop gap in ms, samples)."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from ketaroom.app import build_main_window
    from ketaroom.core.clock import AcceleratedClock
    from ketaroom.devices.hue_emulator import Fault
    from ketaroom.settings import Settings
    from ketaroom.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    gaps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="ketaroom-bench-") as data:
        window = build_main_window(Settings(default_preset=PRESET), Path(data), demo=True,
                                   audio="dummy", clock=AcceleratedClock(20.0))
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        window.show()
        assert window.emulator is not None
        window.emulator.set_fault(Fault.SLOW, slow_ms=2000)
        window.session_panel.start_button.click()
        elapsed = QElapsedTimer()
        elapsed.start()
        last = [elapsed.nsecsElapsed()]

        def beat() -> None:
            now = elapsed.nsecsElapsed()
            gaps.append((now - last[0]) / 1e6)
            if gaps[-1] > STALL_TARGET_MS:
                print(f"stall {gaps[-1]:.0f} ms at {now / 1e9:.2f} s", file=sys.stderr)
            last[0] = now

        heart = QTimer()
        heart.setInterval(5)
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
        def finish() -> None:
            heart.stop()  # closing (a 2 s-slow bridge delays shutdown) is not a stall
            hands.stop()
            app.quit()

        QTimer.singleShot(int(seconds * 1000), finish)
        app.exec()
        window.close()
    steady = gaps[5:] or gaps  # skip the first beats (timer start-up)
    return max(steady) - 5.0, len(steady)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_child:
        return _cold_child()
    cold = min(cold_start_s() for _ in range(3))
    stall, samples = largest_stall_ms(args.seconds)
    print(f"cold start to interactive window: {cold:.2f} s (target < {COLD_TARGET_S} s)")
    print(f"largest event-loop stall with a 2 s-slow bridge: {stall:.1f} ms over "
          f"{samples} beats (target < {STALL_TARGET_MS:.0f} ms)")
    return 0 if cold < COLD_TARGET_S and stall < STALL_TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
