"""Small things a new clinic hit on its first night with ketaroom (the tour of issue 15):
blood pressure typed as people write it, text that fits its field, windows that fit the
screen, controls that move by steps one can see and never do nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QWidget

from ketaroom.core.targets import LightTarget
from ketaroom.shipped import MUSIC_DIR
from ketaroom.store.journal import Journal
from ketaroom.ui.light_panel import LightPanel
from ketaroom.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _start(qtbot, window: MainWindow) -> None:
    qtbot.mouseClick(window.session_panel.start_button, Qt.MouseButton.LeftButton)
    assert window.live is not None


def _vitals(window: MainWindow) -> list[dict]:
    live = window.live
    assert live is not None and live.recorder.flush(5.0)
    with Journal(window.service.journal.path) as journal:
        return [e.payload for e in journal.events(live.session_id) if e.kind == "vitals"]


def test_blood_pressure_typed_as_142_slash_90_keeps_the_diastolic(qtbot, make_window) -> None:
    """The slash moves on to Dia (it used to be refused by the field, and the 90 with it:
    "Sys 142" was recorded, the diastolic silently lost)."""
    window = make_window()
    _start(qtbot, window)
    edits = window.notes_panel.vital_edits
    edits["dia"].setText("70")  # whatever was there is replaced by what is typed
    edits["sys"].setFocus()
    for key in "142/90":  # each key to whichever field has the keyboard, as typing does
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, key)
    assert (edits["sys"].text(), edits["dia"].text()) == ("142", "90")
    assert edits["dia"].hasFocus()
    qtbot.keyClick(edits["dia"], Qt.Key.Key_Return)
    [reading] = _vitals(window)
    assert (reading["sys"], reading["dia"]) == (142, 90)


def _fits(widget: QWidget, text: str, chrome_px: int) -> bool:
    """``text`` fits in ``widget`` beside ``chrome_px`` of padding, frame and arrow."""
    return widget.fontMetrics().horizontalAdvance(text) + chrome_px <= widget.width()


def test_the_patient_code_and_course_read_whole(qtbot, make_window) -> None:
    """The code's hint read "Patient code, e.g. PT-…" and a patient's course
    "Induction series: 1 o": both clipped, on a row with room to spare."""
    window = make_window(patient=None)
    picker = window.patient_picker
    window.resize(1280, 720)
    qtbot.wait(20)
    assert _fits(picker.code, picker.code.placeholderText(), 24)
    picker.code.setText("PT-0107")
    picker.resolve()  # created with a course of six planned
    picker.code.setText("pt-0107")  # typed again at the next session
    qtbot.waitUntil(lambda: picker.course.count() == 2)
    window.centralWidget().layout().activate()
    qtbot.wait(20)
    course = picker.course.currentText()
    assert course.startswith("Induction series: 0 of 6 done")
    assert _fits(picker.course, course, 40)


def test_every_spin_box_is_as_tall_as_the_fields_beside_it(qtbot, make_window) -> None:
    """The planned sessions and their spacing (beside 44 px fields) and the follow-up's
    mood were about 26 px tall: every control is at least 44 px (docs/ui.md)."""
    window = make_window(patient=None)
    picker = window.patient_picker
    picker.code.setText("PT-0108")  # a new patient: the course is planned here
    qtbot.waitUntil(picker.planned.isVisible)
    window._on_open_patients()
    patients = window._side_windows["patients"]
    spins = [picker.planned, picker.spacing, *patients.findChildren(QAbstractSpinBox)]
    for spin in spins:
        spin.ensurePolished()
        assert spin.sizeHint().height() >= 44, spin
    assert picker.planned.height() >= 44 and picker.code.height() >= 44


@pytest.mark.parametrize("screen", [(1280, 720), (1366, 768)], ids=["1280x720", "1366x768"])
@pytest.mark.parametrize("kind", ["history", "patients", "presets", "music-library"])
def test_each_clinic_window_fits_a_small_screen(qtbot, make_window, monkeypatch, kind: str,
                                                 screen: tuple[int, int]) -> None:
    """They opened at 1180×760 whatever the screen: on 1280×720 or 1366×768 their bottom
    row (exports, Delete, Preview) was under the screen's edge. (The test screen is
    800×800; the clinic's screen is what its available area says.)"""
    width, height = screen
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _self: QRect(0, 0, width, height))
    window = make_window()
    window.service.gate.set_first_pin("2580")
    {"history": window._on_open_history, "patients": window._on_open_patients,
     "presets": window._on_open_presets,
     "music-library": window._on_open_music_library}[kind]()
    side = window._side_windows[kind]
    assert side.width() <= width and side.height() + 30 <= height  # a title bar above it
    assert side.width() >= 1180 and side.height() >= 600  # no smaller than it needs to be


