"""Screenshots of the real clinician window, for the docs and for judging the look.

Run under Xvfb (a real X display, the xcb platform plugin)::

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m ketaroom.tools.screenshots \\
        docs/screenshots

Builds the real window in demo mode (built-in bridge emulator, bundled music through
libVLC's silent ``adummy`` output) on a throw-away data directory, drives a session
of the shipped *IV infusion 40 min* preset on a manual clock, and saves at 1280×720:
``idle.png``, ``cue-due.png``, ``mid-session.png``, ``phase-change.png`` (after Next),
``emergency.png`` and ``emergency-resumed.png`` (Lights up / music off, then Resume),
``new-session.png`` (stopped, and the next session started), ``bridge-down.png`` and
``room-check.png`` (a light switched off at the wall: the status bar's room-check line, with
its details — after *Play test sound* — drawn over the window's lower right).
Every shot waits until the light panel shows what the bridge confirmed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PRESET = "iv-infusion-40.yaml"
PATIENT = "PT-0042"
SIZE = (1280, 720)


def _pump(app: object, seconds: float, until: Callable[[], bool] | None = None) -> None:
    """Run the event loop for ``seconds`` (or until ``until()`` is true)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()  # type: ignore[attr-defined]
        if until is not None and until():
            return
        time.sleep(0.02)


def take(out_dir: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from ketaroom.app import build_main_window
    from ketaroom.core.clock import ManualClock
    from ketaroom.devices.hue_emulator import Fault
    from ketaroom.store.settings import Settings
    from ketaroom.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)  # type: ignore[arg-type]
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(10_000.0)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ketaroom-shots-") as data:
        window = build_main_window(Settings(default_preset=PRESET), Path(data), demo=True,
                                   audio="dummy", clock=clock)
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        window.resize(*SIZE)
        window.show()
        _pump(app, 1.5, lambda: "connected" in window.light_panel.health.text())

        def shot(name: str) -> None:
            window.repaint()
            _pump(app, 0.3)
            path = out_dir / f"{name}.png"
            window.grab().save(str(path))
            saved.append(path)

        shot("idle")
        _room_check_shot(app, window, out_dir, saved)
        window.patient_picker.code.setText(PATIENT)  # a clinical session needs its patient
        window.session_panel.start_button.click()
        _pump(app, 1.0)
        clock.advance(2 * 60 + 20)  # the baseline-vitals cue is due
        _pump(app, 1.5)
        shot("cue-due")

        live = window.live
        assert live is not None
        notes = window.notes_panel
        for key, value in (("sys", "128"), ("dia", "82"), ("hr", "74"), ("spo2", "98")):
            notes.vital_edits[key].setText(value)
        notes.record_vitals.click()
        for ticket in list(window.cue_panel.waiting):
            window.cue_panel.acknowledged.emit(ticket)
        clock.advance(15 * 60 + 10 * 60 + 40 - 2 * 60 - 20)  # Infusion, minute 10:40
        _pump(app, 1.0)
        notes.editor.setPlainText("Infusion running, patient eyes closed, relaxed")
        notes.tag_buttons["dissociation"].setChecked(True)
        _pump(app, 1.3)
        notes.vital_edits["sys"].setText("146")
        notes.vital_edits["dia"].setText("92")
        notes.vital_edits["hr"].setText("81")
        notes.record_vitals.click()
        _pump(app, 2.0)
        shot("mid-session")

        def light_shown(brightness: int) -> Callable[[], bool]:
            return lambda: window.light_panel.brightness_value.text() == f"{brightness} %"

        panel = window.session_panel
        panel.next_button.click()
        panel.confirm.yes.click()  # Infusion → Recovery (12 %, 2200 K)
        _pump(app, 4.0, light_shown(12))
        _pump(app, 1.0)
        shot("phase-change")
        window.emergency_button.click()
        _pump(app, 4.0, light_shown(80))
        _pump(app, 1.5)
        shot("emergency")
        panel.pause_button.click()  # Resume: Recovery's light and music again
        _pump(app, 4.0, light_shown(12))
        _pump(app, 1.5)
        shot("emergency-resumed")
        window.light_panel.scene_buttons["Reading"].click()  # the room ends at 60 %
        _pump(app, 4.0, light_shown(60))
        panel.stop_button.click()
        panel.confirm.yes.click()
        _pump(app, 1.0)
        window.patient_picker.code.setText(PATIENT)
        panel.start_button.click()  # Arrival again: 45 %, 2700 K
        _pump(app, 4.0, light_shown(45))
        _pump(app, 1.5)
        shot("new-session")

        assert window.service.emulator is not None
        window.service.emulator.set_fault(Fault.DOWN)
        window.light_panel.scene_buttons["Dim warm"].click()
        _pump(app, 6.0, lambda: window.banner.isVisible())
        _pump(app, 0.5)
        shot("bridge-down")
        window.close()
    return saved


def _room_check_shot(app: object, window: object, out_dir: Path, saved: list[Path]) -> None:
    """Light 2 off at the wall; the window with the check's line and details dialog, once
    the test sound played."""
    from PySide6.QtGui import QColor, QPainter

    from ketaroom.ui.main_window import MainWindow

    assert isinstance(window, MainWindow) and window.service.emulator is not None
    window.service.emulator.power_cut(2)
    window.check_room()
    _pump(app, 5.0, lambda: "unreachable" in window.room_check_line.text())
    dialog = window.room_check.show_details()
    dialog.test_sound_button.click()
    _pump(app, 15.0, lambda: dialog.note.text().startswith("Test sound played"))
    _pump(app, 0.5)
    image = window.grab()
    details = dialog.grab()
    x, y = image.width() - details.width() - 24, image.height() - details.height() - 48
    painter = QPainter(image)
    painter.drawPixmap(x, y, details)
    painter.setPen(QColor("#8a7a66"))
    painter.drawRect(x - 1, y - 1, details.width() + 1, details.height() + 1)
    painter.end()
    path = out_dir / "room-check.png"
    image.save(str(path))
    saved.append(path)
    dialog.close()
    window.service.emulator.power_restore(2)
    window.check_room()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    for path in take(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
