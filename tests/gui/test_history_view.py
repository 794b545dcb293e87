"""The history view with a real journal: rows, search, timeline detail, export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from ketaroom.store.export import parse_json_export
from ketaroom.store.journal import Journal
from ketaroom.ui.history_view import HistoryView, matches, summarise

pytestmark = pytest.mark.gui

PHASES = [{"name": "Arrival", "planned_s": 600.0}, {"name": "Infusion", "planned_s": 2400.0}]


def _start(journal: Journal, preset: str, room: str) -> int:
    sid = journal.start_session(preset=preset, preset_path=None, preset_yaml=None, room=room,
                                planned_s=3000.0)
    journal.append(sid, "session_start", session_t=0.0, payload={"preset": preset,
                                                                  "phases": PHASES})
    journal.append(sid, "phase_start", session_t=0.0, phase_index=0,
                   payload={"phase": "Arrival"})
    return sid


@pytest.fixture
def journal(tmp_path: Path):
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        a = _start(journal, "IV infusion 40 min", "Room 1")
        cue = journal.append(a, "cue", session_t=300.0, phase_index=0,
                             payload={"prompt": "Baseline BP", "kind": "vitals"})
        journal.append(a, "cue_ack", session_t=320.0, phase_index=0, refers_to=cue,
                       payload={"by": "Dr Lee"})
        journal.append(a, "vitals", session_t=330.0, phase_index=0,
                       payload={"sys": 128, "dia": 82, "hr": 72, "spo2": 98, "warnings": []})
        journal.append(a, "note", session_t=400.0, phase_index=0,
                       payload={"text": "Patient calm, eyes closed", "tags": []})
        journal.append(a, "phase_start", session_t=600.0, phase_index=1,
                       payload={"phase": "Infusion"})
        journal.append(a, "device_error", session_t=700.0, phase_index=1,
                       payload={"device": "lights", "message": "bridge unreachable"})
        journal.append(a, "session_end", session_t=3000.0, payload={"status": "completed"})
        journal.end_session(a, "completed")

        b = _start(journal, "KAP lozenge", "Room 2")
        journal.append(b, "cue", session_t=60.0, phase_index=0,
                       payload={"prompt": "Check in", "kind": "reminder"})
        journal.append(b, "note", session_t=90.0, phase_index=0,
                       payload={"text": "Mild nausea", "tags": []})
        journal.append(b, "intent", session_t=120.0, phase_index=0,
                       payload={"intent": "stop", "amount_s": None})
        journal.append(b, "session_end", session_t=120.0, payload={"status": "stopped"})
        journal.end_session(b, "stopped")
        yield journal


def _make_interrupted(journal: Journal) -> int:
    sid = _start(journal, "Esketamine REMS", "Room 3")
    journal.append(sid, "note", session_t=50.0, payload={"text": "Dose 56 mg", "tags": ["dose"]})
    with sqlite3.connect(journal.path) as conn:  # the process that ran it is gone
        conn.execute("UPDATE sessions SET pid = 999999999 WHERE id = ?", (sid,))
    return sid


def _cells(table, row):
    return [table.item(row, c).text() for c in range(table.columnCount())]


def _view(qtbot, journal) -> HistoryView:
    view = HistoryView(journal)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    return view


def test_lists_sessions_newest_first(qtbot, journal):
    view = _view(qtbot, journal)
    assert view.table.rowCount() == 2
    presets = [view.table.item(r, 2).text() for r in range(2)]
    assert presets == ["KAP lozenge", "IV infusion 40 min"]
    by_preset = {view.table.item(r, 2).text(): _cells(view.table, r) for r in range(2)}
    iv = by_preset["IV infusion 40 min"]
    assert iv[1] == "Room 1"
    assert iv[3] == "50:00"  # planned
    assert iv[4] == "50:00"  # actual (last session time)
    assert iv[5] == "completed"
    assert iv[6] == "0"  # interruptions
    assert iv[7] == "1"  # incidents
    assert by_preset["KAP lozenge"][5] == "stopped"
    assert by_preset["KAP lozenge"][4] == "02:00"


def test_interrupted_session_is_shown_as_such(qtbot, journal):
    sid = _make_interrupted(journal)
    view = _view(qtbot, journal)
    assert view.table.rowCount() == 3
    assert view.visible_ids()[0] == sid
    row = _cells(view.table, 0)
    assert row[5] == "interrupted"
    assert row[6] == "1"


def test_search_filters_by_preset_note_text_and_date(qtbot, journal):
    view = _view(qtbot, journal)
    ids = {view.table.item(r, 2).text(): view._row_id(r) for r in range(2)}
    qtbot.keyClicks(view.search, "lozenge")
    assert view.visible_ids() == [ids["KAP lozenge"]]
    view.search.setText("eyes CLOSED")  # note text, any case, all words
    assert view.visible_ids() == [ids["IV infusion 40 min"]]
    view.search.setText('"room 2"')  # a quoted phrase
    assert view.visible_ids() == [ids["KAP lozenge"]]
    view.search.setText("room")
    assert len(view.visible_ids()) == 2
    today = view.summaries[0].date[:10]
    view.search.setText(today)
    assert len(view.visible_ids()) == 2
    view.search.setText("nothing like this")
    assert view.visible_ids() == []
    view.search.clear()
    assert len(view.visible_ids()) == 2


def test_selecting_shows_the_timeline_with_notes_cues_vitals_incidents(qtbot, journal):
    view = _view(qtbot, journal)
    assert not view.export_buttons["json"].isEnabled()
    ids = {view.table.item(r, 2).text(): view._row_id(r) for r in range(2)}
    with qtbot.waitSignal(view.sessionSelected) as signal:
        assert view.select_session(ids["IV infusion 40 min"])
    assert signal.args == [ids["IV infusion 40 min"]]
    rows = [_cells(view.timeline, r) for r in range(view.timeline.rowCount())]
    text = "\n".join(" | ".join(r) for r in rows)
    assert "Patient calm, eyes closed" in text
    assert "Baseline BP — acknowledged by Dr Lee at 05:20" in text
    assert "BP 128/82" in text
    assert "bridge unreachable" in text
    assert [r[2] for r in rows] == ["Start", "Phase", "Cue", "Vitals", "Note", "Phase",
                                    "Incident", "End"]
    note = next(r for r in rows if r[2] == "Note")
    assert note[0] == "06:40"  # session time
    assert len(note[1]) == 8 and note[1].count(":") == 2  # wall clock hh:mm:ss
    assert view.export_buttons["json"].isEnabled()

    view.select_session(ids["KAP lozenge"])
    text = "\n".join(view.timeline.item(r, 3).text() for r in range(view.timeline.rowCount()))
    assert "Check in — missed" in text
    assert "Mild nausea" in text
    assert "Stop" in text


def test_search_hides_the_selected_session(qtbot, journal):
    view = _view(qtbot, journal)
    ids = {view.table.item(r, 2).text(): view._row_id(r) for r in range(2)}
    view.select_session(ids["KAP lozenge"])
    view.search.setText("infusion")
    assert view.selected_id() is None
    assert view.timeline.rowCount() == 0


def test_export_json_writes_the_file(qtbot, journal, tmp_path, monkeypatch):
    view = _view(qtbot, journal)
    ids = {view.table.item(r, 2).text(): view._row_id(r) for r in range(2)}
    view.select_session(ids["IV infusion 40 min"])
    target = tmp_path / "out" / "iv"
    target.parent.mkdir()
    asked = []

    def fake_save(parent, caption, suggested, filters):
        asked.append((caption, suggested, filters))
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    qtbot.mouseClick(view.export_buttons["json"], _left())
    written = target.with_suffix(".json")
    assert written.is_file()
    session, events = parse_json_export(written.read_text(encoding="utf-8"))
    assert session.id == ids["IV infusion 40 min"]
    assert any(e.payload.get("text") == "Patient calm, eyes closed" for e in events)
    assert asked and Path(asked[0][1]).name.startswith(f"session-{session.id}-")
    assert "Saved" in view.status_label.text()
    assert journal.audit_entries()[-1]["action"] == "export"


def test_export_csv_and_pdf(qtbot, journal, tmp_path, monkeypatch):
    view = _view(qtbot, journal)
    view.select_session(view.visible_ids()[0])
    names = iter([str(tmp_path / "s.csv"), str(tmp_path / "s.pdf"), ""])
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (next(names), "")))
    assert view.export_selected("csv") == tmp_path / "s.csv"
    assert (tmp_path / "s.csv").read_text(encoding="utf-8").startswith("session_id,seq,")
    assert view.export_selected("pdf") == tmp_path / "s.pdf"
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    assert view.export_selected("json") is None  # cancelled


def test_export_failure_is_shown_not_raised(qtbot, journal, tmp_path, monkeypatch):
    view = _view(qtbot, journal)
    view.select_session(view.visible_ids()[0])
    missing = tmp_path / "no such folder" / "x.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(missing), "")))
    assert view.export_selected("json") is None
    assert "Could not export" in view.status_label.text()


def test_refresh_picks_up_new_sessions(qtbot, journal):
    view = _view(qtbot, journal)
    _start(journal, "Demo", "Room 9")
    view.refresh()
    assert view.table.rowCount() == 3


def test_summary_search_words_all_must_match(journal):
    record = journal.sessions()[0]
    summary = summarise(record, journal.events(record.id))
    assert matches(summary, "iv calm")
    assert not matches(summary, "iv nausea")
    assert json.dumps(summary.date)


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_rehearsals_are_hidden_unless_show_rehearsals_is_ticked(qtbot, journal):
    rehearsal = journal.start_session(preset="IV infusion 40 min", preset_path=None,
                                      preset_yaml=None, room="rehearse", planned_s=3000.0,
                                      kind="rehearsal")
    journal.end_session(rehearsal, "completed")
    view = _view(qtbot, journal)
    assert not view.show_rehearsals.isChecked()
    assert view.show_rehearsals.text() == "Show rehearsals"
    assert view.visible_ids() == [2, 1]
    assert not view.select_session(rehearsal)

    view.show_rehearsals.setChecked(True)
    assert view.visible_ids() == [rehearsal, 2, 1]
    view.search.setText("IV infusion")  # the search still applies on top
    assert view.visible_ids() == [rehearsal, 1]
    assert view.select_session(rehearsal)
    assert "rehearsal" in view.detail_title.text()

    view.show_rehearsals.setChecked(False)  # hiding it drops the selection too
    assert view.visible_ids() == [1]
    assert view.selected_id() is None


def test_search_takes_day_month_year_dates(qtbot, journal):
    view = _view(qtbot, journal)
    year, month, day = view.summaries[0].date[:10].split("-")
    view.search.setText(f"{day}.{month}.{year}")
    assert len(view.visible_ids()) == 2
    view.search.setText(f"{day}/{month}/{year} lozenge")
    assert len(view.visible_ids()) == 1
    view.search.setText(f"{day}.{month}.1999")
    assert view.visible_ids() == []


def test_thousands_of_sessions_open_without_reading_each_sessions_events(
        qtbot, tmp_path, monkeypatch):
    from bench import clinic_scale
    from ketaroom.ui import history_view

    path = tmp_path / "sessions.sqlite3"
    clinic_scale.generate(path, 3000)  # ~100 entries a session, 5 % rehearsals
    with Journal(path) as journal:
        reads: list[int] = []
        events = journal.events

        def counted(session_id, *args, **kwargs):
            reads.append(session_id)
            return events(session_id, *args, **kwargs)

        monkeypatch.setattr(journal, "events", counted)
        view = _view(qtbot, journal)
        assert reads == []  # opening lists without reading any session's entries
        assert view.table.rowCount() == history_view.LIST_LIMIT  # the newest, not all 3,000
        assert view.visible_ids()[0] == 2999  # 3000 is a rehearsal
        assert "newest" in view.status_label.text()

        view.search.setText('"patient 1234 journey"')  # words of one session's note
        assert view.visible_ids() == [1234]
        view.show_rehearsals.setChecked(True)
        view.search.setText("")
        assert view.visible_ids()[0] == 3000
        view.refresh()
        assert reads == []

        assert view.select_session(2997)  # only the one selected is read
        assert reads == [2997]
        text = "\n".join(view.timeline.item(r, 3).text()
                         for r in range(view.timeline.rowCount()))
        assert "Patient 2997 journey: calm, breathing slow" in text
        assert "observation" in text  # its tags
