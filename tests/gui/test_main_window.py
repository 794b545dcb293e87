"""The clinician's window driven by clicks and keys, against the real demo bridge emulator."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ketaroom.core.timeline import Status
from ketaroom.devices.hue_emulator import Fault
from ketaroom.devices.lights import percent_to_bri
from ketaroom.store.journal import Journal
from ketaroom.store.session_records import EventRecord
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.notes_panel import AUTOSAVE_MS

pytestmark = pytest.mark.gui


def require_preset(window: MainWindow) -> None:
    """The test's preset loaded (bundled music and all): fail loudly, never skip."""
    assert window.preset is not None, (
        f"the fixture preset did not load: {window.session_panel.problems.toolTip()}")


def start(qtbot, window: MainWindow) -> None:
    if not window.patient_picker.code.text():  # each session needs its patient
        window.patient_picker.code.setText("PT-TEST")
    assert window.session_panel.start_button.isEnabled()
    qtbot.mouseClick(window.session_panel.start_button, Qt.MouseButton.LeftButton)
    assert window.live is not None
    assert window.live.session.state().status is Status.RUNNING


def journal_events(window: MainWindow) -> list[EventRecord]:
    live = window.live
    assert live is not None
    assert live.recorder.flush(5.0)
    with Journal(window.service.journal.path) as journal:
        return journal.events(live.session_id)


def test_start_pause_resume_extend_next_by_clicks_and_keys(qtbot, make_window) -> None:
    window = make_window()
    panel = window.session_panel
    assert not panel.pause_button.isEnabled()
    start(qtbot, window)
    session = window.live.session
    assert panel.phase_name.text() == "Arrival"
    assert not panel.picker.isEnabled()

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert session.state().status is Status.PAUSED
    assert panel.pause_button.text() == "Resume"
    qtbot.keyClick(window, Qt.Key.Key_Space)  # Space resumes
    assert session.state().status is Status.RUNNING

    before = session.state().phase_remaining_s
    qtbot.mouseClick(panel.extend_button, Qt.MouseButton.LeftButton)
    after = session.state().phase_remaining_s
    assert before is not None and after is not None
    assert after - before == pytest.approx(300, abs=1)

    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.confirm.isVisible()  # asks first, inline
    assert session.state().phase_index == 0
    qtbot.mouseClick(panel.confirm.yes, Qt.MouseButton.LeftButton)
    assert session.state().phase_index == 1
    qtbot.waitUntil(lambda: panel.phase_name.text() == "Deep", timeout=2000)

    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.confirm.cancel, Qt.MouseButton.LeftButton)
    assert session.state().phase_index == 1  # cancelled: nothing happened

    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.confirm.yes, Qt.MouseButton.LeftButton)
    assert session.state().status is Status.STOPPED
    assert panel.start_button.isEnabled()
    kinds = [e.kind for e in journal_events(window)]
    assert kinds[0] == "session_start" and kinds[-1] == "session_end"
    intents = [e.payload["intent"] for e in journal_events(window) if e.kind == "intent"]
    assert intents == ["pause", "resume", "extend", "next", "stop"]


