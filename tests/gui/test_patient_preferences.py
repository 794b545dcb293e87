"""The patient's preferences in the window: edited in Clinic → Patients (saved off the main
thread), honoured by the next session, said calmly in the music panel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractSlider, QWidget

from ketaroom.core.preferences import PatientPreferences
from ketaroom.shipped import MUSIC_DIR
from ketaroom.store.record_schema import RecordKind
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.patient_view import PatientView
from tests.gui.test_patient_course import click, start_for

pytestmark = pytest.mark.gui


def open_patients(window: MainWindow, code: str) -> PatientView:
    window._on_open_patients()
    view = window._side_windows["patients"]
    assert isinstance(view, PatientView)
    assert view.select_patient(code)
    return view


def screenshot(widget: QWidget, name: str) -> None:
    """Save ``widget`` as ``name`` under ``KETAROOM_SCREENSHOT_DIR`` when it is set."""
    folder = os.environ.get("KETAROOM_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / name))


def test_preferences_are_edited_saved_and_read_back(qtbot, make_window) -> None:
    window = make_window(patient=None)
    store = window.service.patients
    store.add_patient("PT-0042")
    store.add_patient("PT-0043")
    view = open_patients(window, "PT-0042")
    form = view.preferences
    assert form.volume.text() == "As the preset" and form.entries() == []
    # the names offered come from the playlists the clinic can play, read off the main thread
    qtbot.waitUntil(lambda: "demo.m3u" in form._names.stringList(), timeout=5000)
    assert "arrival_shore.ogg" in form._names.stringList()

    form.volume.setValue(35)
    form.warmer.setValue(300)
    form.dimmer.setValue(10)
    qtbot.keyClicks(form.entry, "arrival_shore.ogg")
    click(qtbot, form.add_button)
    qtbot.keyClicks(form.entry, "Deep.m3u")
    form.entry.returnPressed.emit()
    qtbot.keyClicks(form.entry, "ARRIVAL_SHORE.ogg")  # already there, case aside
    click(qtbot, form.add_button)
    assert form.entries() == ["arrival_shore.ogg", "Deep.m3u"]
    form.never.setCurrentRow(1)
    click(qtbot, form.remove_button)
    qtbot.keyClicks(form.entry, "deep.m3u")  # typed, not added: Save takes it too
    click(qtbot, form.save_button)
    expected = PatientPreferences(35.0, ("arrival_shore.ogg", "deep.m3u"), 300, 10.0)
    qtbot.waitUntil(lambda: store.patient("PT-0042").preferences == expected, timeout=3000)
    qtbot.waitUntil(lambda: "saved" in form.status.text(), timeout=3000)
    assert "PT-0042" in form.status.text()
    view.resize(1280, 720)
    view.tabs.setCurrentWidget(form)
    screenshot(view, "patient-preferences.png")

    view.select_patient("PT-0043")
    assert form.volume.value() == 0 and form.entries() == []
    view.select_patient("PT-0042")
    assert (form.volume.value(), form.warmer.value(), form.dimmer.value()) == (35, 300, 10)
    assert form.entries() == ["arrival_shore.ogg", "deep.m3u"]


def test_a_list_too_long_is_a_sentence_and_nothing_is_lost(qtbot, make_window) -> None:
    window = make_window(patient=None)
    window.service.patients.add_patient("PT-0042")
    form = open_patients(window, "PT-0042").preferences
    form.never.addItems([f"track {n}.ogg" for n in range(201)])
    click(qtbot, form.save_button)
    assert form.status.text().startswith("Preferences not saved: A never-play list holds")
    assert form.status.objectName() == "problem"
    assert len(form.entries()) == 201  # still there to fix
    assert window.service.patients.patient("PT-0042").preferences == PatientPreferences()


@pytest.mark.skipif(not any(MUSIC_DIR.glob("*.ogg")), reason="no bundled music")
def test_the_next_session_honours_them_and_says_so(qtbot, make_window) -> None:
    window = make_window(preset="with-music.yaml", patient=None)
    store = window.service.patients
    store.add_patient("PT-0042")
    store.set_preferences("PT-0042", PatientPreferences(30.0, ("arrival_shore",), 300, 10.0))
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.music_panel
    qtbot.waitUntil(lambda: panel.note.isVisible(), timeout=3000)
    assert panel.note.text() == "Skipped 1 track this patient asked not to hear"
    qtbot.waitUntil(lambda: panel.volume.value() == 30, timeout=3000)
    assert panel.now_playing.text() == "deep hollow"
    screenshot(window, "session-never-play.png")
    journal = window.service.journal
    qtbot.waitUntil(lambda: len(journal.events(sid, (RecordKind.PREFERENCES,))) == 2
                    and bool(journal.events(sid, (RecordKind.LIGHT,))), timeout=3000)
    light = journal.events(sid, (RecordKind.LIGHT,))[0].payload
    assert (light["brightness"], light["kelvin"]) == (40.0, 2400)  # the only lit phase


def test_the_volume_settled_on_is_remembered_as_comfortable(qtbot, make_window) -> None:
    """Once the clinician moved the volume in a patient's session, the music panel offers
    to remember it as their comfortable volume; a click stores it off the main thread,
    their other preferences kept, and says so."""
    window = make_window(preset="with-music.yaml", patient=None)
    store = window.service.patients
    store.add_patient("PT-0042")
    store.set_preferences("PT-0042", PatientPreferences(never_play=("rain",), warmer_k=200))
    panel = window.music_panel
    remember = panel.remember
    assert remember is not None
    start_for(qtbot, window, "PT-0042")
    qtbot.waitUntil(lambda: panel.volume.value() == 40, timeout=3000)  # the phase's volume
    assert remember.isHidden()  # nothing moved yet: nothing to remember
    for _ in range(2):  # the clinician settles on 30 %: two Page Down steps of 5 %
        panel.volume.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)
    panel.volume_gesture.finish()  # as the quiet timer would
    qtbot.waitUntil(remember.isVisible, timeout=3000)
    assert remember.button.text() == "Remember 30 % for PT-0042"
    assert "30 % as PT-0042's comfortable volume" in remember.button.toolTip()
    click(qtbot, remember.button)
    qtbot.waitUntil(lambda: remember.status.text().startswith("Saved"), timeout=3000)
    assert remember.status.text() == ("Saved: 30 % is PT-0042's comfortable volume from the "
                                      "next session.")
    assert store.patient("PT-0042").preferences == PatientPreferences(30.0, ("rain",), 200)
    screenshot(panel, "music-remember-comfortable.png")


def test_a_session_resumed_after_a_crash_still_offers_to_remember(
        qtbot, make_window, data_dir: Path, monkeypatch) -> None:
    """The patient's link survives a crash: after Resume the offer names their code."""
    import sqlite3
    from datetime import datetime, timedelta, timezone

    from ketaroom.store.journal import Journal
    from ketaroom.store.paths import journal_path, presets_dir
    from ketaroom.store.patients import PatientStore
    from ketaroom.ui.recovery_dialog import RecoveryChoice
    from tests.gui.test_main_window_clinic import choose

    preset = presets_dir(data_dir) / "with-music.yaml"
    start = datetime.now(timezone.utc) - timedelta(seconds=20)
    with Journal(journal_path(data_dir)) as journal:
        patient = PatientStore(journal).add_patient("PT-0042")
        sid = journal.start_session(preset="With music", preset_path=str(preset),
                                    preset_yaml=preset.read_text(encoding="utf-8"),
                                    room="Room 1", planned_s=600, patient_id=patient.id)
        journal.append(sid, "session_start", session_t=0.0, payload={}, wall=start)
    with sqlite3.connect(journal_path(data_dir)) as conn:  # its process is gone
        conn.execute("UPDATE sessions SET pid = 999999999, started_at = ? WHERE id = ?",
                     (start.isoformat(), sid))
    choose(monkeypatch, RecoveryChoice.RUNNING)
    window = make_window(preset="with-music.yaml", patient=None)
    window.offer_recovery()
    assert window.live is not None and window.live.session_id == sid
    assert window.service.session_patient == "PT-0042"
    panel = window.music_panel
    remember = panel.remember
    assert remember is not None
    qtbot.waitUntil(lambda: panel.volume.value() == 40, timeout=3000)  # the phase's volume
    panel.volume.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)
    panel.volume_gesture.finish()
    qtbot.waitUntil(remember.isVisible, timeout=3000)
    assert remember.button.text() == "Remember 35 % for PT-0042"
