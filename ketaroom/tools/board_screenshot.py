"""A screenshot of the nurse-station board: one room in an emergency, one offline, two
running (one with cues waiting).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m ketaroom.tools.board_screenshot \\
        docs/screenshots/board.png

The rooms' messages go through the same path as on the wire (built by
:func:`~ketaroom.core.board.build_payload`, encoded, read back by
:func:`~ketaroom.core.board.parse_payload`) into the real window, rendered with ``grab()``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

SIZE = (1600, 900)


def render(path: Path) -> Path:
    from PySide6.QtWidgets import QApplication

    from ketaroom.board.chime import Chime
    from ketaroom.board.window import BoardWindow
    from ketaroom.core.board import (
        RoomMessage,
        RoomSnapshot,
        build_payload,
        encode,
        parse_payload,
        state_topic,
    )
    from ketaroom.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    now = time.time()

    def message(snapshot: RoomSnapshot, age_s: float = 1.0
                ) -> tuple[RoomMessage, float, bool]:
        sent = datetime.now(timezone.utc) - timedelta(seconds=age_s)
        parsed = parse_payload(state_topic(snapshot.room), encode(build_payload(snapshot, sent)))
        assert parsed is not None
        return parsed, now - age_s, False

    window = BoardWindow(None, Chime("none"))
    window.take([
        message(RoomSnapshot("Room 1", "running", preset="IV infusion 40", patient="PT-0042",
                             phase="Infusion", phase_index=1, phase_remaining_s=1092,
                             session_elapsed_s=708, lights="ok", music="ok")),
        message(RoomSnapshot("Room 2", "emergency", preset="IM ketamine", patient="PT-0107",
                             phase="Peak", phase_index=2, phase_remaining_s=610,
                             session_elapsed_s=1320, cues_due=("Check blood pressure",),
                             lights="ok", music="ok")),
        message(RoomSnapshot("Room 3", "running", preset="KAP lozenge", patient="PT-0063",
                             phase="Return", phase_index=3, phase_remaining_s=95,
                             session_elapsed_s=2900,
                             cues_due=("Vitals: BP, HR, SpO2", "Offer water"),
                             lights="degraded", music="ok")),
        message(RoomSnapshot("Room 4", "offline"), age_s=14 * 60),
    ])
    window.resize(*SIZE)
    window.show()
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(path))
    window.close()
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots/board.png"))
    print(render(parser.parse_args(argv).out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
