"""The patient's preferences in Clinic → Patients: what carries over to every session.

:class:`PreferencesForm` edits a :class:`~ketaroom.core.preferences.PatientPreferences`:
the comfortable volume ("As the preset" when none), the never-play list (tracks or
playlists: picked from the clinic's and the shipped playlists and their tracks, or typed),
and the warmer / dimmer light offsets. What they do to a session is in
``docs/presets.md`` ("A patient's preferences").

In the patient view's *Clinic* mode the form shows this room's preferences read-only
(they are not on the clinic's server) with one calm line saying so.

Reading the patient is a small indexed query on the main thread, like the rest of the
patient view; saving and gathering the names to offer (reading playlists from disk) run on
a worker thread (:class:`~ketaroom.ui.background_call.BackgroundCall`), so a slow disk never
freezes the window.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ketaroom.core.clinical import ClinicalInputError
from ketaroom.core.playlists import read_playlist
from ketaroom.core.preferences import MAX_ENTRY_CHARS, WARMER_MAX_K, PatientPreferences
from ketaroom.store.journal import JournalError
from ketaroom.store.paths import playlist_files
from ketaroom.store.patients import PatientStore
from ketaroom.ui.background_call import BackgroundCall
from ketaroom.ui.widgets import muted_label, show_status

TITLE = "Preferences — carried to every session of this patient"
CLINIC_TITLE = "Preferences in this room — read-only in Clinic"
AS_PRESET = "As the preset"
NO_CHANGE = "No change"
CLINIC_LINE = ("This room's preferences, read-only here: they stay on each room's PC and "
               "are not on the clinic's server. Change them in This room.")
CLINIC_NONE = ("No preferences for {code} in this room: preferences stay on the PC of the "
               "room that set them and are not on the clinic's server.")


def known_names(data_dir: Path) -> list[str]:
    """Names a never-play list can hold, to offer while typing: every playlist the clinic
    can play (its own, then the shipped ones) and the file names of their tracks.
    Reads playlists from disk: call it off the main thread."""
    names: dict[str, None] = {}
    for playlist in playlist_files(data_dir):
        names[playlist.name] = None
        try:
            tracks, _skipped = read_playlist(playlist)
        except OSError:
            continue
        names.update(dict.fromkeys(t.name for t in tracks))
    return sorted(names, key=str.casefold)


def _spin(special: str, maximum: int, step: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, maximum)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setSpecialValueText(special)
    spin.setMinimumWidth(150)
    return spin


class PreferencesForm(QWidget):
    """Edit one patient's preferences; :attr:`saved` after they are stored."""

    saved = Signal(str)
    """The code of the patient whose preferences were stored."""

    def __init__(self, store: PatientStore, data_dir: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesForm")
        self.store = store
        self.code: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        self.title = QLabel(TITLE)
        outer.addWidget(self.title)
        grid = QGridLayout()
        self.volume = _spin(AS_PRESET, 100, 5, " % comfortable")
        self.volume.setToolTip("The music volume this patient found comfortable: every "
                               "phase is scaled so the loudest plays at it (never above "
                               "the preset's or the room's limit)")
        self.warmer = _spin(NO_CHANGE, WARMER_MAX_K, 100, " K warmer")
        self.warmer.setToolTip("Each phase's light this much warmer (never warmer than "
                               "the lamps go, 2000 K)")
        self.dimmer = _spin(NO_CHANGE, 100, 5, " % dimmer")
        self.dimmer.setToolTip("Each phase's light this much dimmer (never dimmer than the "
                               "preset's dimmest lit phase; never off)")
        for column, (label, spin) in enumerate((("Music", self.volume),
                                                ("Light", self.warmer), ("", self.dimmer))):
            grid.addWidget(muted_label(label), 0, column)
            grid.addWidget(spin, 1, column)
        outer.addLayout(grid)
        outer.addWidget(muted_label("Never play (tracks or playlists)"))
        row = QHBoxLayout()
        self.never = QListWidget()
        self.never.setObjectName("neverPlay")
        self.never.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.never.setMaximumHeight(96)
        row.addWidget(self.never, 1)
        side = QVBoxLayout()
        self.entry = QLineEdit()
        self.entry.setObjectName("neverPlayEntry")
        self.entry.setPlaceholderText("Track or playlist name")
        self.entry.setMaxLength(MAX_ENTRY_CHARS)
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.entry.setCompleter(completer)
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        side.addWidget(self.entry)
        side.addLayout(buttons)
        side.addStretch(1)
        row.addLayout(side, 1)
        outer.addLayout(row)
        bottom = QHBoxLayout()
        self.status = QLabel("")
        self.status.setObjectName("saved")
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Save preferences")
        self.save_button.setObjectName("savePreferences")
        self.save_button.setMinimumHeight(44)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.save_button)
        outer.addLayout(bottom)
        outer.addStretch(1)
        self.add_button.clicked.connect(self.add_entry)
        self.entry.returnPressed.connect(self.add_entry)
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_button.clicked.connect(self.save)
        self._save_call = BackgroundCall(self)
        self._save_call.done.connect(self._on_saved)
        self._names_call = BackgroundCall(self)
        self._names_call.done.connect(self._on_names)
        if data_dir is not None:
            self._names_call.start(lambda: known_names(data_dir), "ketaroom-playlist-names")
        self.show_patient(None)

    # -- showing ------------------------------------------------------------------------

    def show_patient(self, code: str | None, *, clinic: bool = False) -> None:
        """Show the stored preferences of ``code`` (None: nothing to edit).

        ``clinic``: the patient view shows the clinic's records. Preferences are not on
        the server (they belong to the PC of the room that uses them), so the form shows
        this room's, read-only, and one calm line says so (or that this room has none).
        """
        self.code = None if clinic else code
        self.title.setText(CLINIC_TITLE if clinic else TITLE)
        prefs = PatientPreferences()
        line, problem = "", False
        if code is not None:
            try:
                prefs = self.store.patient(code).preferences
                if clinic:
                    line = CLINIC_LINE
            except KeyError:
                line, problem = (CLINIC_NONE.format(code=code), False) if clinic else (
                    f"Preferences could not be read: no patient {code} in this room.", True)
            except JournalError as exc:
                line, problem = f"Preferences could not be read: {exc}", True
        self.volume.setValue(round(prefs.volume_pct or 0))
        self.warmer.setValue(prefs.warmer_k)
        self.dimmer.setValue(round(prefs.dimmer_pct))
        self.never.clear()
        self.never.addItems(list(prefs.never_play))
        for widget in (self.volume, self.warmer, self.dimmer, self.never, self.entry,
                       self.add_button, self.remove_button, self.save_button):
            widget.setEnabled(self.code is not None)
        if line or not self._save_call.busy:
            self._say(line, problem=problem)

    def _on_names(self, names: object, _error: object) -> None:
        if isinstance(names, list):
            self._names.setStringList(names)

    def _say(self, text: str, *, problem: bool = False) -> None:
        show_status(self.status, text, problem=problem)

    # -- editing ------------------------------------------------------------------------

    def entries(self) -> list[str]:
        return [self.never.item(row).text() for row in range(self.never.count())]

    def add_entry(self) -> None:
        """Add what is typed (once; case aside) to the never-play list."""
        text = self.entry.text().strip()
        if not text:
            return
        if text.casefold() not in {e.casefold() for e in self.entries()}:
            self.never.addItem(text)
        self.entry.clear()

    def remove_selected(self) -> None:
        for item in self.never.selectedItems():
            self.never.takeItem(self.never.row(item))

    def preferences(self) -> PatientPreferences:
        """What the form says; :class:`ClinicalInputError` with a sentence when it cannot be."""
        return PatientPreferences(
            volume_pct=float(self.volume.value()) if self.volume.value() else None,
            never_play=tuple(self.entries()), warmer_k=self.warmer.value(),
            dimmer_pct=float(self.dimmer.value()))

    def save(self) -> None:
        """Store the form's preferences (worker thread); the line says when they are."""
        code = self.code
        if code is None or self._save_call.busy:
            return
        self.add_entry()  # a name typed but not added yet is meant
        try:
            prefs = self.preferences()
        except ClinicalInputError as exc:
            self._say(f"Preferences not saved: {exc}", problem=True)
            return
        self.save_button.setEnabled(False)
        self._say("Saving…")
        self._save_call.start(lambda: self.store.set_preferences(code, prefs),
                              "ketaroom-save-preferences")

    def _on_saved(self, patient: object, error: object) -> None:
        self.save_button.setEnabled(self.code is not None)
        if error is not None:
            self._say(f"Preferences not saved: {error}", problem=True)
            return
        code = getattr(patient, "code", self.code) or ""
        self._say(f"Preferences for {code} saved {datetime.now():%H:%M} — "
                  "they apply from the next session.")
        self.saved.emit(code)
