"""The kill test: ``ketaroom rehearse`` killed with SIGKILL mid-session, then resumed.

A real subprocess runs a five-phase preset at speed 20 (5 planned minutes → 15 s) and
prints its events as JSON lines. Once three phases have begun it is killed with
SIGKILL. The record must then show the session ``interrupted``, hold every event
the process printed, and resume (paused) in the phase that was running.

Interrupted rather than killed (SIGINT, SIGTERM, SIGHUP — also when started with SIGINT
ignored, as ``timeout`` does), rehearse ends the record as ``stopped`` and exits 130.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from ketaroom.core.clock import ManualClock
from ketaroom.core.timeline import IntentKind, Status, timeline_at
from ketaroom.session.recorder import SessionRecorder
from ketaroom.session.recovery import (
    RecoveryError,
    RecoveryMode,
    close_session,
    load_interrupted,
    mark_recovered,
    plan_recovery,
    recovery_intents,
)
from ketaroom.store.journal import Journal
from ketaroom.store.paths import journal_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")

ROOT = Path(__file__).resolve().parents[2]
SPEED = 20.0
PRESET = """\
name: Kill test five phases
phases:
  - name: Arrival
    duration: 1m
    light: {brightness: 50, kelvin: 2700, transition: 5s}
    cues:
      - {at: 20s, prompt: Baseline BP, kind: vitals}
  - name: Onset
    duration: 1m
    cues:
      - {at: 30s, prompt: How is the patient?, kind: note}
  - name: Deep
    duration: 1m
    light: {brightness: 10, kelvin: 2000, transition: 10s}
  - name: Return
    duration: 1m
    cues:
      - {at: 10s, prompt: Check in, kind: reminder}
  - name: Integration
    duration: 1m
"""


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "KETAROOM_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen",
            "PYTHONUNBUFFERED": "1"}


def _ketaroom(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ketaroom", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, env=_env(data), timeout=60, cwd=ROOT)


def _pump(stream, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _start_rehearse(tmp_path: Path, *, stderr: int,
                    preexec_fn: Callable[[], object] | None = None,
                    ) -> tuple[Path, Path, subprocess.Popen[str]]:
    """``ketaroom rehearse`` of :data:`PRESET` in a subprocess: (preset, data dir, process)."""
    preset = tmp_path / "kill.yaml"
    preset.write_text(PRESET, encoding="utf-8")
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", str(SPEED),
         "--json", "--audio", "none", "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=_env(data), cwd=ROOT,
        preexec_fn=preexec_fn)
    return preset, data, proc


@pytest.fixture(scope="module")
def killed_once(tmp_path_factory: pytest.TempPathFactory):
    """Run rehearse, kill it in phase 3: (data dir, printed records, preset path)."""
    tmp_path = tmp_path_factory.mktemp("kill")
    preset, data, proc = _start_rehearse(tmp_path, stderr=subprocess.PIPE)
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    printed: list[dict] = []
    phase_starts = 0
    deadline = time.monotonic() + 30
    try:
        while phase_starts < 3:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line is not None, f"rehearse ended early: {proc.stderr.read()}"
            record = json.loads(line)
            printed.append(record)
            phase_starts += record["event"] == "phase_start"
        # Phase 3 ("Deep") has begun at t=120; nothing else is due before t=180 (3 s real).
        # Let the recorder thread commit what was just printed, then kill mid-phase.
        time.sleep(0.4)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    while True:  # whatever was printed before the kill and still sat in the pipe
        line = lines.get_nowait() if not lines.empty() else None
        if line is None:
            break
        printed.append(json.loads(line))
    assert proc.returncode == -signal.SIGKILL
    proc.stderr.close()
    return data, printed, preset


@pytest.fixture
def killed(killed_once, tmp_path: Path):
    """A private copy of the killed session's data dir (tests may resume or close it)."""
    data, printed, preset = killed_once
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    return copy, printed, preset


def _session_id(data: Path) -> int:
    result = _ketaroom("sessions", "--json", data=data)
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 1
    return int(records[0]["id"])