def test_note_is_autosaved_after_typing_stops_and_edits_are_corrections(qtbot, make_window
                                                                         ) -> None:
    assert AUTOSAVE_MS <= 1000
    window = make_window()
    start(qtbot, window)
    notes = window.notes_panel
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(notes.editor.hasFocus, timeout=1000)
    qtbot.keyClicks(notes.editor, "Patient calm")
    qtbot.mouseClick(notes.tag_buttons["dissociation"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notes.saved.text().startswith("Saved"), timeout=AUTOSAVE_MS + 700)
    qtbot.keyClicks(notes.editor, ", eyes closed")
    qtbot.waitUntil(lambda: not notes.dirty, timeout=AUTOSAVE_MS + 700)

    events = journal_events(window)
    note = next(e for e in events if e.kind == "note")
    assert note.payload["text"] == "Patient calm"
    assert note.payload["tags"] == ["dissociation"]
    correction = next(e for e in events if e.kind == "note_correction")
    assert correction.refers_to == note.id
    assert correction.payload["text"] == "Patient calm, eyes closed"
    assert notes.history.count() == 1  # one note on screen, showing its latest text
    assert "eyes closed" in notes.history.item(0).text()


def test_vitals_cue_vitals_persisted_with_warning_and_typos_refused(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    cues = window.cue_panel
    qtbot.waitUntil(lambda: len(cues.waiting) == 1, timeout=4000)  # cue at 1 s
    card = cues.card(cues.waiting[0])
    assert card is not None and card.vitals_button is not None
    assert QApplication.activeModalWidget() is None  # no dialog was opened
    qtbot.mouseClick(card.vitals_button, Qt.MouseButton.LeftButton)
    notes = window.notes_panel
    assert notes.vital_edits["sys"].hasFocus()

    qtbot.keyClicks(notes.vital_edits["sys"], "19")  # a typo: 19 mmHg
    qtbot.keyClicks(notes.vital_edits["dia"], "95")
    qtbot.mouseClick(notes.record_vitals, Qt.MouseButton.LeftButton)
    assert "not plausible" in notes.vitals_message.text()
    assert len(cues.waiting) == 1  # refused: the cue still waits

    notes.vital_edits["sys"].clear()
    qtbot.keyClicks(notes.vital_edits["sys"], "190")
    qtbot.keyClicks(notes.vital_edits["hr"], "88")
    qtbot.keyClick(notes.vital_edits["hr"], Qt.Key.Key_Return)
    assert "above the clinic limit" in notes.vitals_message.text()
    assert cues.waiting == []  # recording vitals acknowledged the vitals cue

    events = journal_events(window)
    vitals = [e for e in events if e.kind == "vitals"]
    assert len(vitals) == 1
    assert vitals[0].payload["sys"] == 190 and vitals[0].payload["dia"] == 95
    assert any("Systolic 190" in w for w in vitals[0].payload["warnings"])
    assert any(e.kind == "cue_ack" for e in events)


def test_emergency_shortcut_reaches_the_bridge(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    emulator = window.service.emulator
    assert emulator is not None
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(40),
                    timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # not enough
    assert emulator.target_state(1).get("bri") == percent_to_bri(40)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: abs(emulator.target_state(1).get("bri", 0) - 203) <= 1,
                    timeout=2000)
    assert any(e.kind == "emergency" for e in journal_events(window))


def test_emergency_button_works_before_any_session(qtbot, make_window) -> None:
    window = make_window()
    emulator = window.service.emulator
    assert window.live is None and emulator is not None
    qtbot.mouseClick(window.emergency_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: abs(emulator.target_state(1).get("bri", 0) - 203) <= 1,
                    timeout=2000)


def test_brightness_slider_storm_is_paced_and_ends_on_the_last_move(qtbot, make_window
                                                                     ) -> None:
    window = make_window()
    start(qtbot, window)
    emulator = window.service.emulator
    assert emulator is not None
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(40),
                    timeout=3000)
    emulator.clear_log()
    slider = window.light_panel.brightness
    for i in range(50):
        slider.setValue(10 + (i * 7) % 80)
        qtbot.wait(10)
    last = slider.value()
    qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(last),
                    timeout=4000)
    group_puts = [r for r in emulator.requests() if r[1] == "PUT" and "/groups/" in r[2]]
    times = [r[0] for r in group_puts]
    assert len(times) <= 6
    for earlier, later in itertools.pairwise(times):
        assert later - earlier >= 0.9  # never more than one group command per second
    assert all(r[4] == 200 for r in group_puts)  # the bridge never had to refuse (429)
    manual = [e for e in journal_events(window) if e.kind == "light" and e.payload.get("manual")]
    assert 1 <= len(manual) <= 10  # a drag is a few journal entries, not fifty


def test_bridge_down_shows_a_banner_and_the_session_keeps_running(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    emulator = window.service.emulator
    assert emulator is not None and not window.banner.isVisible()
    emulator.set_fault(Fault.DOWN)
    window.light_panel.scene_buttons["Reading"].click()
    # the first failed command reports a device error at once; the health report that
    # turns the panel's line follows when the worker gives up on the bridge
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "lights" in window.banner.problems
    qtbot.waitUntil(lambda: "not reachable" in window.light_panel.health.text(), timeout=5000)
    assert window.live.session.state().status is Status.RUNNING
    qtbot.mouseClick(window.session_panel.pause_button, Qt.MouseButton.LeftButton)
    assert window.live.session.state().status is Status.PAUSED  # the UI still answers
    emulator.set_fault(Fault.NONE)
    qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=8000)


def test_broken_preset_is_explained_and_cannot_start(qtbot, make_window) -> None:
    window = make_window(preset="broken.yaml")
    panel = window.session_panel
    assert panel.problems.isVisible()
    assert "broken.yaml:4" in panel.problems.text()
    assert not panel.start_button.isEnabled()
    assert panel.select_preset(window.service.data_dir / "presets" / "a-lights-only.yaml")
    assert panel.start_button.isEnabled() and not panel.problems.isVisible()


