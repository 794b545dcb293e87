"""The main window's clinic side: crash recovery at start-up, records and presets windows."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ketaroom.core.targets import LightTarget
from ketaroom.core.timeline import Status
from ketaroom.devices.lights import percent_to_bri
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path, presets_dir
from ketaroom.ui.history_view import HistoryView
from ketaroom.ui.preset_library_view import PresetLibraryView
from ketaroom.ui.recovery_dialog import RecoveryChoice, RecoveryDialog

pytestmark = pytest.mark.gui


def crash_a_session(data_dir: Path, minutes_ago: float) -> int:
    """A session of the lights-only preset that started ``minutes_ago`` and whose process died."""
    preset = presets_dir(data_dir) / "a-lights-only.yaml"
    start = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    with Journal(journal_path(data_dir)) as journal:
        sid = journal.start_session(preset="GUI lights only", preset_path=str(preset),
                                    preset_yaml=preset.read_text(encoding="utf-8"),
                                    room="Room 1", planned_s=1500)
        journal.append(sid, "session_start", session_t=0.0, wall=start)
        journal.append(sid, "phase_start", session_t=0.0, phase_index=0, wall=start)
        journal.append(sid, "phase_start", session_t=600.0, phase_index=1,
                       wall=start + timedelta(minutes=10))
        journal.append(sid, "note", session_t=650.0, phase_index=1,
                       payload={"text": "calm", "tags": []}, wall=start + timedelta(minutes=11))
    with sqlite3.connect(journal_path(data_dir)) as conn:  # its process is gone
        conn.execute("UPDATE sessions SET pid = 999999999, started_at = ? WHERE id = ?",
                     (start.isoformat(), sid))
    return sid


def choose(monkeypatch: pytest.MonkeyPatch, choice: RecoveryChoice) -> list[RecoveryDialog]:
    shown: list[RecoveryDialog] = []

    def exec_(dialog: RecoveryDialog) -> int:
        shown.append(dialog)
        dialog.choice = choice
        return 1

    monkeypatch.setattr(RecoveryDialog, "exec", exec_)
    return shown


def test_resume_paused_picks_up_at_the_crash_phase_and_restores_the_light(
        qtbot, make_window, data_dir, monkeypatch) -> None:
    sid = crash_a_session(data_dir, minutes_ago=12)
    shown = choose(monkeypatch, RecoveryChoice.PAUSED)
    window = make_window()
    window.offer_recovery()
    assert len(shown) == 1
    live = window.live
    assert live is not None and live.session_id == sid
    state = live.session.state()
    assert state.status is Status.PAUSED
    assert state.phase_index == 1  # "Deep", where it was when the process died
    assert window.session_panel.phase_name.text().startswith("Deep")
    emulator = window.service.emulator
    assert emulator is not None
    want = percent_to_bri(10)
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == want, timeout=4000)
    live.recorder.flush(5)
    with Journal(journal_path(data_dir)) as journal:
        assert journal.session(sid).status == "running"
        assert "resume" in [e.kind for e in journal.events(sid)]


def test_a_resumed_session_still_shows_its_patient(qtbot, make_window, data_dir,
                                                   monkeypatch) -> None:
    from ketaroom.store.patients import PatientStore

    with Journal(journal_path(data_dir)) as journal:
        course = PatientStore(journal).start_course("PT-0042", "induction",
                                                    planned_sessions=6, spacing_days=3)
    sid = crash_a_session(data_dir, minutes_ago=12)
    with sqlite3.connect(journal_path(data_dir)) as conn:  # it was PT-0042's first session
        conn.execute("UPDATE sessions SET patient_id = (SELECT id FROM patients),"
                     " course_id = ?, course_number = 1 WHERE id = ?", (course.id, sid))
    choose(monkeypatch, RecoveryChoice.PAUSED)
    window = make_window(patient=None)
    window.offer_recovery()
    assert window.live is not None and window.live.session_id == sid
    assert window.session_panel.phase_info.text().startswith("PT-0042 · session 1 of 6 · ")


def test_close_keeps_the_record_and_no_session_starts(qtbot, make_window, data_dir,
                                                      monkeypatch) -> None:
    sid = crash_a_session(data_dir, minutes_ago=3)
    choose(monkeypatch, RecoveryChoice.CLOSE)
    window = make_window()
    window.offer_recovery()
    assert window.live is None
    with Journal(journal_path(data_dir)) as journal:
        assert journal.session(sid).status == "interrupted"
        assert journal.interrupted_sessions() == []


def test_clinic_menu_opens_records_patients_and_presets(qtbot, make_window, data_dir) -> None:
    crash_a_session(data_dir, minutes_ago=3)
    window = make_window()
    labels = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert labels[:4] == ["Session &records…", "Pa&tients…", "&Presets…", "Room &settings…"]
    window._on_open_history()
    history = window._side_windows["history"]
    assert isinstance(history, HistoryView) and history.isVisible()
    assert len(history.visible_ids()) == 1
    window._on_open_patients()
    assert window._side_windows["patients"].isVisible()
    window._on_open_presets()
    presets = window._side_windows["presets"]
    assert isinstance(presets, PresetLibraryView) and presets.isVisible()
    window._on_open_history()  # a second open raises the same window
    assert window._side_windows["history"] is history


def test_preset_picker_shows_preset_names(make_window) -> None:
    window = make_window()
    labels = [window.session_panel.picker.itemText(i)
              for i in range(window.session_panel.picker.count())]
    assert "GUI lights only · clinic" in labels  # never "(clinic copy) (clinic)"
    assert "IV infusion 40 min" in labels


def test_a_clinical_session_starts_with_its_patient(qtbot, make_window, data_dir) -> None:
    """No code: Start says calmly that the patient comes first; a new code creates the
    patient and a course of six; the code and "session 1 of 6" stay beside the phase."""
    from PySide6.QtCore import Qt

    window = make_window(patient=None)
    panel, picker = window.session_panel, window.patient_picker
    assert picker.isVisible()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert window.live is None
    assert "starts with its patient" in picker.message.text()
    qtbot.keyClicks(picker.code, "PT 42")
    assert "no spaces" in picker.message.text()
    picker.code.setText("x" * 200)
    assert "at most 32 characters" in picker.message.text()
    picker.code.clear()
    qtbot.keyClicks(picker.code, "PT-0042")
    assert picker.message.text() == "New patient PT-0042: created at Start."
    assert picker.name.isVisible() and picker.planned.isVisible()
    qtbot.keyClicks(picker.name, "Alex Example")
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    live = window.live
    assert live is not None and live.session_id is not None
    assert not picker.isVisible()
    assert panel.phase_info.text().startswith("PT-0042 · session 1 of 6 · Phase 1 of")
    assert "Alex" not in panel.phase_name.text() + panel.phase_info.text()
    with Journal(journal_path(data_dir)) as journal:
        record = journal.session(live.session_id)
        assert (record.patient, record.course_number) == ("PT-0042", 1)


def test_type_ahead_offers_known_codes_and_their_open_course(make_window) -> None:
    window = make_window(patient=None)
    store = window.service.patients
    store.add_patient("PT-0042")
    course = store.start_course("PT-0042", "induction", planned_sessions=6, spacing_days=3)
    picker = window.patient_picker
    picker.refresh_codes()
    completer = picker.code.completer()
    completer.setCompletionPrefix("pt-00")
    assert completer.currentCompletion() == "PT-0042"
    picker.code.setText("pt-0042")
    assert picker.course.currentData() == course.id
    assert "0 of 6 done" in picker.course.currentText()
    assert not picker.name.isVisible()
    choice = picker.resolve()
    assert (choice.code, choice.course_id, choice.label()) == (
        "PT-0042", course.id, "PT-0042 · session 1 of 6")


def test_pairing_a_real_bridge_takes_the_room_out_of_demo_mode(qtbot, make_window) -> None:
    from dataclasses import replace

    from ketaroom.devices.hue_emulator import HueEmulator
    from ketaroom.store.settings import BridgeSettings

    window = make_window()
    assert window.service.demo
    with HueEmulator(lights=2) as clinic_bridge:  # stands in for the clinic's real bridge
        settings = replace(window.settings, bridge=BridgeSettings(
            clinic_bridge.address, clinic_bridge.username, "Treatment room"))
        window._on_settings_saved(settings)
        assert not window.service.demo
        assert window.mode_label.text() == f"Bridge {clinic_bridge.address}"
        window.light_panel.light_requested.emit(
            LightTarget(30, 1, 2700, group=window.service.light_group))
        qtbot.waitUntil(lambda: clinic_bridge.target_state(1).get("bri") == percent_to_bri(30),
                        timeout=4000)
        window.close()


def test_room_settings_menu_opens_the_pin_guarded_dialog(qtbot, make_window, monkeypatch
                                                         ) -> None:
    from ketaroom.ui.room_settings import RoomSettingsDialog

    opened: list[RoomSettingsDialog] = []
    monkeypatch.setattr(RoomSettingsDialog, "exec", lambda self: opened.append(self) or 0)
    window = make_window()
    window._on_open_room_settings()
    assert len(opened) == 1


def test_records_past_retention_are_deleted_only_after_confirmation(make_window, data_dir
                                                                    ) -> None:
    old = crash_a_session(data_dir, minutes_ago=60 * 24 * 40)  # 40 days ago
    recent = crash_a_session(data_dir, minutes_ago=5)
    asked: list[tuple[int, int]] = []
    window = make_window(retention_days=30)
    window.confirm_purge = lambda count, days: asked.append((count, days)) or False
    assert window.offer_purge() == 0
    assert asked == [(1, 30)]
    window.confirm_purge = lambda count, days: True
    assert window.offer_purge() == 1
    with Journal(journal_path(data_dir)) as journal:
        assert [s.id for s in journal.sessions()] == [recent]
        assert old not in [s.id for s in journal.sessions()]
        assert journal.audit_entries()[-1]["action"] == "purge"


def test_resume_as_if_running_records_what_happened_meanwhile(qtbot, make_window, data_dir,
                                                               monkeypatch) -> None:
    sid = crash_a_session(data_dir, minutes_ago=60)  # Deep ended at 20 min: Return is on
    choose(monkeypatch, RecoveryChoice.RUNNING)
    window = make_window()
    window.offer_recovery()
    live = window.live
    assert live is not None and live.session.state().phase_index == 2
    assert live.recorder.flush(5)
    with Journal(journal_path(data_dir)) as journal:
        meanwhile = [e for e in journal.events(sid) if e.payload.get("while_interrupted")]
    assert [(e.kind, e.phase_index) for e in meanwhile] == [("phase_start", 2)]
    assert meanwhile[0].session_t == pytest.approx(1200.0)
