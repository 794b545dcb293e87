"""Decode one audio file and measure it: EBU R128 loudness, true peak, duration, loud start.

The measuring is done by ffmpeg's ``ebur128`` filter (ITU-R BS.1770-4 K-weighting and
gating, true peak by 4× oversampling), in C, in its own process: one ffmpeg process per
file, so a pool of them uses every core and a file that crashes the decoder takes only
its own process down. ffmpeg decodes through libavcodec, the library libVLC uses here
for every codec it has no decoder of its own for (AAC among them), so what measures is
what plays. See docs/architecture.md ("Music library") for why ffmpeg and not libVLC's
own transcoder or a Python meter.

One pass over the file feeds two meters: ``full`` (integrated loudness and true peak of
the whole file) and ``head`` (the first :data:`START_WINDOW_S` seconds, whose momentary
loudness, every 100 ms, gives :attr:`Measurement.start_lufs`). Mono files are measured as
dual mono (+3 dB), because libVLC plays a mono file on both speakers.

Nothing here raises for a bad file: every outcome is a :class:`Measurement` with a
:class:`Status` and, when not ``ok``, a ``reason`` a person can read.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

START_WINDOW_S = 5.0
"""How much of the start of a track :attr:`Measurement.start_lufs` looks at."""
ABSOLUTE_GATE_LUFS = -70.0
"""BS.1770's absolute gate: ffmpeg reports this when nothing was loud enough to count."""
MIN_MEASURABLE_S = 0.4
"""One 400 ms gating block: shorter audio has no R128 loudness."""
TIMEOUT_S = 600.0
"""A file whose decoding takes longer than this is given up (status ``error``)."""
FFMPEG_ENV = "KETAROOM_FFMPEG"
"""Environment variable naming the ffmpeg executable (else ``ffmpeg`` on the PATH)."""
METHOD = "ffmpeg-ebur128/1"
"""Names the measuring method; cached results measured another way are measured again."""

_GRAPH = (
    "[0:a:0]asplit=2[full][head];"
    "[full]ebur128@full=peak=true:dualmono=true:framelog=verbose[out];"
    f"[head]atrim=end={START_WINDOW_S:g},ebur128@head=dualmono=true:framelog=info,anullsink"
)
_INPUT_STREAM = re.compile(r"^\s*Stream #0:\d+\S*: (Audio|Video|Subtitle|Data|Attachment): (.*)$")
_SUMMARY = re.compile(r"^\[ebur128@full @ [^\]]*\] Summary:\n((?:[ \t]*\n|[ \t]+.*\n?)*)", re.M)
_INTEGRATED = re.compile(r"I:\s+(-?[\d.]+) LUFS")
_PEAK = re.compile(r"Peak:\s+(-?[\d.]+|-inf) dBFS")
_HEAD_FRAME = re.compile(r"\[ebur128@head @ [^\]]*\] t: *[\d.]+ +TARGET:\S+ LUFS +M: *(-?[\d.]+)")
_TAG = re.compile(r"^ {4,}(title|artist|album) *: (.*)$", re.I)
_NO_DECODER = re.compile(r"Decoder \(codec (\S+)\) not found")
_LOG_LINE = re.compile(r"^\[([^\] ]+) @ 0x[0-9a-f]+\] (.*)$")
_NOT_COMPLAINTS = ("Input #", "Output #", "Stream mapping:", "size=", "video:",
                   "Conversion failed!", "Output file is empty")
_ENCRYPTED_ENTRIES = (b"drms", b"drmi", b"enca", b"encv")
"""MP4 sample entries of protected audio (iTunes FairPlay, Common Encryption)."""


class Status(str, Enum):
    """What a scan found out about one file (the ``status`` field of music-scan)."""

    OK = "ok"
    SILENT = "silent"
    TOO_SHORT = "too_short"
    EMPTY = "empty"
    UNPLAYABLE = "unplayable"
    UNSUPPORTED = "unsupported"
    DRM = "drm"
    UNREADABLE = "unreadable"
    MISSING = "missing"
    ERROR = "error"