def test_closing_mid_session_asks_and_records_stopped(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    asked: list[bool] = []
    window.confirm_close = lambda: asked.append(False) or False  # type: ignore[method-assign]
    window.close()
    assert asked and window.isVisible()
    assert window.live.session.state().status is Status.RUNNING
    path, session_id = window.service.journal.path, window.live.session_id
    window.confirm_close = lambda: True  # type: ignore[method-assign]
    window.close()
    assert not window.isVisible()
    with Journal(path) as journal:
        assert journal.session(session_id).status == "stopped"


def test_music_panel_shows_what_plays_and_volume_is_capped(qtbot, make_window) -> None:
    window = make_window(preset="with-music.yaml", audio="dummy")
    require_preset(window)
    start(qtbot, window)
    music = window.music_panel
    qtbot.waitUntil(lambda: music.now_playing.text() not in ("Silence", "Nothing playing"),
                    timeout=5000)
    music.volume.setValue(95)  # above the preset's max_volume 60
    assert music.volume.value() == 60
    qtbot.waitUntil(lambda: window.live.room.player.status().target_pct == 60, timeout=2000)
    qtbot.mouseClick(music.mute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.live.room.player.status().muted, timeout=2000)


def test_another_playlist_for_this_phase_crossfades_to_it(qtbot, make_window) -> None:
    window = make_window(preset="with-music.yaml", audio="dummy")
    require_preset(window)
    start(qtbot, window)
    picker = window.music_panel.playlist_picker
    index = next(i for i in range(picker.count())
                 if picker.itemData(i) is not None and picker.itemData(i).name == "deep.m3u")
    picker.activated.emit(index)
    player = window.live.room.player
    qtbot.waitUntil(lambda: player.status().playlist_label == "deep.m3u", timeout=5000)
    qtbot.waitUntil(lambda: player.status().track is not None
                    and player.status().track.stem.startswith(("deep", "still")), timeout=8000)
    assert player.status().target_pct == 40  # the phase's volume, kept
    assert picker.currentIndex() == 0  # back to the prompt, ready for another choice
    music = [e for e in journal_events(window) if e.kind == "music" and e.payload.get("manual")]
    assert music and music[-1].payload["playlist"] == "deep.m3u"


def test_lowering_the_room_volume_limit_mid_session_applies_at_once(qtbot, make_window
                                                                     ) -> None:
    from dataclasses import replace

    window = make_window(preset="with-music.yaml", audio="dummy")
    require_preset(window)
    start(qtbot, window)
    player = window.live.room.player
    qtbot.waitUntil(lambda: player.status().target_pct == 40, timeout=5000)
    window._on_settings_saved(replace(window.settings, max_volume_pct=25.0))
    qtbot.waitUntil(lambda: player.status().target_pct == 25, timeout=2000)
    window.music_panel.volume.setValue(60)  # the slider follows the new limit too
    assert window.music_panel.volume.value() == 25


def test_emergency_holds_until_the_clinician_resumes(qtbot, make_window, data_dir) -> None:
    """After Lights up / music off, the next phase must not dim the room again on its own:
    the session pauses; Resume brings the phase's light (and music) back."""
    from ketaroom.app import build_main_window
    from ketaroom.core.clock import ManualClock
    from ketaroom.store.settings import Settings

    clock = ManualClock()
    window = build_main_window(Settings(default_preset="a-lights-only.yaml"), data_dir,
                               demo=True, audio="none", clock=clock)
    window.confirm_close = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(window)
    window.show()
    try:
        start(qtbot, window)
        emulator = window.service.emulator
        assert emulator is not None
        qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(40),
                        timeout=3000)
        qtbot.mouseClick(window.emergency_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: abs(emulator.target_state(1).get("bri", 0) - 203) <= 1,
                        timeout=2000)
        session = window.live.session
        assert session.state().status is Status.PAUSED
        assert window.session_panel.pause_button.text() == "Resume"
        clock.advance(601)  # past the end of Arrival: Deep (10 %) would dim the room
        window.live.runner.tick()
        qtbot.wait(1500)
        assert session.state().phase_index == 0
        assert abs(emulator.target_state(1).get("bri", 0) - 203) <= 1

        qtbot.mouseClick(window.session_panel.pause_button, Qt.MouseButton.LeftButton)
        assert session.state().status is Status.RUNNING
        qtbot.waitUntil(lambda: emulator.target_state(1).get("bri") == percent_to_bri(40),
                        timeout=3000)  # the phase's light again, by the clinician's hand
        kinds = [e.kind for e in journal_events(window)]
        assert kinds.index("emergency") < len(kinds) - 1
        intents = [e.payload["intent"] for e in journal_events(window) if e.kind == "intent"]
        assert intents == ["pause", "resume"]
    finally:
        window.close()


def test_a_new_session_starts_with_an_empty_note(qtbot, make_window) -> None:
    """The previous patient's note must never slip into the next session's record."""
    window = make_window()
    start(qtbot, window)
    notes = window.notes_panel
    qtbot.keyClicks(notes.editor, "Patient A: nausea")
    qtbot.mouseClick(notes.tag_buttons["nausea"], Qt.MouseButton.LeftButton)
    window._on_stop()
    first = window.live.session_id
    start(qtbot, window)
    assert window.live.session_id != first
    assert notes.editor.toPlainText() == ""
    assert not any(b.isChecked() for b in notes.tag_buttons.values())
    qtbot.keyClicks(notes.editor, "Patient B calm")
    notes.flush()
    texts = [e.payload["text"] for e in journal_events(window) if e.kind == "note"]
    assert texts == ["Patient B calm"]


def test_music_fades_out_when_the_session_ends(qtbot, make_window) -> None:
    window = make_window(preset="with-music.yaml", audio="dummy")
    require_preset(window)
    start(qtbot, window)
    player = window.live.room.player
    qtbot.waitUntil(lambda: player.status().track is not None, timeout=5000)
    panel = window.session_panel
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.confirm.yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.status().track is None, timeout=10_000)
