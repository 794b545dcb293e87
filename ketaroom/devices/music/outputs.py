"""The audio output devices libVLC can play to, for choosing a room's speakers.

Owns :func:`list_audio_outputs`. It loads libVLC and asks a throw-away media player for its
output devices, which can take a moment (call it off the Qt main thread). It never raises:
without libVLC (or on any libVLC trouble) it still returns the system default. Device ids are
what ``MediaPlayer.audio_output_device_set(None, id)`` takes; ``"default"`` means "let the
system choose" (a room profile stores it as ``audio_device=None``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_OUTPUT", "AudioOutput", "list_audio_outputs", "probe_audio_outputs"]

_SKIPPED = {"null"}
"""ALSA's "discard all samples" device: silence by mistake, never what a room wants."""


@dataclass(frozen=True)
class AudioOutput:
    id: str
    description: str


DEFAULT_OUTPUT = AudioOutput("default", "System default output")


def probe_audio_outputs() -> list[AudioOutput] | None:
    """The devices libVLC reports (maybe none); ``None`` when libVLC cannot be used (never
    raises)."""
    try:
        return _enumerate()
    except Exception as exc:  # libVLC missing or broken
        log.info("could not list audio outputs: %s", exc)
        return None


def list_audio_outputs() -> list[AudioOutput]:
    """The system default first, then every device libVLC reports (never raises)."""
    found = probe_audio_outputs() or []
    outputs = [DEFAULT_OUTPUT]
    seen = {DEFAULT_OUTPUT.id}
    for output in found:
        if output.id not in seen and output.id not in _SKIPPED:
            seen.add(output.id)
            outputs.append(output)
    return outputs


def _text(raw: Any) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return "" if raw is None else str(raw)


def _enumerate() -> list[AudioOutput]:
    import vlc

    from ketaroom.devices.music.vlc_backend import quiet_alsa

    quiet_alsa()  # probing a PC without a sound card must not fill the terminal
    instance = vlc.Instance(["--quiet", "--no-video"])
    if instance is None:  # libvlc5 without its plugins
        raise RuntimeError("libVLC has no plugins")
    player = instance.media_player_new()
    try:
        head = player.audio_output_device_enum()
        outputs: list[AudioOutput] = []
        node = head
        try:
            while node:
                device = node.contents
                device_id = _text(device.device)
                if device_id:
                    outputs.append(AudioOutput(device_id, _text(device.description) or device_id))
                node = device.next
        finally:
            if head:
                vlc.libvlc_audio_output_device_list_release(head)
        return outputs
    finally:
        player.release()
        instance.release()
