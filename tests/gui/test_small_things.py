"""Small things a clinician hit (issue 12.7): keyboard focus, quitting, dark dialogs, labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
)

from ketaroom.core.timeline import Status
from ketaroom.store.admin_pin import AdminGate, AdminPin, admin_path
from ketaroom.ui.main_window import MainWindow
from ketaroom.ui.pin_dialog import PinDialog
from ketaroom.ui.preset_library_view import PresetLibraryView

pytestmark = pytest.mark.gui

NEAR_WHITE = 225
"""Every channel above this: brighter than any colour of the night palette (text is
#d6c6b0), so a white box, scrollbar, outline or icon."""


def near_white(image: QImage, skip: list[tuple[int, int, int, int]] = ()) -> int:
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            if any(left <= x < left + w and top <= y < top + h for left, top, w, h in skip):
                continue
            c = image.pixelColor(x, y)
            count += min(c.red(), c.green(), c.blue()) > NEAR_WHITE
    return count


def start(qtbot, window: MainWindow) -> None:
    if not window.patient_picker.code.text():  # each session needs its patient
        window.patient_picker.code.setText("PT-TEST")
    qtbot.mouseClick(window.session_panel.start_button, Qt.MouseButton.LeftButton)
    assert window.live is not None


def test_the_pin_pad_takes_the_keyboard_as_soon_as_it_opens(qtbot, tmp_path: Path) -> None:
    gate = AdminGate(AdminPin(admin_path(tmp_path)))
    dialog = PinDialog(gate, reason="Room settings need the admin PIN.")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.pad.field.hasFocus, timeout=1000)
    qtbot.keyClicks(QApplication.focusWidget(), "2580")
    assert dialog.pad.field.text() == "2580"


def test_the_locked_editor_pad_takes_the_keyboard_too(qtbot, make_window) -> None:
    window = make_window()
    window._on_open_presets()
    view = window._side_windows["presets"]
    assert isinstance(view, PresetLibraryView)
    pad = view.editor.pin_pad
    assert pad is not None and pad.isVisible()
    qtbot.waitUntil(pad.field.hasFocus, timeout=1000)


def test_ctrl_q_asks_while_a_session_runs(qtbot, make_window) -> None:
    window = make_window()
    start(qtbot, window)
    asked: list[bool] = []
    window.confirm_close = lambda: asked.append(True) or False  # type: ignore[method-assign]
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert asked == [True]
    assert window.isVisible()
    assert window.live.session.state().status is Status.RUNNING
    window.confirm_close = lambda: True  # type: ignore[method-assign]


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Escape])
def test_the_close_question_keeps_the_session_by_default(qtbot, make_window, key) -> None:
    window = make_window()
    start(qtbot, window)
    del window.confirm_close  # the real question, not the fixture's "yes"
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        default = box.defaultButton()
        seen.append(default.text() if default is not None else "")
        qtbot.keyClick(box, key)

    QTimer.singleShot(0, answer)
    window.close()
    assert seen == ["Keep running"]
    assert window.isVisible()
    assert window.live.session.state().status is Status.RUNNING
    window.confirm_close = lambda: True  # type: ignore[method-assign]


def test_file_dialogs_are_dark_and_scrollbars_have_no_light_parts(qtbot, make_window,
                                                                    tmp_path: Path) -> None:
    make_window()  # the app's theme
    assert QApplication.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    folder = tmp_path / "exports"
    for i in range(40):
        (folder / f"folder {i}").mkdir(parents=True)
        (folder / f"session {i:02d} of a long evening with a long file name.pdf").write_text("x")
    dialog = QFileDialog(None, "Export session as PDF", str(folder))
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    qtbot.addWidget(dialog)
    dialog.resize(700, 460)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: any("session 39" in v for v in _visible_texts(dialog)),
                    timeout=3000)
    name_field = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name_field is not None
    corner = name_field.mapTo(dialog, QPoint(0, 0))
    caret = [(corner.x(), corner.y(), name_field.width(), name_field.height())]  # text caret
    assert near_white(dialog.grab().toImage(), caret) == 0


def _visible_texts(dialog: QFileDialog) -> list[str]:
    from PySide6.QtWidgets import QTreeView

    view = dialog.findChild(QTreeView, "treeView")
    if view is None or view.model() is None:
        return []
    root = view.rootIndex()
    return [view.model().index(r, 0, root).data() or "" for r in
            range(view.model().rowCount(root))]


def test_the_preset_editor_labels_fit_at_its_default_size(qtbot, make_window) -> None:
    window = make_window()
    window._on_open_presets()
    view = window._side_windows["presets"]
    assert isinstance(view, PresetLibraryView)
    window.service.gate.set_first_pin("2580")
    view.list.setCurrentRow(0)
    assert view.editor.duplicate_to_edit() is not None
    qtbot.waitUntil(lambda: view.editor.pin_pad is None or not view.editor.pin_pad.isVisible(),
                    timeout=2000)
    clipped = [(w.text(), w.sizeHint().width(), w.width())
               for w in view.findChildren(QLabel) + view.findChildren(QCheckBox)
               if w.isVisible() and w.text() and not (isinstance(w, QLabel) and w.wordWrap())
               and w.sizeHint().width() > w.width()]
    assert clipped == []
