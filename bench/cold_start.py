"""Cold start to interactive window: a fresh interpreter, until the event loop is idle.

The child process imports ketaroom's GUI, builds the real main window through
:func:`ketaroom.app.build_main_window` (demo mode: it starts its emulator, libVLC with
the dummy output, opens the journal), shows it offscreen, and prints the wall time
when the event loop has first run out of work (a zero-timeout ``QTimer`` fires only
then). The parent measures from just before it launched the child. Best and median
of several runs (the first may include a cold disk cache). Target: < 1.5 s.

Side by side, the same measurement of a bare PySide6 window (a ``QMainWindow`` with
one label, ``--bare``), runs interleaved with ketaroom's so both see the same machine
load; ``ratio`` is ketaroom's median over the bare window's (issue 14: goal ≤ 2).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_S = 1.5
TARGET_RATIO = 2.0
PRESET = "demo-3min.yaml"


def _bare_child() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("bare"))
    window.show()

    def idle() -> None:
        print(json.dumps({"interactive_at": time.time(), "visible": window.isVisible()}),
              flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(0, idle)
    app.exec()
    return 0


def _child() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ketaroom.app import build_main_window
    from ketaroom.store.settings import Settings
    from ketaroom.ui.theme import apply_theme

    app = QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="ketaroom-bench-") as data:
        window = build_main_window(Settings(default_preset=PRESET, audio="dummy"), Path(data),
                                   demo=True)
        window.show()

        def idle() -> None:
            print(json.dumps({"interactive_at": time.time(),
                              "visible": window.isVisible()}), flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, idle)
        app.exec()
    return 0


def once(*, bare: bool = False) -> tuple[float, bool]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    launched = time.time()
    mode = "--bare" if bare else "--child"
    out = subprocess.run([sys.executable, "-W", "ignore", "-m", "bench.cold_start", mode],
                         capture_output=True, text=True, check=True, env=env, cwd=root,
                         timeout=60)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("{"))
    data = json.loads(line)
    return float(data["interactive_at"]) - launched, bool(data["visible"])


def run(quick: bool = False) -> dict[str, Any]:
    runs: list[tuple[float, bool]] = []
    bare: list[float] = []
    for _ in range(3 if quick else 7):  # interleaved: both see the same load
        runs.append(once())
        bare.append(once(bare=True)[0])
    times = [t for t, _ in runs]
    median, bare_median = statistics.median(times), statistics.median(bare)
    ratio = median / bare_median
    return {"cold_start": {
        "best_s": round(min(times), 3),
        "median_s": round(median, 3),
        "worst_s": round(max(times), 3),
        "bare_median_s": round(bare_median, 3),
        "ratio": round(ratio, 2),
        "runs": len(times),
        "window_visible": all(v for _, v in runs),
        "targets": {"median_s": TARGET_S, "ratio": TARGET_RATIO},
        "ok": median < TARGET_S and ratio <= TARGET_RATIO,
    }}


if __name__ == "__main__":
    if "--child" in sys.argv:
        raise SystemExit(_child())
    if "--bare" in sys.argv:
        raise SystemExit(_bare_child())
    print(json.dumps(run(quick=True), indent=1))