UNCACHEABLE = frozenset({Status.UNREADABLE, Status.MISSING, Status.ERROR})
"""Outcomes that say nothing lasting about the file's content (permissions, a timeout)."""


@dataclass(frozen=True)
class Measurement:
    """What ffmpeg measured in one file; the fields of ``music-scan`` that do not depend
    on the clinic's target. Loudness in LUFS, peak in dBTP (true peak), time in seconds.
    """

    status: Status
    reason: str | None = None
    duration_s: float | None = None
    lufs: float | None = None
    peak_dbfs: float | None = None
    start_lufs: float | None = None
    codec: str | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``status`` as its string)."""
        return {**asdict(self), "status": self.status.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurement:
        """The inverse of :meth:`to_dict`; raises ``ValueError``/``TypeError`` on junk."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["status"] = Status(data["status"])
        return cls(**fields)


class ScannerUnavailable(RuntimeError):
    """ffmpeg cannot be found or run: nothing can be measured."""


def find_ffmpeg() -> str:
    """The ffmpeg executable (``$KETAROOM_FFMPEG``, else ``ffmpeg`` on the PATH)."""
    wanted = os.environ.get(FFMPEG_ENV) or "ffmpeg"
    found = shutil.which(wanted)
    if found is None:
        raise ScannerUnavailable(
            f"{wanted} was not found: music-scan measures loudness with ffmpeg "
            "(Debian: apt-get install --no-install-recommends ffmpeg)")
    return found


def measure_file(path: Path, ffmpeg: str, timeout_s: float = TIMEOUT_S) -> Measurement:
    """Measure one file; never raises for anything the file or the decoder does."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if not head:
                return Measurement(Status.EMPTY, "the file is empty (0 bytes)")
            if head.startswith(b"MThd"):
                return Measurement(Status.UNSUPPORTED, "a MIDI score, not recorded audio "
                                   "(it needs a synthesizer to be heard)")
            if head[4:8] == b"ftyp" and _mp4_is_encrypted(f):
                return Measurement(Status.DRM, "copy-protected (DRM) audio: it cannot be "
                                   "played outside the store's own player")
    except OSError as exc:
        return Measurement(Status.UNREADABLE, f"cannot read the file: {exc.strerror or exc}")
    command = [ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-v", "info",
               "-i", f"file:{Path(path).absolute()}", "-filter_complex", _GRAPH,
               "-map", "[out]", "-f", "null", "-", "-progress", "pipe:1"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return Measurement(Status.ERROR, f"decoding took longer than {timeout_s:g} s")
    except OSError as exc:
        raise ScannerUnavailable(f"cannot run {ffmpeg}: {exc.strerror or exc}") from exc
    try:
        return parse_ffmpeg(done.returncode, done.stdout.decode("utf-8", "replace"),
                            done.stderr.decode("utf-8", "replace"))
    except (ValueError, IndexError) as exc:  # a log line we did not expect
        return Measurement(Status.ERROR, f"could not read ffmpeg's report ({exc})")


def parse_ffmpeg(returncode: int, progress: str, log: str) -> Measurement:
    """Turn one ffmpeg run (exit code, ``-progress`` output, log) into a Measurement."""
    input_part = re.split(r"^(?:Stream mapping:|Output #0)", log, maxsplit=1, flags=re.M)[0]
    streams = [m.groups() for line in input_part.splitlines()
               if (m := _INPUT_STREAM.match(line))]
    audio = [desc for kind, desc in streams if kind == "Audio"]
    codec = audio[0].split(",")[0].split(" (")[0].strip() if audio else None
    if "Input #0" not in log:
        return Measurement(Status.UNPLAYABLE, f"not a readable audio file ({_last_error(log)})")
    if not audio:
        if not streams:
            return Measurement(Status.EMPTY, "the file holds no audio")
        kinds = ", ".join(sorted({f"{kind.lower()}: {desc.split(',')[0].split(' (')[0]}"
                                  for kind, desc in streams}))
        return Measurement(Status.UNSUPPORTED, f"no audio in the file ({kinds})")
    if missing := _NO_DECODER.search(log):
        return Measurement(Status.UNSUPPORTED, f"no decoder for {missing.group(1)} audio",
                           codec=codec)
    duration_s = _duration_s(progress)
    summary = _SUMMARY.findall(log)
    if returncode != 0 or not summary:
        return Measurement(Status.UNPLAYABLE, f"decoding failed ({_last_error(log)})",
                           codec=codec)
    if not duration_s:
        return Measurement(Status.EMPTY, "the file holds no audio (0 s)", codec=codec)
    integrated = _INTEGRATED.search(summary[-1])
    peak = _PEAK.search(summary[-1])
    if integrated is None or peak is None:
        return Measurement(Status.ERROR, "ffmpeg gave no loudness summary", duration_s,
                           codec=codec)
    peak_dbfs = float(peak.group(1)) if peak.group(1) != "-inf" else -math.inf
    lufs = float(integrated.group(1))
    moments = [float(m) for m in _HEAD_FRAME.findall(log) if float(m) > -120.0]
    start_lufs = max(moments) if moments else None
    if peak_dbfs == -math.inf:
        return Measurement(Status.SILENT, "digital silence throughout", duration_s,
                           codec=codec)
    if lufs <= ABSOLUTE_GATE_LUFS:
        if duration_s < MIN_MEASURABLE_S:
            return Measurement(Status.TOO_SHORT, f"{duration_s:.2f} s is too short to "
                               f"measure (at least {MIN_MEASURABLE_S:g} s)", duration_s,
                               peak_dbfs=peak_dbfs, codec=codec)
        return Measurement(Status.SILENT, f"quieter than {ABSOLUTE_GATE_LUFS:g} LUFS "
                           "throughout", duration_s, peak_dbfs=peak_dbfs, codec=codec)
    return Measurement(Status.OK, None, duration_s, lufs, peak_dbfs, start_lufs, codec,
                       **_tags(input_part))


def _tags(input_part: str) -> dict[str, str]:
    """Title, artist and album from the file's tags (the first of each: the container's,
    else the audio stream's, as Ogg keeps them)."""
    tags: dict[str, str] = {}
    for line in input_part.splitlines():
        if (m := _TAG.match(line)) and m.group(2).strip():
            tags.setdefault(m.group(1).lower(), m.group(2).strip())
    return tags


