"""The record schema: kinds and payloads are a contract with every journal ever written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ketaroom.core.preferences import PatientPreferences, Withheld
from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget, MusicTarget
from ketaroom.store import session_facts
from ketaroom.store.export import SUMMARIES, event_summary
from ketaroom.store.journal import Journal
from ketaroom.store.record_schema import (
    CueAck,
    CueRef,
    CueStart,
    DeviceError,
    DeviceHealth,
    DeviceReport,
    Emergency,
    LightState,
    MusicMuted,
    MusicPlan,
    MusicSkip,
    MusicVolume,
    MusicWithheld,
    Note,
    NoteCorrection,
    NoteTags,
    OperatorIntent,
    PhaseStart,
    PreferencesApplied,
    RecordKind,
    Resume,
    SessionEnd,
    SessionStart,
    Signal,
    SyntheticPause,
    VitalsReading,
    brightness,
    cue_kind,
    current_note_tags,
    phase_name,
    volume,
)

PACKAGE = Path(__file__).resolve().parents[3] / "ketaroom"


def test_the_stored_kind_strings_never_change() -> None:
    assert [k.value for k in RecordKind] == [
        "session_start", "phase_start", "cue", "cue_ack", "intent", "note",
        "note_correction", "note_tags", "vitals", "music", "light", "device",
        "device_error", "device_health", "emergency", "signal", "resume", "session_end",
        "dose", "sedation", "dissociation", "ready_to_leave", "adverse_event", "phq9",
        "reflection", "follow_up", "preferences"]
    assert RecordKind.NOTE == "note" and f"{RecordKind.CUE_ACK}" == "cue_ack"


@pytest.mark.parametrize(("entry", "kind", "payload"), [
    (SessionStart("IV", [("Settle", 600.0)]), "session_start",
     {"preset": "IV", "phases": [{"name": "Settle", "planned_s": 600.0}]}),
    (PhaseStart(1, "Journey"), "phase_start", {"phase_index": 1, "phase": "Journey"}),
    (PhaseStart(1, "Journey", while_interrupted=True), "phase_start",
     {"phase_index": 1, "phase": "Journey", "while_interrupted": True}),
    (CueStart(0, "Settle", 2, "Check BP", "vitals"), "cue",
     {"phase_index": 0, "phase": "Settle", "cue_index": 2, "prompt": "Check BP",
      "cue_kind": "vitals"}),
    (CueAck("RN"), "cue_ack", {"by": "RN"}),
    (OperatorIntent("pause", None), "intent", {"intent": "pause"}),
    (OperatorIntent("extend", 300.0), "intent", {"intent": "extend", "amount_s": 300.0}),
    (SyntheticPause("why"), "intent",
     {"intent": "pause", "amount_s": None, "synthetic": True, "reason": "why"}),
    (Note("calm", ("dose",), "RN"), "note", {"text": "calm", "tags": ["dose"], "by": "RN"}),
    (Note("asked", (), "RN", CueRef(0, 1, 12.34567)), "note",
     {"text": "asked", "tags": [], "by": "RN",
      "cue": {"phase_index": 0, "cue_index": 1, "t": 12.346}}),
    (NoteCorrection("fixed", "typo", "RN"), "note_correction",
     {"text": "fixed", "reason": "typo", "by": "RN"}),
    (NoteCorrection("fixed", "typo", "RN", ("dose",)), "note_correction",
     {"text": "fixed", "reason": "typo", "by": "RN", "tags": ["dose"]}),
    (NoteTags(("ready",), "RN"), "note_tags", {"tags": ["ready"], "by": "RN"}),
    (VitalsReading(120, 80, None, 98, ["high"], "RN"), "vitals",
     {"sys": 120, "dia": 80, "hr": None, "spo2": 98, "warnings": ["high"], "by": "RN"}),
    (MusicPlan.from_target(MusicTarget((Path("/m/a.flac"),), 40.0, 5.0, label="calm.m3u")),
     "music", {"playlist": "calm.m3u", "tracks": ["a.flac"], "volume": 40.0, "fade": 5.0}),
    (MusicPlan.from_target(MusicTarget((), 40.0, 5.0, label="x"), manual=True), "music",
     {"manual": True, "playlist": "x", "tracks": [], "volume": 40.0, "fade": 5.0}),
    (MusicVolume(45.04, 30.06), "music", {"manual": True, "volume": 45.0, "from_volume": 30.1}),
    (MusicMuted(True), "music", {"manual": True, "muted": True}),
    (MusicSkip(), "music", {"manual": True, "skip": True}),
    (LightState(LightTarget(40.0, 2.0, kelvin=2700)), "light",
     {"brightness": 40.0, "transition": 2.0, "kelvin": 2700}),
    (LightState(LightTarget(40.0, 2.0, color="#ff0000", group="3"), manual=True), "light",
     {"manual": True, "brightness": 40.0, "transition": 2.0, "color": "#ff0000",
      "group": "3"}),
    (DeviceReport(RecordKind.MUSIC, "playing", {"volume": 40.0}), "music",
     {"message": "playing", "reported": True, "volume": 40.0}),
    (DeviceError("lights", "unreachable", data={"health": "lost"}), "device_error",
     {"device": "lights", "message": "unreachable", "severity": "error", "health": "lost"}),
    (DeviceHealth("records", "ok again", {"health": "ok"}), "device_health",
     {"device": "records", "message": "ok again", "health": "ok"}),
    (Emergency("Lights up / music off", EMERGENCY_LIGHT, "RN", True), "emergency",
     {"text": "Lights up / music off", "brightness": EMERGENCY_LIGHT.brightness_pct,
      "transition": EMERGENCY_LIGHT.transition_s, "kelvin": EMERGENCY_LIGHT.kelvin,
      "by": "RN", "session_held": True}),
    (PreferencesApplied(PatientPreferences(35.0, ("rain.ogg",), 200, 10.0)), "preferences",
     {"message": "Patient preferences: comfortable volume 35 % · never play: rain.ogg · "
                 "200 K warmer · 10 % dimmer",
      "volume_pct": 35.0, "never_play": ["rain.ogg"], "warmer_k": 200, "dimmer_pct": 10.0}),
    (MusicWithheld(Withheld("calm.m3u", ("rain.ogg",), False)), "preferences",
     {"message": "Skipped 1 track this patient asked not to hear", "playlist": "calm.m3u",
      "withheld": ["rain.ogg"], "whole_playlist": False}),
    (MusicWithheld(Withheld("drums.m3u", ("a.ogg", "b.ogg"), True), manual=True),
     "preferences",
     {"manual": True, "playlist": "drums.m3u", "withheld": ["a.ogg", "b.ogg"],
      "whole_playlist": True,
      "message": "Playlist drums.m3u is on this patient's never-play list — not played"}),
    (Signal("SIGTERM"), "signal", {"signal": "SIGTERM"}),
    (Resume(42, "pc"), "resume", {"previous_pid": 42, "previous_host": "pc"}),
    (SessionEnd("completed", 2, "Rest"), "session_end",
     {"phase_index": 2, "phase": "Rest", "status": "completed"}),
    (SessionEnd("interrupted", closed_after_interruption=True), "session_end",
     {"status": "interrupted", "closed_after_interruption": True}),
])
def test_each_builder_writes_the_payload_journals_have_always_held(entry, kind, payload
                                                                   ) -> None:
    assert entry.kind == kind
    assert entry.to_payload() == payload


def test_older_spellings_are_read() -> None:
    assert cue_kind({"kind": "vitals"}) == cue_kind({"cue_kind": "vitals"}) == "vitals"
    assert cue_kind({}) == "reminder"
    assert volume({"volume_pct": 30}) == volume({"volume": 30}) == 30
    assert brightness({"brightness_pct": 20}) == brightness({"brightness": 20}) == 20
    assert phase_name({"name": "A"}) == phase_name({"phase": "A"}) == "A"


def test_an_old_format_journal_reads_as_before(tmp_path: Path) -> None:
    """Payloads as earlier versions (and hand-made records) spelled them."""
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        sid = journal.start_session(preset="IV", preset_path=None, preset_yaml=None,
                                    room="R", planned_s=600)
        journal.append(sid, "session_start", session_t=0, payload={"preset": "IV"})
        journal.append(sid, "phase_start", session_t=0, phase_index=0,
                       payload={"name": "Settle", "planned_s": 600, "planned_start_s": 0})
        journal.append(sid, "cue", session_t=5, phase_index=0,
                       payload={"prompt": "BP", "kind": "vitals"})
        journal.append(sid, "music", session_t=6, payload={"playlist": "p", "volume_pct": 30})
        journal.append(sid, "light", session_t=7, payload={"brightness_pct": 20, "kelvin": 2200})
        journal.append(sid, "device_error", session_t=8,
                       payload={"device": "lights", "error": "gone"})
        events = journal.events(sid)
        assert [event_summary(e) for e in events] == [
            "Session started: IV", "Phase 1 started: Settle", "Cue (vitals): BP",
            "Music: p volume 30 %", "Light: 20 % 2200 K", "Device error (lights): gone"]
        facts = session_facts.analyse(journal.session(sid), events)
        assert [(p.name, p.planned_s, p.planned_start_s) for p in facts.phases] == [
            ("Settle", 600.0, 0.0)]
        assert cue_kind(facts.cues[0].event.payload) == "vitals"


def test_a_notes_tags_now_are_one_rule_in_journal_order(tmp_path: Path) -> None:
    """The session report (``NoteRow.current_tags``) and the history view
    (``current_note_tags``) give every note the same tags: the last set, in ``seq``
    order, whatever order the events were gathered in."""
    with Journal(tmp_path / "sessions.sqlite3") as journal:
        sid = journal.start_session(preset="IV", preset_path=None, preset_yaml=None,
                                    room="R", planned_s=600)

        def write(entry: Note | NoteCorrection | NoteTags, t: float,
                  refers_to: int | None = None) -> int:
            return journal.append(sid, entry.kind, session_t=t, payload=entry.to_payload(),
                                  refers_to=refers_to)

        calm = write(Note("calm", ("dose",), "RN"), 1)
        write(NoteTags(("ready",), "RN"), 2, calm)
        fixed = write(NoteCorrection("calm, warm", "detail", "RN", ("dose", "ready")), 3, calm)
        write(NoteTags(("calm-music",), "RN"), 4, fixed)  # through the correction
        plain = write(Note("asked for water", (), "RN"), 5)
        write(NoteCorrection("asked for tea", "typo", "RN"), 6, plain)  # text only
        events = journal.events(sid)
        facts = session_facts.analyse(journal.session(sid), events)
    expected = {calm: ["calm-music"], plain: []}
    assert current_note_tags(events) == expected
    assert current_note_tags(reversed(events)) == expected
    assert {row.event.id: row.current_tags() for row in facts.notes} == expected


def test_every_summarised_kind_is_a_record_kind() -> None:
    assert set(SUMMARIES) <= set(RecordKind)
    assert set(session_facts._COLLECTORS) <= set(RecordKind)


_SPELLED_BY_HAND = re.compile(
    r"""(recorder\.record\(|self\._record\(|controller\.report\(|self\.report\("""
    r"""|(journal|self|writer)\.append\(\s*[\w.]+,)\s*["']""")


def test_no_writer_spells_a_kind_by_hand() -> None:
    """Every journal write goes through a RecordKind (and a builder), none through a string."""
    offenders = [f"{path.relative_to(PACKAGE)}:{text.count(chr(10), 0, m.start()) + 1}"
                 for path in PACKAGE.rglob("*.py")
                 for text in [path.read_text(encoding="utf-8")]
                 for m in _SPELLED_BY_HAND.finditer(text)
                 if "devices" not in path.parts and "admin_pin" not in path.name]
    assert offenders == []
