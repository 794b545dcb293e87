"""The preset editor's shell: the document, undo, saving, the PIN gate and the layout.

:class:`PresetEditor` holds the document, a ruamel round-trip tree
(:mod:`ketaroom.core.preset_yaml`); every form edit goes through :meth:`PresetEditor.edit`,
which changes it in place (saving keeps the file's comments and key order) and pushes a
snapshot (the dumped text before and after) on a :class:`QUndoStack`; typing in one field
merges into one undo step. The widgets are laid out by
:func:`~ketaroom.ui.preset_editor.layout.build_edit_page`; the parts: the phase table
(:mod:`~ketaroom.ui.preset_editor.phase_table`), the form of one phase
(:mod:`~ketaroom.ui.preset_editor.phase_form`), the checks
(:mod:`~ketaroom.ui.preset_editor.problems`) and the room previews
(:mod:`~ketaroom.ui.preset_editor.preview_controls`).

Live validation re-runs the one validation function,
:func:`ketaroom.core.validation.validate_text`, ~300 ms after the last edit; each problem's
field path (:attr:`~ketaroom.core.validation.Problem.where`) flags the field at fault.
Saving validates again and writes atomically only when the preset is valid.

Shipped presets open read-only with *Duplicate to edit*. With an
:class:`ketaroom.store.admin_pin.AdminGate`, the form is hidden behind a PIN pad until unlocked
and again after the gate's idle time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from ruamel.yaml.comments import CommentedMap

from ketaroom.core import preset_yaml, safe_read
from ketaroom.core.preset_library import PresetLibrary
from ketaroom.core.validation import MAX_PRESET_BYTES, LoadResult, validate_text
from ketaroom.store.admin_pin import AdminGate
from ketaroom.ui.pin_dialog import PinPad
from ketaroom.ui.preset_editor.common import (
    local_style,
    playlist_choices,
    text_of,
)
from ketaroom.ui.preset_editor.gate import PinGuard
from ketaroom.ui.preset_editor.layout import build_edit_page
from ketaroom.ui.preset_editor.problems import ProblemList, mark_fields
from ketaroom.ui.preset_editor.undo import Snapshot
from ketaroom.ui.preview import RoomPreview

__all__ = ["PresetEditor"]

VALIDATE_DELAY_MS = 300


class PresetEditor(QWidget):
    """Edit one preset. ``path=None`` starts a new preset (saved into the clinic folder).

    ``library`` gives the folders (clinic, shipped, playlists) and the audit trail;
    ``gate`` (optional) guards the form with the admin PIN; ``preview`` (optional) lets
    the form preview a phase on the room's devices.
    """

    saved = Signal(Path)
    duplicated = Signal(Path)

    def __init__(self, library: PresetLibrary, path: Path | None = None, *,
                 gate: AdminGate | None = None, preview: RoomPreview | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetEditor")
        self.setWindowTitle("Preset editor")
        self.library, self.gate, self.preview = library, gate, preview
        self.path: Path | None = None
        self.read_only = False
        self.result: LoadResult | None = None
        self._doc: CommentedMap = preset_yaml.new_document()
        self._text = preset_yaml.dump(self._doc)
        self._updating = False
        self.phase_index = -1
        self.undo_stack = QUndoStack(self)
        self._validate_timer = QTimer(self, singleShot=True, interval=VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate_now)

        self.stack = QStackedWidget(self)
        self.guard = None if gate is None else PinGuard(gate, self.stack, self,
                                                        self.stop_previews)
        self.pin_pad: PinPad | None = None if self.guard is None else self.guard.pin_pad
        self.edit_page = build_edit_page(self)  # sets the widget attributes (title, form…)
        self.stack.addWidget(self.edit_page)
        if self.guard is not None:
            self.guard.edit_page = self.edit_page
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.setStyleSheet(local_style())
        self._check_gate()
        self.open(path)
        self.previews.tick()

    def open(self, path: Path | None) -> None:
        """Show the preset at ``path`` (``None``: a new preset). Clears undo history."""
        self.stop_previews()
        self.path = Path(path) if path is not None else None
        self.read_only = self.path is not None and self.library.is_shipped(self.path)
        self.phase_index = -1
        load_error = ""
        if self.path is None:
            text = preset_yaml.dump(preset_yaml.new_document())
        else:
            try:
                text = safe_read.read_text(self.path, MAX_PRESET_BYTES)  # never a FIFO
                preset_yaml.load(text)
            except (OSError, UnicodeDecodeError, preset_yaml.PresetYamlError) as exc:
                load_error = str(exc)
                text = ""
        self.undo_stack.clear()
        if load_error:
            # Not editable as a form: show why (same messages as `ketaroom validate`).
            self.read_only = True
            self._doc, self._text = CommentedMap(), ""
            self.result = self.library.validate(self.path) if self.path else None
            self._refresh()
            self._show_problems()
            self.status.setText("Fix this file in a text editor first.")
            return
        self._restore(text)
        self.undo_stack.setClean()
        self.status.setText("")
        self.validate_now()

    def _restore(self, text: str) -> None:
        """Make ``text`` the document (undo/redo/open) and redraw everything."""
        self._doc = preset_yaml.load(text)
        self._text = text
        self._refresh()
        self._validate_timer.start()
        self.previews.light_edited()

    def edit(self, key: str, change: Callable[[], None]) -> None:
        """Apply one form change to the document and record it for undo."""
        if self._updating or self.read_only:
            return
        if self.gate is not None:
            self.gate.touch()
        before = self._text
        change()
        after = preset_yaml.dump(self._doc)
        if after == before:
            return
        self._text = after
        self.undo_stack.push(Snapshot(self._restore, before, after, key))
        self._refresh_table()
        if not key.startswith(("field:", "cue:")):
            self._refresh_phase_form()  # sections, cues or the open state changed shape
        self._validate_timer.start()
        self.previews.light_edited()
        if key == "field:name":
            self._update_title()  # the name as typed, not as it was when first changed

    def text(self) -> str:
        """The document as it would be saved."""
        return self._text

    def document(self) -> CommentedMap:
        return self._doc

    def current_phase(self) -> CommentedMap | None:
        try:
            return preset_yaml.phase(self._doc, self.phase_index)
        except (IndexError, preset_yaml.PresetYamlError):
            return None

    # -- phases

    def add_phase(self) -> None:
        index = self.phase_index + 1 if self.phase_index >= 0 else None
        holder: list[int] = []
        self.edit("add phase", lambda: holder.append(
            preset_yaml.add_phase(self._doc, "New phase", "10m", index)))
        if holder:
            self.select_phase(holder[0])

    def remove_phase(self) -> None:
        index = self.phase_index
        if index < 0:
            return
        self.edit("remove phase", lambda: preset_yaml.remove_phase(self._doc, index))
        self.select_phase(min(index, len(preset_yaml.phases(self._doc)) - 1))

    def move_phase(self, source: int, target: int) -> None:
        count = len(preset_yaml.phases(self._doc))
        if not (0 <= source < count and 0 <= target < count) or source == target:
            return
        self.edit("move phase", lambda: preset_yaml.move_phase(self._doc, source, target))
        self.select_phase(target)

    def select_phase(self, index: int) -> None:
        self.phases.select(index)
        self._on_phase_selected(index)

    def _on_phase_selected(self, index: int) -> None:
        if self._updating:
            return
        if index != self.phase_index:
            self.stop_previews()  # a preview is of one phase
        self.phase_index = index
        self._refresh_phase_form()
        self._mark_problems()

    # ================================================================= redraw

    def _refresh(self) -> None:
        self._updating = True
        try:
            self.preset_fields.fill(self._doc)
        finally:
            self._updating = False
        self._refresh_table()
        count = self.phase_model.rowCount()
        self.select_phase(min(max(self.phase_index, 0), count - 1) if count else -1)
        self._apply_read_only()
        self._update_title()

    def _refresh_table(self) -> None:
        self._updating = True
        try:
            self.phases.set_document(self._doc, self.phase_index)
        finally:
            self._updating = False

    def _refresh_phase_form(self) -> None:
        item = self.current_phase()
        self.form.setEnabled(item is not None and not self.read_only)
        self.form.setVisible(item is not None or self.read_only)
        self._updating = True
        try:
            self.form.fill(item if item is not None else CommentedMap(),
                           playlist_choices(self.library.playlist_dirs))
        finally:
            self._updating = False
        self.phases.show_state(self.phase_index if item is not None else -1,
                               editable=not self.read_only)

    def _apply_read_only(self) -> None:
        editable = not self.read_only
        self.banner.setVisible(self.read_only and self.path is not None
                               and self.library.is_shipped(self.path))
        self.preset_fields.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.phases.show_state(self.phase_index if self.current_phase() is not None else -1,
                               editable=editable)

    def _update_title(self, *_args: object) -> None:
        name = text_of(self._doc.get("name")) or "Untitled preset"
        where = ("shipped, read-only" if self.read_only and self.path is not None
                 else self.path.name if self.path is not None else "new, not saved yet")
        dirty = "" if self.undo_stack.isClean() else " •"
        self.title.setText(f"{name}{dirty}")
        self.title.set_tip(str(self.path) if self.path else where)
        self.setWindowTitle(f"{name}{dirty} — {where}")

    # ================================================================= validation

    def validate_now(self) -> LoadResult:
        """Validate the current text now (the debounce timer calls this)."""
        self._validate_timer.stop()
        where = self.path if self.path is not None else self.library.clinic_dir / "new.yaml"
        self.result = validate_text(self._text, where, playlist_dirs=self.library.playlist_dirs)
        self._show_problems()
        return self.result

    def problems(self) -> list[str]:
        """The messages currently shown, as ``Line N: message`` (a calm line when none)."""
        return self.problem_list.messages()

    def _show_problems(self) -> None:
        self.problem_list.show_result(self.result)
        self._mark_problems()

    def _mark_problems(self) -> None:
        """Flag the fields at fault for the shown phase; list its messages under the form."""
        fields = {**self.preset_fields.field_widgets(), **self.form.field_widgets()}
        messages = mark_fields(self.result.problems if self.result else (), self.phase_index,
                               fields)
        self.phase_problems.setText("\n".join(messages))
        self.phase_problems.setVisible(bool(messages))

    def _on_problem_clicked(self, item: QListWidgetItem) -> None:
        phase, line_no = ProblemList.place_of(item)
        if phase is None and isinstance(line_no, int):
            phase = preset_yaml.phase_at_line(self._doc, line_no)
        if phase is not None:
            self.select_phase(phase)

    # ================================================================= saving

    def save(self) -> bool:
        """Validate and write (atomically). False, with the problems shown, when invalid."""
        if self.read_only:
            return False
        if self.gate is not None and not self.gate.is_unlocked():
            self._check_gate()
            return False
        target = self.path or self.library.unique_path(text_of(self._doc.get("name")) or "preset")
        try:
            self.result = preset_yaml.save(self._doc, target,
                                           playlist_dirs=self.library.playlist_dirs)
        except OSError as exc:
            self.status.setText(f"Not saved: {exc.strerror or exc}")
            return False
        self._show_problems()
        if not self.result.ok:
            count = len(self.result.problems)
            self.status.setText(f"Not saved: {count} problem{'s' * (count != 1)} to fix first")
            return False
        self.path = target
        self.library.record_save(target)
        self.undo_stack.setClean()
        self.status.setText(time.strftime("Saved %H:%M"))
        self._update_title()
        self.saved.emit(target)
        return True

    def duplicate_to_edit(self) -> Path | None:
        """Copy the shown (shipped) preset into the clinic folder and open the copy."""
        if self.path is None:
            return None
        name = f"{text_of(self._doc.get('name')) or self.path.stem} (clinic copy)"
        try:
            copy = self.library.duplicate(self.path, name)
        except (OSError, preset_yaml.PresetYamlError) as exc:
            self.status.setText(f"Could not duplicate: {exc}")
            return None
        self.open(copy)
        self.duplicated.emit(copy)
        return copy

    # ================================================================= previews, PIN gate

    def stop_previews(self) -> None:
        """End both previews: the music fades out; the room keeps a previewed light."""
        self.previews.stop()

    def _on_preview_tick(self) -> None:
        self.previews.tick()

    def is_locked(self) -> bool:
        return self.guard is not None and self.guard.is_locked()

    def _check_gate(self) -> None:
        if self.guard is not None:
            self.guard.check()

    def closeEvent(self, event: Any) -> None:
        if self.guard is not None:
            self.guard.close()
        self.stop_previews()
        super().closeEvent(event)
