"""The only module that imports ``vlc``: one instance and two MediaPlayer "decks".

Owns the libVLC objects; every method here must be called from the music worker
thread (except :meth:`Deck.hard_silence`, the emergency path). libVLC event callbacks
run on libVLC's own thread and only *post* :class:`~ketaroom.devices.music.commands.VlcEvent`
values to the worker queue: calling libVLC from inside a callback deadlocks.

Safe start (python-vlc issue 220): a track must start in digital silence. libVLC keeps a
player's volume and mute in its *audio output object* (``audio_output_t``), which lives
across streams — and ``libvlc_media_player_stop()`` destroys it
(``input_resource_Terminate`` → ``input_resource_ResetAout``). After a stop, a volume or
mute set before ``play()`` has nowhere to go (``audio_set_volume`` returns −1) and the next
stream opens a *fresh* output at the module's default, 100 % (amem's ``Open`` sets
``volume = 1.0``; PulseAudio restores the sink input's last volume), until the worker's
volume 0 lands a few blocks later. Measured before this was understood: 14–15 of 20 starts
at a 10 % target played 50 or 150 ms behind only the pad (below), −47 dBFS with a 0.9 tone,
louder than the target itself.
So a deck never stops its player: :meth:`Deck.stop` *unloads* it
(``set_media(None)``: the input ends, the output object stays, "keeping audio output"),
volume 0 is set on the live output before every ``play()``, and each output module
applies it from the stream's first sample (amem's ``Start`` hands the stored volume to its
callback, PulseAudio connects the stream at ``volume_force``). A deck whose output object
does not exist yet (a fresh player has one, but ``audio_set_callbacks`` — amem — resets it,
and so would a failed output module) is *warmed up* first: a few milliseconds of digital
silence create the output, which then takes volume 0 and is kept (:meth:`Deck._warm_up`).

Second line of defence, the *pad*: a libVLC equalizer with the preamp and all ten bands at
−20 dB (≈ −43 dB in total) on every deck until its stream runs. Equalizer settings live on
the MediaPlayer and are inherited by each new audio output filter chain, so they apply
from the very first decoded sample, whatever the output module. The engine lifts the
pad only after the stream runs and the deck volume has been set (and accepted) at the
fade's start level. Changing preamp/bands with the same filter string does not
restart the stream (checked with amem capture in the tests).

Fine gain: libVLC's volume is a whole percent (1 % is 2.7 dB near 10 %), so once a deck
is unpadded its equalizer stays flat and its preamp carries a *trim* (≤ 0 dB, float) on
top of the transparent +12 dB: :meth:`Deck.set_gain` sends ``volume`` and ``trim`` (see
:func:`ketaroom.devices.music.levels.vlc_gain`), always applying the lowering change of
the two first. The equalizer's preamp is a plain gain applied per audio block (bands
flat contribute nothing), so a trim change is a gain step at a block boundary, exactly
like a volume change — no restart, no filter transient (amem tests). Caveat: outputs
that apply the volume downstream (PulseAudio/PipeWire sink-input volume) apply it up to
their buffer latency before the preamp change is heard, so at a whole-percent change the
level is off by at most that one percent step for that long (not measurable here).

No usable audio output (a PC without a sound device, PulseAudio down and no ALSA card):
libVLC still "plays" — the clock runs, events fire — but every stream's output fails to
open ("failed to create audio output"), so nothing is heard and no error event comes.
:meth:`Deck.audio_flowing` reads the media's own counters instead: blocks decoded but none
played means the output is not there. alsa-lib prints its own errors straight to stderr
(libVLC's ``--quiet`` cannot stop them): :func:`quiet_alsa` sends them nowhere, since the
player reports the condition itself.
"""

from __future__ import annotations

import array
import ctypes
import ctypes.util
import math
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ketaroom.devices.music.api import AudioUnavailable, SampleSink
from ketaroom.devices.music.commands import Command, VlcEvent

try:  # pragma: no cover - exercised only where libVLC is missing
    import vlc
except Exception as exc:  # OSError when libvlc.so is absent, ImportError, …
    vlc = None
    _IMPORT_ERROR: Exception | None = exc
else:
    _IMPORT_ERROR = None

