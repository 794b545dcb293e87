"""The editor's previews on the room: *Preview* (the phase playlist's first track) and
*Live preview on the lights*, with *Back to room light*.

:class:`PreviewControls` owns those widgets (the phase form places them) and their
timers, and talks to the room only through :class:`ketaroom.ui.preview.RoomPreview`.
Changing phase, opening another preset, closing or the PIN gate locking ends both
(:meth:`PreviewControls.stop`). While a session runs the controls are disabled and a
running preview ends without touching the room. Without a preview object the controls
are hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout

from ketaroom.core.targets import LightTarget
from ketaroom.ui.preset_editor.common import FIELD_HEIGHT, text_of
from ketaroom.ui.preview import RoomPreview, first_track, light_from_section
from ketaroom.ui.widgets import check_box

__all__ = ["PreviewControls"]

LIGHT_PREVIEW_DELAY_MS = 300
PREVIEW_TICK_MS = 500


class SteadyButton(QPushButton):
    """A push button as wide as the widest of ``texts``, whichever it shows, and never
    narrower: the theme's ``min-width`` (an explicit minimum, which layouts obey over
    the size hint) would let a tight form cut its text ("review")."""

    def __init__(self, texts: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(texts[0], **kwargs)
        self.texts = texts

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(text) for text in self.texts)
        return QSize(hint.width() - metrics.horizontalAdvance(self.text()) + widest,
                     hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange,
                            QEvent.Type.FontChange):
            self.setMinimumWidth(self.sizeHint().width())  # after the style sheet's
        return handled


class PreviewControls(QObject):
    """Music and light previews of the shown phase.

    ``phase`` and ``document`` give what the editor shows; ``volume`` the volume to
    preview at; ``music_on`` whether the phase has music; ``folder`` where the preset
    lives (its playlists are looked up there first).
    """

    def __init__(self, preview: RoomPreview | None, *, phase: Callable[[], Any],
                 document: Callable[[], Any], volume: Callable[[], int],
                 music_on: Callable[[], bool], folder: Callable[[], Path],
                 playlist_dirs: list[Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self._phase, self._document, self._volume = phase, document, volume
        self._music_on, self._folder, self._playlist_dirs = music_on, folder, playlist_dirs
        self._sent_light: LightTarget | None = None
        """The last light target the live preview sent (resent only when it changes)."""
        self._music_note = ""
        """Why the last music preview did not start (shown until the next try)."""

        self.music_button = SteadyButton(("Preview", "Stop"), objectName="previewButton",
                                         checkable=True)
        self.music_button.setMinimumHeight(FIELD_HEIGHT)
        self.music_button.toggled.connect(self._on_music_toggled)
        self.music_status = QLabel(objectName="muted", wordWrap=True)
        self.light_check = check_box("Live preview on the lights")
        self.light_check.toggled.connect(self._on_light_toggled)
        self.room_light_button = QPushButton("Back to room light")
        self.room_light_button.setToolTip(
            "Bring back the light the main window shows for the room")
        self.room_light_button.clicked.connect(self._on_room_light_clicked)
        self.light_status = QLabel(objectName="muted", wordWrap=True)
        for widget in (self.music_button, self.music_status, self.light_check,
                       self.room_light_button, self.light_status):
            widget.setVisible(preview is not None)  # refined by show_state

        self._light_timer = QTimer(self, singleShot=True, interval=LIGHT_PREVIEW_DELAY_MS)
        self._light_timer.timeout.connect(self._on_light_due)
        self._tick_timer = QTimer(self, interval=PREVIEW_TICK_MS)
        self._tick_timer.timeout.connect(self.tick)
        if preview is not None:
            self._tick_timer.start()

    def light_box(self) -> QVBoxLayout:
        """The light preview's check box, its status and *Back to room light*, stacked."""
        box = QVBoxLayout()
        box.setSpacing(4)
        box.addWidget(self.light_check)
        box.addWidget(self.light_status)
        box.addWidget(self.room_light_button, alignment=Qt.AlignmentFlag.AlignLeft)
        return box

    # -- what the editor calls

    def stop(self) -> None:
        """End both previews: the music fades out; the room keeps a previewed light."""
        self._light_timer.stop()
        self._music_note = ""
        for box in (self.music_button, self.light_check):
            box.setChecked(False)  # their slots stop what ran (never during a session)
        if self.preview is not None:
            self.preview.stop()
        self.show_state()

    def light_edited(self) -> None:
        """The phase's light may have changed: send it after a short pause."""
        if self.light_check.isChecked():
            self._light_timer.start()

    def tick(self) -> None:
        """Follow the room (a session may start) and end the music preview on time."""
        if self.preview is None:
            return
        ok, _reason = self.preview.available()
        if not ok:  # the session owns the room: end previews without touching it
            for box in (self.music_button, self.light_check):
                box.setChecked(False)
        elif self.music_button.isChecked() and (
                self.preview.music_left_s() <= 0 or not self._music_on()):
            self.music_button.setChecked(False)
        self.show_state()

    # -- slots

    def _on_music_toggled(self, on: bool) -> None:
        if self.preview is None:
            return
        if not on:
            self.preview.stop_music()
            self.show_state()
            return
        item = self._phase()
        music = item.get("music") if item is not None else None
        playlist = music.get("playlist") if isinstance(music, dict) else None
        track = first_track(playlist, self._folder(), self._playlist_dirs)
        self._music_note = "" if track is not None else (
            "Nothing to preview: no playable track in this playlist.")
        if track is None or not self.preview.music((track,), self._volume()):
            self.music_button.setChecked(False)  # back through this slot: shows
        else:
            self.show_state()

    def _on_light_toggled(self, on: bool) -> None:
        self._sent_light = None
        if on:
            self._on_light_due()  # show the phase's light now
        else:
            self._light_timer.stop()
        self.show_state()

    def _on_light_due(self) -> None:
        """Send the phase's light as edited, when it is valid and differs from the last."""
        if self.preview is None or not self.light_check.isChecked():
            return
        item = self._phase()
        group = self._document().get("light_group")
        target = light_from_section(item.get("light") if item is not None else None,
                                    text_of(group) or None)
        if target is not None and target != self._sent_light and self.preview.light(target):
            self._sent_light = target
        self.show_state()

    def _on_room_light_clicked(self) -> None:
        if self.preview is not None and self.preview.restore_light():
            self.light_check.setChecked(False)
        self.show_state()

    def show_state(self) -> None:
        preview = self.preview
        if preview is None:
            return
        ok, reason = preview.available()
        tip = "" if ok else f"Not now: {reason}."
        playing = self.music_button.isChecked() and preview.music_track is not None
        self.music_button.setText("Stop" if playing else "Preview")
        self.music_button.setToolTip(
            tip or "Play the playlist's first track here for 20 s (at most 40 %)")
        self.light_check.setToolTip(
            tip or "Show each change of this phase's light in the room (2 s glide)")
        for widget in (self.music_button, self.light_check):
            widget.setEnabled(ok)
        back = (ok and preview.light_changed  # shown only while it has something to do
                and not self.light_check.isChecked())
        self.room_light_button.setEnabled(back)
        self.room_light_button.setVisible(back)
        if playing and preview.music_track is not None:
            left = round(preview.music_left_s())
            self.music_status.setText(
                f"Previewing {preview.music_track.stem} — {left // 60}:{left % 60:02d} left")
        else:
            self.music_status.setText(tip or self._music_note)
        if self.light_check.isChecked():
            light = "The room's lights follow this phase's light."
        elif preview.light_changed:
            light = "The room keeps the previewed light."
        else:
            light = tip
        self.light_status.setText(light)
        for label in (self.music_status, self.light_status):
            label.setVisible(bool(label.text()))
            label.updateGeometry()  # shown again: the form must re-measure the wrapped text