def test_killed_session_is_interrupted_with_every_printed_event(killed):
    data, printed, _preset = killed
    result = _ketaroom("sessions", "--json", data=data)
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["status"] == "interrupted"
    assert record["ended_at"] is None
    assert record["preset"] == "Kill test five phases"

    with Journal(journal_path(data)) as journal:
        events = journal.events(record["id"])
    assert [p["event"] for p in printed if p["event"] == "phase_start"] == ["phase_start"] * 3
    printed_seq = [(p["event"], round(float(p["t"]), 3)) for p in printed]
    journaled = [(e.kind, round(e.session_t, 3)) for e in events]
    # every printed event is in the journal, in the same order (the journal has more:
    # intents, device reports)
    it = iter(journaled)
    missing = [item for item in printed_seq if not any(item == j for j in it)]
    assert not missing, f"printed but not journaled: {missing}\njournal: {journaled}"
    assert not any(e.kind == "session_end" for e in events)


def test_resume_paused_picks_up_in_the_phase_that_was_running(killed):
    data, printed, _preset = killed
    session_id = _session_id(data)
    running_phase = [p for p in printed if p["event"] == "phase_start"][-1]
    with Journal(journal_path(data)) as journal:
        interrupted = load_interrupted(journal, session_id)
    assert interrupted.can_resume, interrupted.error
    assert interrupted.preset is not None
    assert interrupted.phase_index == 2
    assert interrupted.phase_name == running_phase["phase"] == "Deep"
    assert interrupted.record.speed == SPEED
    assert 120 <= interrupted.crashed_t < 180

    clock = ManualClock(50_000.0)
    intents = recovery_intents(interrupted, RecoveryMode.PAUSED, clock,
                             now_wall=interrupted.crashed_wall + 3600)
    assert intents[-1].kind is IntentKind.PAUSE
    state = timeline_at(interrupted.preset, intents, clock.now(), open_as_expected=True)
    assert state.status is Status.PAUSED
    assert state.phase_index == 2
    assert 120 <= state.active_s < 180

    # "as if it kept running": 3 wall seconds at speed 20 later is a minute on
    running = recovery_intents(interrupted, RecoveryMode.RUNNING, clock,
                             now_wall=interrupted.crashed_wall + 3.0)
    later = timeline_at(interrupted.preset, running, clock.now(), open_as_expected=True)
    assert later.status is Status.RUNNING
    assert later.phase_index == 3


def test_resume_plan_restores_the_phase_and_is_recorded(killed):
    data, _printed, _preset = killed
    session_id = _session_id(data)
    with Journal(journal_path(data)) as journal:
        interrupted = load_interrupted(journal, session_id)
        clock = ManualClock(10_000.0)
        plan = plan_recovery(interrupted, RecoveryMode.PAUSED, clock,
                           now_wall=interrupted.crashed_wall + 60, open_as_expected=True)
        assert plan.state.phase_index == 2
        assert plan.light is not None and plan.light.brightness_pct == 10  # Deep's light
        assert plan.music is not None and plan.music.tracks == ()  # Deep is silent
        assert plan.missed == ()
        assert plan.session.poll() == []  # past events are not dispatched again
        mark_recovered(journal, plan)
        recorder = SessionRecorder(journal)
        try:
            recorder.adopt(session_id, session_t=plan.session_t)
        finally:
            recorder.close()
        assert journal.session(session_id).status == "running"  # owned by this process
        with pytest.raises(RecoveryError, match="still running"):
            load_interrupted(journal, session_id)
        events = journal.events(session_id)
        assert [e.kind for e in events][-2:] == ["intent", "resume"]
        assert events[-2].payload["synthetic"] is True

        # A second crash before anyone pressed Resume: it still stands where it was.
        with sqlite3.connect(journal.path) as conn:
            conn.execute("UPDATE sessions SET pid = 999999999 WHERE id = ?", (session_id,))
        again = load_interrupted(journal, session_id)
        assert again.paused
        for mode in RecoveryMode:
            state = plan_recovery(again, mode, ManualClock(90_000.0), open_as_expected=True,
                                now_wall=again.crashed_wall + 7200).state
            assert state.status is Status.PAUSED
            assert state.phase_index == 2
            # walls are journaled to the millisecond: x speed 20, up to ~0.02 s apart
            assert state.active_s == pytest.approx(plan.state.active_s, abs=0.05)


def test_close_keeps_the_record(killed):
    data, _printed, _preset = killed
    session_id = _session_id(data)
    with Journal(journal_path(data)) as journal:
        close_session(journal, session_id)
        assert journal.interrupted_sessions() == []
        assert journal.events(session_id)[-1].kind == "session_end"
    [record] = json.loads(_ketaroom("sessions", "--json", data=data).stdout)
    assert record["status"] == "interrupted"
    assert record["ended_at"] is not None


