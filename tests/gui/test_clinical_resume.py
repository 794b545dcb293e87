"""The Clinical tab across a crash and at the end of a session: nothing recorded is
forgotten on resume, and a dose above the clinic's limits is on record before it is
confirmed (issue 15 follow-ups)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QScrollArea

from ketaroom.core.clinical import DoseLimits
from ketaroom.session.board import cues_due
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path, presets_dir
from ketaroom.store.record_schema import (
    CueAck,
    CueRef,
    CueStart,
    Dissociation,
    Dose,
    Phq9,
    Reflection,
    Sedation,
)
from ketaroom.ui.cue_panel import CueCard
from ketaroom.ui.recovery_dialog import RecoveryChoice
from tests.gui.test_clinical_checks import CHECKS
from tests.gui.test_main_window_clinic import choose
from tests.gui.test_patient_course import click, measures, start_for, stop
from tests.gui.test_patient_preferences import screenshot

pytestmark = pytest.mark.gui

LIMITS = DoseLimits({**DoseLimits().mg_per_kg, "iv": 0.8})
"""This clinic's IV limit: 70 mg for 70 kg (1.00 mg/kg) is above it."""


def _crash(data_dir: Path, entries: Sequence[tuple[Any, ...]]) -> int:
    """A session of the checks preset whose process died 5 min in, having recorded
    ``entries``: ``(t, kind, payload)``, or ``(t, kind, payload, n)`` for an entry that
    refers to the ``n``-th one (a cue's acknowledgement)."""
    preset = presets_dir(data_dir) / "checks.yaml"
    preset.write_text(CHECKS, encoding="utf-8")
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    with Journal(journal_path(data_dir)) as journal:
        sid = journal.start_session(preset="GUI checks", preset_path=str(preset),
                                    preset_yaml=CHECKS, room="Room 1", planned_s=600)
        ids: list[int] = []
        for t, kind, payload, *refers in entries:
            ids.append(journal.append(
                sid, kind, session_t=t, phase_index=0, payload=payload,
                refers_to=ids[refers[0]] if refers else None,
                wall=start + timedelta(seconds=t)))
    with sqlite3.connect(journal_path(data_dir)) as conn:  # its process is gone
        conn.execute("UPDATE sessions SET pid = 999999999, started_at = ? WHERE id = ?",
                     (start.isoformat(), sid))
    return sid


FIRST_CUES = [
    (0.0, "session_start", {}), (0.0, "phase_start", {"phase": "Monitoring"}),
    (0.0, "cue", CueStart(0, "Monitoring", 0, "Sedation and dissociation check",
                          "vitals").to_payload()),
    (1.0, "cue", CueStart(0, "Monitoring", 1, "Sedation (MOAA/S)", "reminder").to_payload()),
]
"""The session began and its two early cues fired."""


def _crash_mid_checks(data_dir: Path) -> int:
    """Both early cues fired, the first answered (MOAA/S 3, dissociation 2), a dose above
    the limit entered and never confirmed."""
    first = CueRef(0, 0, 0.0)
    dose = Dose.checked(70, "iv", 70, limits=LIMITS)
    return _crash(data_dir, [
        *FIRST_CUES,
        (30.0, "sedation", Sedation(3, cue=first).to_payload()),
        (40.0, "dissociation", Dissociation(2, True, cue=first).to_payload()),
        (120.0, "dose", replace(dose, confirmed=False).to_payload()),
    ])


def test_a_resumed_session_shows_its_checks_and_unconfirmed_dose_again(
        qtbot, make_window, data_dir, monkeypatch) -> None:
    sid = _crash_mid_checks(data_dir)
    choose(monkeypatch, RecoveryChoice.PAUSED)
    window = make_window(preset="checks.yaml", patient=None, dose_limits=LIMITS)
    window.offer_recovery()
    assert window.live is not None and window.live.session_id == sid
    panel = window.clinical_panel
    lines = [label.text() for label in panel.slots._lines[:3]]
    assert lines == [
        "Sedation and dissociation at +0 min — recorded: MOAA/S 3, dissociation 2",
        "Sedation at +0 min — due",  # fired before the crash, never answered
        "Sedation and dissociation at +9 min — upcoming"]
    assert panel.sedation.checkedId() == 3 and panel.dissociation.checkedId() == 2
    assert panel.rems.currentData() is True
    assert (panel.mg.text(), panel.weight.text(), panel.route.currentData()) == (
        "70", "70", "iv")
    assert panel.confirm_dose.isVisibleTo(panel)  # still waiting for the clinician
    assert "not confirmed" in panel.dose_saved.text()
    assert "Resumed" in panel.message.text()

    click(qtbot, panel.sedation.button(4))  # answers the open check, not the done one
    assert panel.slots._lines[1].text() == "Sedation at +0 min — recorded: MOAA/S 4"
    click(qtbot, panel.confirm_dose)
    qtbot.waitUntil(lambda: measures(window, sid)["dose"]["confirmed"], timeout=3000)
    got = measures(window, sid)
    assert [(s["moaas"], s["cue"]["cue_index"]) for s in got["sedation"]] == [(3, 0), (4, 1)]
    assert got["dose"]["mg"] == 70 and got["dose"]["warnings"]


def test_a_dose_above_the_limit_is_on_record_when_the_session_ends_unconfirmed(
        qtbot, make_window) -> None:
    window = make_window(patient=None, dose_limits=LIMITS)
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.clinical_panel
    window.record_tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.weight, "70")
    qtbot.keyClicks(panel.mg, "70")
    qtbot.waitUntil(panel.confirm_dose.isVisible, timeout=2000)
    stop(qtbot, window)  # the clinician never answered the question
    qtbot.waitUntil(lambda: measures(window, sid)["dose"] is not None, timeout=3000)
    dose = measures(window, sid)["dose"]
    assert (dose["mg"], dose["confirmed"]) == (70, False) and dose["warnings"]

    click(qtbot, panel.confirm_dose)  # still possible after the end: straight in
    qtbot.waitUntil(lambda: measures(window, sid)["dose"]["confirmed"], timeout=3000)