def _duration_s(progress: str) -> float | None:
    """Seconds of audio decoded: the last ``out_time_us`` of ffmpeg's ``-progress``."""
    values = re.findall(r"^out_time_us=(\d+)$", progress, flags=re.M)
    return round(int(values[-1]) / 1e6, 3) if values else None


def _last_error(log: str) -> str:
    """ffmpeg's most telling complaint, without its object address or our file: prefix."""
    complaints = []
    for line in log.splitlines():
        if not line.strip() or line[0].isspace() or line.startswith(_NOT_COMPLAINTS):
            continue
        if m := _LOG_LINE.match(line):
            if m.group(1).startswith("ebur128@"):
                continue
            line = m.group(2)
        elif line.startswith("file:"):
            line = line.rsplit(": ", 1)[-1]
        complaints.append(line.strip())
    return complaints[-1] if complaints else "ffmpeg could not read it"


def _mp4_is_encrypted(f: Any) -> bool:
    """Whether an MP4/M4A file's track is protected (iTunes FairPlay ``drms``, CENC ``enca``,
    a ``sinf`` protection box): reads only the atom headers and the ``moov`` atom."""
    try:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        offset = 0
        while offset + 8 <= end:
            f.seek(offset)
            header = f.read(16)
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if size == 1:
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                size = end - offset
            if size < 8:
                return False
            if kind == b"moov":
                f.seek(offset)
                moov = f.read(min(size, 64 << 20))
                return b"sinf" in moov or (
                    b"stsd" in moov and any(entry in moov for entry in _ENCRYPTED_ENTRIES))
            offset += size
    except OSError:
        return False
    return False