def test_kill_right_after_a_printed_line_loses_nothing(tmp_path: Path):
    _preset, data, proc = _start_rehearse(tmp_path, stderr=subprocess.DEVNULL)
    printed = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            printed.append(json.loads(line))
            if printed[-1]["event"] == "phase_start" and printed[-1]["t"] > 0:
                proc.send_signal(signal.SIGKILL)  # no grace period at all
                break
        proc.wait(timeout=10)
        printed += [json.loads(line) for line in proc.stdout.read().splitlines()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with Journal(journal_path(data)) as journal:
        journaled = {(e.kind, round(e.session_t, 3)) for e in journal.events(1)}
    lost = [(p["event"], p["t"]) for p in printed
            if (p["event"], round(float(p["t"]), 3)) not in journaled]
    assert not lost


def _ignore(signum: int) -> Callable[[], object]:
    """A ``preexec_fn`` that starts the child with ``signum`` ignored, as ``timeout`` (SIGINT
    in a background job) or ``nohup`` (SIGHUP) do."""
    return lambda: signal.signal(signum, signal.SIG_IGN)


def _read_until_phase(proc: subprocess.Popen[str], count: int) -> list[dict]:
    """What rehearse prints until its ``count``-th phase has begun."""
    assert proc.stdout is not None
    printed = []
    for line in proc.stdout:
        printed.append(json.loads(line))
        if sum(p["event"] == "phase_start" for p in printed) == count:
            return printed
    raise AssertionError(f"rehearse ended early: {printed}")


@pytest.mark.parametrize(("signum", "ignored_at_start"), [
    (signal.SIGINT, None), (signal.SIGTERM, None), (signal.SIGHUP, None),
    (signal.SIGINT, signal.SIGINT),  # `timeout -s INT` runs its child with SIGINT ignored
], ids=["SIGINT", "SIGTERM", "SIGHUP", "SIGINT-ignored-at-start"])
def test_interrupted_rehearse_ends_the_record_as_stopped_and_exits_130(
        tmp_path: Path, signum: int, ignored_at_start: int | None):
    preexec = _ignore(ignored_at_start) if ignored_at_start is not None else None
    _preset, data, proc = _start_rehearse(tmp_path, stderr=subprocess.PIPE, preexec_fn=preexec)
    try:
        printed = _read_until_phase(proc, 2)
        proc.send_signal(signum)
        rest, errors = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    printed += [json.loads(line) for line in rest.splitlines()]
    assert proc.returncode == 130, errors
    assert "Traceback" not in errors
    assert printed[-1]["event"] == "session_end" and printed[-1]["status"] == "stopped"
    assert not [p for p in printed if p["event"] == "device_error"], printed
    with Journal(journal_path(data)) as journal:
        [record] = journal.sessions()
        events = journal.events(record.id)
    assert record.status == "stopped" and record.ended_at is not None
    [end] = [e for e in events if e.kind == "session_end"]  # device reports may follow it
    assert end.payload["status"] == "stopped"
    assert 60 <= end.session_t < 120  # in the second phase, where it was stopped
    assert [e.payload for e in events if e.kind == "signal"] == [
        {"signal": signal.Signals(signum).name}]


def test_sighup_ignored_at_start_is_respected(tmp_path: Path):
    """Under ``nohup`` the session outlives the terminal; SIGTERM still stops it."""
    _preset, _data, proc = _start_rehearse(tmp_path, stderr=subprocess.PIPE,
                                           preexec_fn=_ignore(signal.SIGHUP))
    try:
        _read_until_phase(proc, 2)
        proc.send_signal(signal.SIGHUP)
        printed = _read_until_phase(proc, 1)  # the third phase begins: still running
        assert printed[-1]["phase_index"] == 2
        proc.send_signal(signal.SIGTERM)
        rest, errors = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, errors
    assert json.loads(rest.splitlines()[-1])["status"] == "stopped"


# --------------------------------------------------------------------------- no subprocess


def _crashed_session(tmp_path: Path, *, preset_yaml: str | None, preset_path: str | None
                     ) -> tuple[Journal, int]:
    journal = Journal(tmp_path / "sessions.sqlite3")
    sid = journal.start_session(preset="Kill test five phases", preset_path=preset_path,
                                preset_yaml=preset_yaml, room="Room 1", planned_s=300.0)
    journal.append(sid, "session_start", session_t=0.0,
                   payload={"preset": "Kill test five phases"})
    journal.append(sid, "phase_start", session_t=60.0, phase_index=1, payload={"phase": "Onset"})
    journal.append(sid, "intent", session_t=70.0, phase_index=1,
                   payload={"intent": "pause", "amount_s": None})
    with sqlite3.connect(journal.path) as conn:  # its process is gone
        conn.execute("UPDATE sessions SET pid = 999999999 WHERE id = ?", (sid,))
    return journal, sid


def test_unreadable_preset_gives_a_message_and_can_only_be_closed(tmp_path: Path):
    journal, sid = _crashed_session(tmp_path, preset_yaml="name: [broken",
                                    preset_path=str(tmp_path / "gone.yaml"))
    with journal:
        interrupted = load_interrupted(journal, sid)
        assert not interrupted.can_resume
        assert interrupted.error is not None
        assert "could not be loaded" in interrupted.error and "gone.yaml" in interrupted.error
        assert interrupted.phase_index == 1 and interrupted.paused
        with pytest.raises(RecoveryError):
            plan_recovery(interrupted, RecoveryMode.PAUSED, ManualClock())
        close_session(journal, sid)
        with pytest.raises(RecoveryError, match="already ended"):
            load_interrupted(journal, sid)
        with pytest.raises(RecoveryError, match="no session 99"):
            load_interrupted(journal, 99)


def test_stored_copy_wins_and_file_is_the_fallback(tmp_path: Path):
    preset_file = tmp_path / "kill.yaml"
    preset_file.write_text(PRESET, encoding="utf-8")
    journal, sid = _crashed_session(tmp_path, preset_yaml=None, preset_path=str(preset_file))
    with journal:
        interrupted = load_interrupted(journal, sid)
        assert interrupted.can_resume
        assert interrupted.preset is not None and len(interrupted.preset.phases) == 5
        plan = plan_recovery(interrupted, RecoveryMode.RUNNING, ManualClock(),
                           now_wall=interrupted.crashed_wall + 3600)
        assert plan.state.status is Status.PAUSED  # it was paused when the app died
        assert plan.added_pause is None


@pytest.mark.gui
def test_resume_dialog_reports_the_choice(qtbot, tmp_path: Path):
    from ketaroom.ui.recovery_dialog import RecoveryChoice, RecoveryDialog

    journal, sid = _crashed_session(tmp_path, preset_yaml=PRESET, preset_path=None)
    with journal:
        interrupted = load_interrupted(journal, sid)
    for button_name, choice in (("running_button", RecoveryChoice.RUNNING),
                                ("paused_button", RecoveryChoice.PAUSED),
                                ("close_button", RecoveryChoice.CLOSE)):
        dialog = RecoveryDialog(interrupted)
        qtbot.addWidget(dialog)
        assert "Kill test five phases" in dialog.preset_label.text()
        assert "phase 2 of 5 “Onset”" in dialog.stopped_label.text()
        assert "01:10 session time" in dialog.stopped_label.text()
        assert "paused" in dialog.stopped_label.text()
        assert dialog.paused_button.isDefault()
        QTimer.singleShot(0, getattr(dialog, button_name).click)
        assert dialog.exec() == dialog.DialogCode.Accepted
        assert dialog.choice is choice
    assert RecoveryChoice.PAUSED.mode is RecoveryMode.PAUSED
    assert RecoveryChoice.CLOSE.mode is None


@pytest.mark.gui
def test_resume_dialog_without_a_preset_offers_only_close(qtbot, tmp_path: Path):
    from ketaroom.ui.recovery_dialog import RecoveryDialog

    journal, sid = _crashed_session(tmp_path, preset_yaml=None, preset_path=None)
    with journal:
        interrupted = load_interrupted(journal, sid)
    dialog = RecoveryDialog(interrupted)
    qtbot.addWidget(dialog)
    assert dialog.problem_label is not None
    assert "cannot be resumed" in dialog.problem_label.text()
    assert not dialog.running_button.isEnabled() and not dialog.paused_button.isEnabled()
    assert dialog.close_button.isEnabled()
    dialog.reject()
    assert dialog.choice is None