def test_the_follow_up_names_its_session_whole(qtbot, make_window) -> None:
    """At the Clinic window's width the follow-up's session read "2 of 6 · 2026-11-3"."""
    window = make_window()
    _start(qtbot, window)
    window._on_stop()
    window._on_open_patients()
    patients = window._side_windows["patients"]
    patients.resize(1180, 680)
    patients.patients.selectRow(0)
    qtbot.waitUntil(lambda: patients.fu_session.count() == 1)
    patients.layout().activate()
    qtbot.wait(20)
    session = patients.fu_session
    assert session.currentText().startswith("1 of 6 · ")
    assert _fits(session, session.currentText(), 40)


def test_a_warmth_key_press_warms_the_room_a_step_one_can_see(qtbot) -> None:
    """An arrow key moved the warmth 1 K, shown and sent rounded to 50 K: five presses
    and the room, the value and the record stayed at 2700 K."""
    light = LightPanel(lambda: "Treatment room")
    qtbot.addWidget(light)
    sent: list[LightTarget] = []
    light.light_requested.connect(sent.append)
    light.show_confirmed(LightTarget(30.0, 1.0, kelvin=2700, group="Treatment room"))
    light.show()
    light.warmth.setFocus()
    for _ in range(2):
        qtbot.keyClick(light.warmth, Qt.Key.Key_Left)
    assert light.warmth_value.text() == "2500 K"
    qtbot.waitUntil(lambda: bool(sent) and sent[-1].kelvin == 2500, timeout=2000)


def test_music_library_offers_preview_and_playlist_once_a_track_is_chosen(
        qtbot, make_window) -> None:
    """A new clinic's library is empty: Preview, Add to playlist and Remove were offered
    and did nothing when pressed."""
    window = make_window()
    window.service.gate.set_first_pin("2580")
    window._on_open_music_library()
    view = window._side_windows["music-library"]
    assert not view.preview_button.isEnabled()
    assert not view.add_to_playlist_button.isEnabled()
    assert not view.remove_button.isEnabled()
    view.add_folder(MUSIC_DIR)  # the bundled music
    qtbot.waitUntil(lambda: view.scan_job is None and view.model.rowCount() > 0,
                    timeout=30000)
    assert not view.preview_button.isEnabled()  # nothing chosen yet
    view.table.selectRow(0)
    assert view.preview_button.isEnabled() and view.add_to_playlist_button.isEnabled()
    qtbot.mouseClick(view.add_to_playlist_button, Qt.MouseButton.LeftButton)
    assert not view.remove_button.isEnabled()
    view.playlist.setCurrentRow(0)
    assert view.remove_button.isEnabled()
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    assert view.playlist.count() == 0 and not view.remove_button.isEnabled()


def test_pause_moves_nothing_in_the_session_row(qtbot, make_window) -> None:
    """Pause turning into the wider Resume pushed the preset's name and the buttons aside."""
    window = make_window()
    _start(qtbot, window)
    panel = window.session_panel
    window.layout().activate()
    before = [(w.x(), w.width()) for w in (panel.picker, panel.pause_button, panel.next_button)]
    panel.pause_button.click()  # as Space does: the keyboard focus stays where it was
    assert panel.pause_button.text() == "Resume"
    window.layout().activate()
    qtbot.wait(20)
    after = [(w.x(), w.width()) for w in (panel.picker, panel.pause_button, panel.next_button)]
    assert after == before