PAD_DB = -20.0
"""Equalizer preamp and per-band attenuation for the start pad (the range's minimum);
measured ≈ −43 dB below the unpadded level."""
FLAT_PREAMP_DB = 20.0 * math.log10(4.0)
"""libVLC's equalizer scales its input by ¼ (−12.04 dB) and the preamp is a plain linear
gain: preamp +12.04 dB with flat bands is transparent (measured within 0.05 dB from 60 Hz
to 12 kHz; VLC's own "Flat" preset uses +12)."""
PREAMP_MIN_DB = -20.0
"""libVLC clamps the preamp to −20…+20 dB."""

WARM_UP_S = 0.05
"""Length of the digital-silence clip that creates a deck's audio output."""
WARM_UP_TIMEOUT_S = 1.0
"""How long a warm-up waits for the output to exist (it takes a few milliseconds)."""
WARM_UP_POLL_S = 0.002

NO_OUTPUT_BLOCKS = 10
"""Audio blocks decoded with none played after which the output is taken to be missing
(a real output plays its first block at once; 10 Vorbis blocks are ~0.25 s)."""

_EVENTS = (
    "MediaPlayerEndReached",
    "MediaPlayerEncounteredError",
    "MediaPlayerESAdded",
    "MediaPlayerPlaying",
    "MediaPlayerLengthChanged",
)

Post = Callable[[Command], None]


_MAGIC_DEMUX = ((b"OggS", "ogg"), (b"fLaC", "flac"))


def demux_hint(path: Path) -> str | None:
    """The demuxer the file's first bytes call for, when they contradict its extension.

    libVLC trusts the extension first: an OGG or FLAC file named ``.mp3`` goes to the MPEG
    audio demuxer, fails, and ends at once as if corrupt. Sniffing the magic bytes and
    forcing the right demuxer plays it. ``None``: let libVLC probe as usual.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return None
    for magic, demux in _MAGIC_DEMUX:
        if head.startswith(magic):
            return None if path.suffix.lower() == f".{demux}" else demux
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and path.suffix.lower() != ".wav":
        return "wav"
    return None


_ALSA_HANDLER: Any = None
"""The no-op alsa-lib error handler, kept alive for the life of the process."""


def quiet_alsa() -> None:
    """Send alsa-lib's error messages ("ALSA lib pcm.c: Unknown PCM default", printed to
    stderr by the library itself) nowhere. Process-wide, idempotent, never raises; a no-op
    where alsa-lib is absent."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None:
        return
    name = ctypes.util.find_library("asound")
    if name is None:
        return
    try:
        asound = ctypes.CDLL(name)
        # void handler(const char *file, int line, const char *function, int err,
        #              const char *fmt, ...): ignoring the variadic rest is ABI-safe.
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                        ctypes.c_int, ctypes.c_char_p)
        handler = handler_type(lambda *_args: None)
        asound.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return
    _ALSA_HANDLER = handler


def _scale_s16(data: bytes, gain: float) -> bytes:
    """S16 samples times ``gain``, rounded and clipped (the capture's volume stage)."""
    if gain == 1.0:
        return data
    samples = array.array("h", data)
    for i, x in enumerate(samples):
        samples[i] = max(-32768, min(32767, round(x * gain)))
    return samples.tobytes()


