"""Start-up problems each keep their own banner line (issue 13.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaroom.app import build_main_window
from ketaroom.store.paths import journal_path
from ketaroom.store.settings import load_settings

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
