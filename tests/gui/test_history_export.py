"""The history view's export dialog: where it opens, what it writes, what it says."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from ketaroom.store.journal import Journal
from ketaroom.ui.history_view import HistoryView

pytestmark = pytest.mark.gui

EMOJI = "\N{SLIGHTLY SMILING FACE}"


@pytest.fixture
def journal(tmp_path: Path):
    (tmp_path / "records").mkdir()
    with Journal(tmp_path / "records" / "sessions.sqlite3") as journal:
        sid = journal.start_session(preset="IV infusion 40 min", preset_path=None,
                                    preset_yaml=None, room="Treatment room", planned_s=600)
        journal.append(sid, "session_start", session_t=0.0)
        journal.append(sid, "note", session_t=30.0, payload={"text": f"calm {EMOJI}"})
        journal.append(sid, "session_end", session_t=600.0, payload={"status": "completed"})
        journal.end_session(sid, "completed")
        yield journal


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home folder, and a working directory elsewhere (the "program folder")."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    program = tmp_path / "program"
    program.mkdir()
    monkeypatch.chdir(program)
    return home


def _view(qtbot, journal: Journal) -> HistoryView:
    view = HistoryView(journal)
    qtbot.addWidget(view)
    view.select_session(view.visible_ids()[0])
    return view


def _answer(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[str]:
    """Make the save dialog answer ``path`` (or cancel); returns the paths it proposed."""
    proposed: list[str] = []

    def fake_save(parent, caption, suggested, filters):
        proposed.append(suggested)
        return ("" if path is None else str(path)), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    return proposed


def test_dialog_opens_in_the_documents_folder(qtbot, journal, home, monkeypatch):
    (home / "Documents").mkdir()
    proposed = _answer(monkeypatch, None)
    assert _view(qtbot, journal).export_selected("pdf") is None
    [suggested] = proposed
    assert Path(suggested).parent == home / "Documents"
    assert Path(suggested).name.endswith(".pdf")


def test_dialog_opens_in_the_data_folder_without_documents(qtbot, journal, home, monkeypatch):
    proposed = _answer(monkeypatch, None)
    _view(qtbot, journal).export_selected("csv")
    [suggested] = proposed
    assert Path(suggested).parent == journal.path.parent
    assert Path(suggested).parent != Path.cwd()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_window_pdf_has_the_room_title_is_private_and_reports_the_marker(
    qtbot, journal, tmp_path, monkeypatch
):
    out = tmp_path / "report.pdf"
    _answer(monkeypatch, out)
    view = _view(qtbot, journal)
    old_umask = os.umask(0)
    try:
        assert view.export_selected("pdf") == out
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert text.splitlines()[0] == "Session report · Treatment room"
    assert "calm □" in text
    shown = view.status_label.text()
    assert f"Saved {out}" in shown and "U+1F642" in shown
    assert view.status_label.objectName() == "problem"  # the reader should look


def test_window_refuses_a_folder_and_writes_nothing(qtbot, journal, tmp_path, monkeypatch):
    folder = tmp_path / "reports.json"
    folder.mkdir()
    _answer(monkeypatch, folder)
    view = _view(qtbot, journal)
    assert view.export_selected("json") is None
    assert "Could not export" in view.status_label.text()
    assert "is a folder" in view.status_label.text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records", "reports.json"]
    assert list(folder.iterdir()) == []