def test_a_dose_typed_just_before_stop_is_recorded_before_the_end(
        qtbot, make_window) -> None:
    window = make_window(patient=None)
    sid = start_for(qtbot, window, "PT-0042")
    panel = window.clinical_panel
    window.record_tabs.setCurrentWidget(panel)
    qtbot.keyClicks(panel.weight, "70")
    qtbot.keyClicks(panel.mg, "35")
    stop(qtbot, window)  # well within the dose's 0.8 s debounce
    live = window.live
    assert live is not None and live.recorder.flush(5)
    with Journal(journal_path(window.service.data_dir)) as journal:
        kinds = [e.kind for e in journal.events(sid)]
    assert "dose" in kinds and kinds.index("dose") < kinds.index("session_end")
    assert measures(window, sid)["dose"]["mg"] == 35


def test_a_cue_never_acknowledged_before_the_crash_waits_again_after_the_resume(
        qtbot, make_window, data_dir, monkeypatch) -> None:
    """"Check blood pressure" fired, the app crashed, nobody ticked it: after the resume
    it waits in the cue panel, marked as from before the interruption, and ticking it
    records its acknowledgement. A cue acknowledged before the crash stays done."""
    sid = _crash(data_dir, [*FIRST_CUES, (20.0, "cue_ack", CueAck("").to_payload(), 2)])
    with Journal(journal_path(data_dir)) as journal:
        unanswered = [e.id for e in journal.events(sid) if e.kind == "cue"][1]
    choose(monkeypatch, RecoveryChoice.PAUSED)
    window = make_window(preset="checks.yaml", patient=None)
    window.offer_recovery()
    assert window.live is not None and window.live.session_id == sid
    panel = window.cue_panel
    assert len(panel.waiting) == 1
    card = panel.card(panel.waiting[0])
    assert card is not None
    assert card.prompt.text() == "Sedation (MOAA/S)"
    assert card.origin.isVisibleTo(card)
    assert card.origin.text() == "From before the interruption"
    assert card.when.text() == "Monitoring · at 00:01"  # not "just now": it waited longer
    assert panel.title.text() == "CUES · 1 WAITING"
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: card.isVisible() and card.height() > 0)  # laid out
    screenshot(panel, "cue-from-before-interruption.png")
    assert cues_due(window.live.session.preset, window.live.controller.cues) == (
        "Sedation (MOAA/S)",)  # the nurse-station board lists it too

    click(qtbot, card.ack_button)
    assert panel.waiting == []
    assert window.live.recorder.flush(5)
    with Journal(journal_path(data_dir)) as journal:
        acks = [e.refers_to for e in journal.events(sid) if e.kind == "cue_ack"]
    assert acks == [acks[0], unanswered] and acks[0] != unanswered


def test_a_resumed_session_shows_its_phq9_answers_and_reflection_again(
        qtbot, make_window, data_dir, monkeypatch) -> None:
    first = [0, 1, 2, 3, 0, 1, 2, 3, 0]
    answers = [1, 1, 2, 3, 0, 1, 2, 3, 0]  # corrected: recorded again, the latest counts
    sid = _crash(data_dir, [
        *FIRST_CUES,
        (10.0, "phq9", Phq9(first).to_payload()),
        (15.0, "phq9", Phq9(answers).to_payload()),
        (200.0, "reflection", Reflection("The lighthouse keeper waved at me").to_payload()),
    ])
    choose(monkeypatch, RecoveryChoice.PAUSED)
    window = make_window(preset="checks.yaml", patient=None)
    window.offer_recovery()
    assert window.live is not None and window.live.session_id == sid
    panel = window.clinical_panel
    assert [c.currentIndex() - 1 for c in panel.phq9] == answers
    assert panel.reflection.toPlainText() == "The lighthouse keeper waved at me"
    window.resize(1280, 720)
    window.record_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: all(c.isVisible() for c in window.cue_panel.findChildren(CueCard)))
    panel.findChild(QScrollArea).ensureWidgetVisible(panel.phq9[4])
    screenshot(window, "clinical-resumed-phq9.png")

    click(qtbot, panel.phq9_button)  # recording again records what is shown
    assert window.live.recorder.flush(5)
    with Journal(journal_path(data_dir)) as journal:
        recorded = [e.payload["items"] for e in journal.events(sid, ("phq9",))]
    assert recorded == [first, answers, answers]


def test_cues_that_came_due_while_the_app_was_down_say_so(
        qtbot, make_window, data_dir, monkeypatch) -> None:
    """Resumed as if it kept running: the two early cues fell in the 5 minutes the app was
    down; they wait like any cue, their cards saying when they came due."""
    sid = _crash(data_dir, FIRST_CUES[:2])  # died before its first cue
    choose(monkeypatch, RecoveryChoice.RUNNING)
    window = make_window(preset="checks.yaml", patient=None)
    window.offer_recovery()
    assert window.live is not None and window.live.session_id == sid
    cards = [window.cue_panel.card(t) for t in window.cue_panel.waiting]
    assert [(c.prompt.text(), c.origin.text()) for c in cards if c is not None] == [
        ("Sedation and dissociation check, SpO₂", "Came due while ketaroom was closed"),
        ("Sedation (MOAA/S)", "Came due while ketaroom was closed")]
