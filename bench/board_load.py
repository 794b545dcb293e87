"""Nurse-station board under load: 20 rooms publishing at once to a real mosquitto.

The parent starts mosquitto on a free loopback port and 20 rooms, each a thread driving
the room's own :class:`~ketaroom.devices.mqtt.BoardPublisher` (the code rehearse and the
window use): every room changes phase every :data:`CHANGE_S` seconds (far more often
than a clinic does, where phases last minutes) on top of its heartbeat.

The board is a child process (so its CPU and memory are its own): the real
:class:`~ketaroom.board.window.BoardWindow` (offscreen) with its MQTT feed. Each message
the window takes is timed against its ``updated_at`` (the moment the room built it, in
ms): that is the room→board latency, through the broker, paho's thread, the parser and
the queued signal into the Qt thread. CPU is the child's CPU time over the wall time of
the measured window (after a warm-up); memory is its peak RSS.

Targets (issue 18): latency p95 ≤ 200 ms, board CPU < 5 % of a core.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import percentile

ROOMS = 20
CHANGE_S = 1.0
WARMUP_S = 3.0
LATENCY_P95_TARGET_MS = 200.0
CPU_TARGET_PCT = 5.0
ROOT = Path(__file__).resolve().parent.parent


def board_side(port: int, seconds: float) -> dict[str, Any]:
    """The child: run the board window for ``seconds`` after a warm-up; its figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from bench.common import qt_app
    from ketaroom.board.chime import Chime
    from ketaroom.board.feed import BoardFeed
    from ketaroom.board.window import BoardWindow
    from ketaroom.core.board import BrokerAddress

    app = qt_app()
    window = BoardWindow(BoardFeed(BrokerAddress("127.0.0.1", port)), Chime("none"))
    window.resize(1600, 1000)
    window.show()
    latencies: list[float] = []
    measuring = threading.Event()
    take = window.take

    def timed_take(messages: list[Any]) -> None:
        take(messages)
        now = time.time()
        if measuring.is_set():
            latencies.extend((now - m.updated_at.timestamp()) * 1000.0
                             for m, _received, retained in messages
                             if m.updated_at is not None and not retained)

    window.take = timed_take  # type: ignore[method-assign]
    marks: dict[str, float] = {}

    def begin() -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        marks["cpu"], marks["wall"] = usage.ru_utime + usage.ru_stime, time.monotonic()
        measuring.set()

    QTimer.singleShot(int(WARMUP_S * 1000), begin)
    QTimer.singleShot(int((WARMUP_S + seconds) * 1000), app.quit)
    app.exec()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_pct = 100.0 * (usage.ru_utime + usage.ru_stime - marks["cpu"]) / (
        time.monotonic() - marks["wall"])
    result = {"messages": len(latencies), "rooms_shown": len(window.tiles),
              "latency_p50_ms": round(percentile(latencies, 50), 1),
              "latency_p95_ms": round(percentile(latencies, 95), 1),
              "latency_max_ms": round(max(latencies, default=float("nan")), 1),
              "cpu_pct_one_core": round(cpu_pct, 2),
              "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1)}
    window.close()
    return result


def _room(address: Any, index: int, stop: threading.Event) -> None:
    from ketaroom.core.board import RoomSnapshot
    from ketaroom.devices.mqtt import BoardPublisher

    name = f"Room {index + 1:02d}"
    publisher = BoardPublisher(address, name)
    publisher.start()
    phase, changed = 0, time.monotonic()
    while not stop.wait(0.1):
        if time.monotonic() - changed >= CHANGE_S:
            phase, changed = phase + 1, time.monotonic()
        publisher.offer(RoomSnapshot(name, "running", preset="bench", patient=f"PT-{index:04d}",
                                     phase=f"Phase {phase}", phase_index=phase,
                                     phase_remaining_s=60.0, session_elapsed_s=phase * 60.0,
                                     cues_due=("Check blood pressure",) if phase % 3 else (),
                                     lights="ok", music="ok"))
    publisher.close()


def run(quick: bool) -> dict[str, Any]:
    from ketaroom.core.board import BrokerAddress
    from tests.helpers.mosquitto import Mosquitto

    seconds = 10.0 if quick else 60.0
    with tempfile.TemporaryDirectory(prefix="ketaroom-board-bench-") as folder:
        broker = Mosquitto(Path(folder))
        broker.start()
        stop = threading.Event()
        address = BrokerAddress("127.0.0.1", broker.port)
        rooms = [threading.Thread(target=_room, args=(address, i, stop), daemon=True)
                 for i in range(ROOMS)]
        try:
            for thread in rooms:
                thread.start()
            child = subprocess.run(
                [sys.executable, "-m", "bench.board_load", str(broker.port), str(seconds)],
                cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=True)
        finally:
            stop.set()
            for thread in rooms:
                thread.join(10)
            broker.stop()
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    targets = {"latency_p95_ms": LATENCY_P95_TARGET_MS, "cpu_pct_one_core": CPU_TARGET_PCT}
    ok = (figures["latency_p95_ms"] <= LATENCY_P95_TARGET_MS
          and figures["cpu_pct_one_core"] < CPU_TARGET_PCT and figures["rooms_shown"] == ROOMS)
    return {"board_load": {**figures, "rooms": ROOMS, "change_every_s": CHANGE_S,
                           "seconds": seconds, "targets": targets, "ok": ok}}


if __name__ == "__main__":
    print(json.dumps(board_side(int(sys.argv[1]), float(sys.argv[2]))))
