"""The music panel: what plays, another playlist for this phase, volume (capped), mute, skip,
a quiet line when the patient's never-play list left something out, and — for a session
linked to a patient — "Remember 30 % for PT-0042" as their comfortable volume
(:mod:`.comfortable_volume`).

Renders the room's state as the session service publishes it (:meth:`MusicPanel.show_state`,
polled by the main window): a :class:`~ketaroom.session.room_state.MusicState` — what the
music engine confirmed — and the volume cap. The engine owns the volume and the slider
renders its target, except while the clinician moves it and until the engine took the
clinician's last value (the worker thread needs a moment; a poll in between must not pull
the slider back). A phase change, the emergency or Resume ends that wait
(:meth:`MusicPanel.follow_player`). A drag is throttled to a few volume changes per second,
always ending on the last position, and is one gesture for the record
(:attr:`MusicPanel.volume_settled`). The slider never goes above the cap it was last shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QWidget

from ketaroom.session.room_state import MusicState
from ketaroom.ui.comfortable_volume import RememberComfortable, Save
from ketaroom.ui.theme import icon
from ketaroom.ui.widgets import Panel, SliderGesture, Throttle, icon_button, muted_label

VOLUME_THROTTLE_MS = 150
VOLUME_QUIET_MS = 1200
"""Keyboard or wheel steps this close together are one volume change for the record."""


class MusicPanel(Panel):
    volume_changed = Signal(float)
    """Live: the volume the clinician is moving to (throttled)."""
    volume_settled = Signal(float, float)
    """One finished gesture, for the record: ``(from, to)`` percent."""
    mute_toggled = Signal(bool)
    skip_requested = Signal()
    playlist_chosen = Signal(object)
    """A :class:`~pathlib.Path` to an M3U playlist to play for the rest of this phase."""

    def __init__(self, parent: QWidget | None = None, *, remember: Save | None = None) -> None:
        """``remember(code, pct)``: stores a patient's comfortable volume (blocking; run off
        the main thread here); ``None`` offers no such action."""
        super().__init__("Music", parent)
        self.now_playing = QLabel("Nothing playing")
        self.playlist = muted_label()
        self.title_row.addWidget(self.playlist)
        self.body.addWidget(self.now_playing)
        self.note = muted_label(wrap=True)
        self.note.setObjectName("musicNote")
        self.note.hide()
        self.body.addWidget(self.note)
        self.playlist_picker = QComboBox()
        self.playlist_picker.setObjectName("playlistPicker")
        self.playlist_picker.setToolTip(
            "Play another playlist for the rest of this phase (crossfades; the next phase "
            "plays its own music again)")
        self.body.addWidget(self.playlist_picker)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.mute_button = icon_button("", "mdi6.volume-high", checkable=True,
                                       tip="Mute: fade the music out / back in")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setPageStep(5)
        self.volume.setToolTip("Volume (capped for this room and preset)")
        self.volume_value = muted_label("0 %")
        self.volume_value.setMinimumWidth(44)
        self.skip_button = icon_button("", "mdi6.skip-forward",
                                       tip="Skip: crossfade to the next track")
        row.addWidget(self.mute_button)
        row.addWidget(self.volume, 1)
        row.addWidget(self.volume_value)
        row.addWidget(self.skip_button)
        self.body.addLayout(row)
        self.remember = RememberComfortable(remember) if remember is not None else None
        if self.remember is not None:
            self.body.addWidget(self.remember)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._cap = 100.0
        self._cap_shown = False
        self._throttle: Throttle[float] = Throttle(VOLUME_THROTTLE_MS, self._send_volume, self)
        self._asked: float | None = None
        """The clinician's last volume, until the player's status shows it."""
        self._patient: str | None = None
        """The session's patient, as last shown."""
        self.volume.valueChanged.connect(self._on_slider_moved)
        self.volume_gesture = SliderGesture(self.volume, VOLUME_QUIET_MS, self._on_gesture_done)
        self.mute_button.toggled.connect(self._on_mute_toggled)
        self.skip_button.clicked.connect(self.skip_requested)
        self.playlist_picker.activated.connect(self._on_playlist_activated)

    def set_playlists(self, playlists: list[Path]) -> None:
        """The playlists a clinician may switch to (shipped and the clinic's own)."""
        self.playlist_picker.clear()
        self.playlist_picker.addItem("Another playlist for this phase…", None)
        for path in playlists:
            self.playlist_picker.addItem(path.stem.replace("_", " ").capitalize(), path)
        self.playlist_picker.setEnabled(bool(playlists))

    def _on_playlist_activated(self, index: int) -> None:
        path = self.playlist_picker.itemData(index)
        self.playlist_picker.setCurrentIndex(0)
        if path is not None:
            self.playlist_chosen.emit(path)

    def _show_cap(self, cap_pct: float) -> None:
        if cap_pct != self._cap or not self._cap_shown:
            self._cap, self._cap_shown = cap_pct, True
            self.volume.setToolTip(f"Volume — limited to {cap_pct:g} % here")

    def _on_slider_moved(self, value: int) -> None:
        if value > self._cap:
            self.volume.setValue(int(self._cap))
            return
        self.volume_value.setText(f"{value} %")
        self._throttle.push(float(value))

    @property
    def moving(self) -> bool:
        """The clinician holds the slider, or a moved value still waits to be sent."""
        return self.volume.isSliderDown() or self._throttle.pending

    def _send_volume(self, pct: float) -> None:
        self._asked = pct
        self.volume_changed.emit(pct)

    def _on_gesture_done(self, start: int, end: int) -> None:
        self._throttle.flush()  # the room hears the last value before the record says it
        self.volume_settled.emit(float(start), float(end))
        if self.remember is not None:
            self.remember.volume_moved(self._patient)

    def follow_player(self) -> None:
        """The room changed the music on its own (phase, emergency, Resume): show the
        player's volume from the next status on, not the clinician's last request."""
        self._asked = None

    def _show_muted(self, muted: bool) -> None:
        self.mute_button.setIcon(icon("mdi6.volume-off" if muted else "mdi6.volume-high",
                                      "accent" if muted else "text"))

    def _on_mute_toggled(self, muted: bool) -> None:
        self._show_muted(muted)
        self.mute_toggled.emit(muted)

    def show_state(self, music: MusicState | None, cap_pct: float, note: str | None = None,
                   patient: str | None = None) -> None:
        """Render the engine's confirmed music and the cap (a drag in progress is kept),
        ``note``: what the patient's never-play list left out (None: nothing), and the
        offer to remember the volume for ``patient`` (the session's; None: no offer)."""
        self._show_cap(cap_pct)
        self._patient = patient
        if (note or "") != self.note.text():
            self.note.setText(note or "")
            self.note.setVisible(bool(note))
        if music is None:
            self.now_playing.setText("Music unavailable")
            self.playlist.setText("")
            if self.remember is not None:
                self.remember.offer(None, 0.0)
            return
        if music.track is not None:
            self.now_playing.setText(Path(music.track).stem.replace("_", " "))
        else:
            self.now_playing.setText("Silence")
        label = music.playlist_label if music.track is not None else ""
        shown = f"Playlist {label} · " if label else ""  # no playlist named over silence
        self.playlist.setText(f"{shown}limit {self._cap:g} %")
        if self._asked is not None and abs(music.volume_pct - min(self._asked, self._cap)) < 0.5:
            self._asked = None  # the player took it
        if not self.moving and self._asked is None:
            self.volume.blockSignals(True)
            self.volume.setValue(round(min(music.volume_pct, self._cap)))
            self.volume.blockSignals(False)
            self.volume_value.setText(f"{round(music.volume_pct)} %")
        if self.remember is not None:  # the volume heard, as the slider shows it
            self.remember.offer(patient, self.volume.value() if music.track is not None else 0)
        if self.mute_button.isChecked() != music.muted:
            self.mute_button.blockSignals(True)
            self.mute_button.setChecked(music.muted)
            self._show_muted(music.muted)
            self.mute_button.blockSignals(False)
