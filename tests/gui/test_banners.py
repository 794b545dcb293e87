"""Start-up problems each keep their own banner line (issue 13.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaroom.app import build_main_window
from ketaroom.devices.music import NO_AUDIO_OUTPUT, VlcPlayer
from ketaroom.devices.music.engine import NO_OUTPUT_MESSAGE
from ketaroom.store.paths import journal_path
from ketaroom.store.settings import load_settings
from ketaroom.ui.banner import ADVICE

pytestmark = pytest.mark.gui


def test_damaged_records_and_damaged_settings_are_both_reported(qtbot, data_dir: Path
                                                                 ) -> None:
    records = journal_path(data_dir)
    records.parent.mkdir(parents=True, exist_ok=True)
    records.write_bytes(b"this is not a database " * 200)
    (data_dir / "settings.json").write_text("{ not json", encoding="utf-8")
    window = build_main_window(load_settings(data_dir), data_dir, demo=True, audio="none")
    qtbot.addWidget(window)
    try:
        window.show()
        problems = window.banner.problems
        assert len(problems) == 2
        texts = " ".join(message for message, _ in problems.values())
        assert "records file was damaged" in texts  # why the history is empty
        assert "settings.json" in texts and "using defaults" in texts
        assert window.banner.isVisible()
        assert "records file was damaged" in window.banner.text.text()
    finally:
        window.close()


def test_no_audio_output_has_its_own_advice(qtbot, make_window) -> None:
    """The engine's "no audio output" report (its detection: test_music_vlc.py) reaches the
    banner with what a clinician can do about it, not the generic music advice."""
    window = make_window(audio="dummy")
    player = window.service.room.player
    assert isinstance(player, VlcPlayer)
    player._report("device_error", NO_OUTPUT_MESSAGE, None, problem=NO_AUDIO_OUTPUT)
    qtbot.waitUntil(lambda: "music" in window.banner.problems, timeout=5000)
    message, advice = window.banner.problems["music"]
    assert message == f"Music: {NO_OUTPUT_MESSAGE}"
    assert advice == ADVICE[NO_AUDIO_OUTPUT] != ADVICE["music"]
    assert "speakers are switched on" in advice and "Room settings → Audio output" in advice
    assert "speakers are switched on" in window.banner.text.text()
    window.service.room.player._report("warning", "cannot play x.ogg: empty — skipped", None)
    qtbot.waitUntil(lambda: window.banner.problems["music"][1] == ADVICE["music"],
                    timeout=5000)  # any other music problem keeps the music advice