def write_silence(path: Path, seconds: float) -> Path:
    """A WAV file of ``seconds`` of digital silence (44.1 kHz stereo S16)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(bytes(4 * int(44100 * seconds)))
    return path


def _make_eq(preamp_db: float, bands_db: float) -> Any:
    eq = vlc.libvlc_audio_equalizer_new()
    vlc.libvlc_audio_equalizer_set_preamp(eq, preamp_db)
    for band in range(vlc.libvlc_audio_equalizer_get_band_count()):
        vlc.libvlc_audio_equalizer_set_amp_at_index(eq, bands_db, band)
    return eq


class Deck:
    """One MediaPlayer. ``gen`` grows on every load so stale events can be ignored."""

    def __init__(self, backend: VlcBackend, index: int, sink: SampleSink | None,
                 output_device: str | None = None) -> None:
        self.index = index
        self.gen = 0
        self._backend = backend
        self._mp = backend.instance.media_player_new()
        self._padded = False
        self._trim_db = 0.0
        self._volume = 0
        self._media: Any = None
        self._warming = False
        """A warm-up plays: its (silent) samples are not a stream for the sample sink."""
        self._callbacks: list[Any] = []  # keep ctypes callbacks alive
        self._hard_lock = threading.Lock()
        self._sink = sink
        if sink is not None:
            self._install_sink(sink)
        elif output_device:
            self._mp.audio_output_device_set(None, output_device)
        em = self._mp.event_manager()
        for name in _EVENTS:
            cb = self._make_event_cb(name)
            self._callbacks.append(cb)
            em.event_attach(getattr(vlc.EventType, name), cb)
        self.set_pad(True)

    def _make_event_cb(self, name: str) -> Callable[[Any], None]:
        post = self._backend.post

        def _on_event(_event: Any) -> None:  # libVLC thread: post only, never call libVLC
            post(VlcEvent(self.index, self.gen, name))

        return _on_event

    def _install_sink(self, sink: SampleSink) -> None:
        """amem capture. amem only delivers S16, and libVLC's S16 software volume keeps
        just 8 fractional bits (gain steps of 1/256: everything under 13 % is silence,
        13 % plays at −48 dB instead of −53). The capture would then test that mixer,
        not our levels; so amem hands us the volume (a volume callback, like a
        PulseAudio output, which scales in float) and we apply the cubic law here."""
        index = self.index
        gain = [1.0]  # a fresh amem output starts at 100 % (until told otherwise)

        @vlc.CallbackDecorators.AudioSetVolumeCb
        def _volume(_opaque: Any, volume: float, mute: bool) -> None:
            gain[0] = 0.0 if mute else min(2.0, max(0.0, float(volume))) ** 3

        @vlc.CallbackDecorators.AudioPlayCb
        def _play(_opaque: Any, samples: Any, count: int, pts: int) -> None:
            if self._warming:
                return
            sink(index, _scale_s16(ctypes.string_at(samples, count * 4), gain[0]), pts)

        self._callbacks.extend((_play, _volume))
        self._mp.audio_set_callbacks(_play, None, None, None, None, None)
        self._mp.audio_set_volume_callback(_volume)
        self._mp.audio_set_format("S16N", 44100, 2)

    # -- worker-thread API -------------------------------------------------------------
    def load_and_play(self, path: Path) -> None:
        """Unload whatever plays, pad, volume 0 on the live audio output (created first
        if there is none), start ``path``: its first sample plays at volume 0."""
        self._unload()
        self.set_pad(True)
        self._ensure_output()
        self._mp.audio_set_mute(False)  # after volume 0: an emergency's mute may be on
        self.gen += 1  # events of the unloaded stream and of a warm-up are stale from here
        if self._sink is not None:
            self._sink(self.index, b"", -1)  # marks a new start in test captures
        media = self._backend.instance.media_new_path(str(path))
        demux = demux_hint(path)
        if demux is not None:
            media.add_option(f":demux={demux}")
        self._mp.set_media(media)
        self._release_media()
        self._media = media  # kept for its statistics (audio_flowing)
        self._mp.play()

    def _unload(self) -> None:
        """End the stream but keep the audio output (and the volume it holds): never
        ``stop()``, which destroys the output (see the module docstring)."""
        self._mp.set_media(None)

    def _ensure_output(self) -> bool:
        """Volume 0 on the deck's audio output, warming one up where there is none. True
        when the output took it."""
        return self.set_volume(0) or (self._warm_up() and self.set_volume(0))

    def _warm_up(self) -> bool:
        """Create the deck's audio output by playing a moment of digital silence until
        the output exists (a few ms; at most :data:`WARM_UP_TIMEOUT_S`), then unload it.
        The output is kept from then on. True when it exists."""
        media = self._backend.instance.media_new_path(str(self._backend.silence_clip()))
        self._warming = True
        try:
            self._mp.set_media(media)
            self._mp.play()
            deadline = time.monotonic() + WARM_UP_TIMEOUT_S
            while not (ok := self._mp.audio_set_volume(0) == 0):
                if time.monotonic() >= deadline:
                    break
                time.sleep(WARM_UP_POLL_S)
        finally:
            self._unload()
            self._warming = False
            media.release()
        return ok

    def _release_media(self) -> None:
        if self._media is not None:
            self._media.release()
            self._media = None

    def audio_flowing(self) -> bool | None:
        """Whether the running stream reaches an audio output: ``True`` once a block was
        played, ``False`` when :data:`NO_OUTPUT_BLOCKS` were decoded and none played (no
        usable output), ``None`` while too early to say."""
        if self._media is None:
            return None
        stats = vlc.MediaStats()
        if not self._media.get_stats(stats):
            return None
        if stats.played_abuffers > 0:
            return True
        return False if stats.decoded_audio >= NO_OUTPUT_BLOCKS else None

    def set_pad(self, on: bool) -> None:
        """Pad on: the safe-start equalizer (≈ −43 dB). Off: flat, trim 0 dB."""
        if on:
            self._set_eq(PAD_DB, PAD_DB)
        else:
            self._set_eq(FLAT_PREAMP_DB, 0.0)
        self._padded = on
        self._trim_db = 0.0

    def _set_eq(self, preamp_db: float, bands_db: float) -> None:
        eq = _make_eq(preamp_db, bands_db)
        try:
            self._mp.set_equalizer(eq)
        finally:
            vlc.libvlc_audio_equalizer_release(eq)

    @property
    def trim_db(self) -> float:
        return self._trim_db

    def set_volume(self, volume: int) -> bool:
        """True when libVLC accepted it (an output exists)."""
        self._volume = int(volume)
        return self._mp.audio_set_volume(int(volume)) == 0

    def set_trim(self, trim_db: float) -> None:
        """Unpadded, flat equalizer with the preamp ``trim_db`` (≤ 0) below transparent."""
        trim = max(PREAMP_MIN_DB - FLAT_PREAMP_DB, min(0.0, float(trim_db)))
        self._set_eq(FLAT_PREAMP_DB + trim, 0.0)
        self._padded = False
        self._trim_db = trim

    def set_gain(self, volume: int, trim_db: float) -> bool:
        """Integer volume plus preamp trim (unpads). Whichever of the two lowers the
        level goes first, so no moment between the two calls is louder than both the
        old and the new gain. True when libVLC accepted the volume."""
        volume_down = volume < self._volume
        trim_down = not self._padded and trim_db < self._trim_db
        if volume_down or not trim_down:
            ok = self.set_volume(volume)
            self.set_trim(trim_db)
        else:  # the trim lowers while the volume rises (or stays): trim first
            self.set_trim(trim_db)
            ok = self.set_volume(volume)
        return ok

    def time_ms(self) -> int:
        return max(0, int(self._mp.get_time() or 0))

    def length_ms(self) -> int:
        return max(0, int(self._mp.get_length() or 0))

    def stop(self) -> None:
        """End the stream (silently: the engine faded it out); the output is kept."""
        self.gen += 1
        self._unload()
        self.set_pad(True)

    def hard_silence(self) -> None:
        """Emergency path, callable from any thread: mute, volume 0, end the stream (the
        output is kept, muted at volume 0, until the next load)."""
        with self._hard_lock:
            self._mp.audio_set_mute(True)
            self._mp.audio_set_volume(0)
            self._unload()

    def release(self) -> None:
        em = self._mp.event_manager()
        for name in _EVENTS:
            em.event_detach(getattr(vlc.EventType, name))
        self._mp.stop()
        self._mp.release()
        self._release_media()


class VlcBackend:
    """The libVLC instance and its two decks."""

    def __init__(self, post: Post, vlc_args: Sequence[str], audio: str,
                 sample_sink: SampleSink | None = None,
                 output_device: str | None = None) -> None:
        """``output_device``: a libVLC device id (``list_audio_outputs``) for ``default``."""
        if vlc is None:
            raise AudioUnavailable(f"libVLC is not installed ({_IMPORT_ERROR})")
        args = ["--no-video", "--quiet", "--file-caching=300", "--no-video-title-show"]
        if audio == "dummy":
            args.append("--aout=adummy")
        elif sample_sink is None:
            quiet_alsa()
        args.extend(vlc_args)
        try:
            instance = vlc.Instance(args)
        except Exception as exc:  # pragma: no cover
            raise AudioUnavailable(f"libVLC failed to start: {exc}") from exc
        if instance is None:
            raise AudioUnavailable("libVLC is not installed (vlc-plugin-base missing?)")
        self.instance = instance
        self.post = post
        self._silence_dir: tempfile.TemporaryDirectory[str] | None = None
        device = output_device if audio == "default" else None
        self.decks = [Deck(self, i, sample_sink, device) for i in range(2)]

    def silence_clip(self) -> Path:
        """The decks' warm-up clip, written once (worker thread) to a private temp folder."""
        if self._silence_dir is None:
            self._silence_dir = tempfile.TemporaryDirectory(prefix="ketaroom-vlc-")
        path = Path(self._silence_dir.name) / "silence.wav"
        return path if path.exists() else write_silence(path, WARM_UP_S)

    def release(self) -> None:
        for deck in self.decks:
            deck.release()
        self.instance.release()
        if self._silence_dir is not None:
            self._silence_dir.cleanup()
