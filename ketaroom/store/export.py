"""Exports of one recorded session: JSON (everything), CSV (one row per event), PDF.

Owns the ``ketaroom export ID --format pdf|csv|json`` formats. JSON carries the
session row and every event exactly as journaled and reads back with
:func:`parse_json_export`. CSV has the stable columns :data:`CSV_COLUMNS`; its
``summary`` column is a human line per event (guarded against spreadsheet formula
injection), ``payload_json`` the exact payload. The PDF report a clinic files lives
in :mod:`ketaroom.store.export_pdf` and is re-exported here as :func:`export_pdf`.

Every export that goes to a file, from the command line or the window, is written by
:func:`export_session` through :func:`write_private`: a private temp file (0600,
whatever the umask) beside the target, renamed over it only when complete. Records
hold health data, so a half-written or world-readable copy is never left behind, and
a target that is not a regular file or a new name (a folder, a device, a FIFO, or a
symlink to one) is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ketaroom.store.journal import Journal
from ketaroom.store.record_schema import (
    RecordKind,
    brightness,
    cue_kind,
    note_root,
    phase_name,
    volume,
)
from ketaroom.store.session_records import EventRecord, RecordSource, SessionRecord

if TYPE_CHECKING:
    from ketaroom.store.course_report import CourseReport, CourseSource

JSON_FORMAT = "ketaroom-session"
JSON_VERSION = 1

CSV_COLUMNS = (
    "session_id",
    "seq",
    "wall",
    "session_t",
    "phase_index",
    "kind",
    "summary",
    "payload_json",
)
"""Column order of :func:`export_csv`; a contract for spreadsheets and scripts."""

EXPORT_MODE = 0o600
"""Permissions of every export file: it holds health data."""

FORMATS = ("pdf", "csv", "json")

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_MODE",
    "FORMATS",
    "JSON_FORMAT",
    "JSON_VERSION",
    "ExportTargetError",
    "csv_formula_safe",
    "event_summary",
    "export_course",
    "export_csv",
    "export_json",
    "export_pdf",
    "export_session",
    "number_text",
    "parse_json_export",
    "vitals_text",
    "write_course_report",
    "write_private",
]


class ExportTargetError(OSError):
    """The chosen output is not a regular file or a new name; nothing was written."""


def export_json(journal: RecordSource, session_id: int) -> str:
    """The session and all its events as one JSON document (UTF-8 text, indented)."""
    session = journal.session(session_id)
    events = journal.events(session_id)
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "session": session.to_dict(),
        "events": [event.to_dict() for event in events],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def parse_json_export(text: str) -> tuple[SessionRecord, list[EventRecord]]:
    """Read back a document written by :func:`export_json`."""
    document = json.loads(text)
    if document.get("format") != JSON_FORMAT:
        raise ValueError("not a ketaroom session export")
    if int(document.get("version", 0)) > JSON_VERSION:
        raise ValueError(f"export version {document['version']} is newer than this ketaroom")
    session = SessionRecord(**document["session"])
    events = [EventRecord(**event) for event in document["events"]]
    return session, events


def export_csv(journal: RecordSource, session_id: int) -> str:
    """One row per event with the columns :data:`CSV_COLUMNS` (RFC 4180, CRLF)."""
    journal.session(session_id)  # KeyError for an unknown session
    events = journal.events(session_id)
    by_id = {event.id: event for event in events}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            [
                event.session_id,
                event.seq,
                event.wall,
                f"{event.session_t:.3f}",
                "" if event.phase_index is None else event.phase_index,
                event.kind,
                csv_formula_safe(event_summary(event, by_id)),
                json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()


def export_session(journal: RecordSource, session_id: int, fmt: str, out: Path) -> list[str]:
    """Write session ``session_id`` as ``fmt`` (pdf, csv, json) to the file ``out``.

    The one way exports reach a file (command line and window alike), through
    :func:`write_private`. Returns warnings for the person exporting, e.g. characters
    the PDF could not draw; raises :class:`OSError` (:class:`ExportTargetError` for a
    refused target) and :class:`KeyError` for an unknown session.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    journal.session(session_id)  # KeyError before touching the file system

    def render() -> tuple[bytes, list[str]]:
        if fmt == "pdf":
            from ketaroom.store.export_pdf import render_pdf

            return render_pdf(journal, session_id)
        text = (export_json if fmt == "json" else export_csv)(journal, session_id)
        return text.encode("utf-8"), []

    return _write_export(out, render)


def export_course(source: Journal | CourseSource, code: str, fmt: str, out: Path, *,
                  include_rehearsals: bool = False) -> list[str]:
    """Write patient ``code``'s course report as ``fmt`` (pdf, csv, json) to ``out``,
    read from a journal (this room) or a course source (the clinic's server).

    Like :func:`export_session` (private file, warnings returned); :class:`KeyError`
    for an unknown patient, before the file system is touched.
    """
    from ketaroom.store import course_report

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    report = course_report.load_course(source, code, include_rehearsals=include_rehearsals)
    return write_course_report(report, fmt, out)


def write_course_report(report: CourseReport, fmt: str, out: Path) -> list[str]:
    """Write a course report already read (pdf, csv, json) to ``out``, privately."""
    from ketaroom.store import course_report

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")

    def render() -> tuple[bytes, list[str]]:
        if fmt == "pdf":
            return course_report.render_course_pdf(report)
        text = (course_report.course_json if fmt == "json" else course_report.course_csv)(
            report)
        return text.encode("utf-8"), []

    return _write_export(out, render)


def _write_export(out: Path, render: Callable[[], tuple[bytes, list[str]]]) -> list[str]:
    """Write what ``render`` makes through :func:`write_private`; its warnings."""
    warnings: list[str] = []

    def write(handle: BinaryIO) -> None:
        data, found = render()
        warnings.extend(found)
        handle.write(data)

    write_private(out, write)
    return warnings


def export_pdf(journal: RecordSource, session_id: int, out: Path) -> list[str]:
    """Write the PDF session report to ``out``; returns warnings (see :func:`export_session`)."""
    return export_session(journal, session_id, "pdf", out)


def write_private(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Have ``write`` fill a new private file that then replaces ``target``; returns the path.

    ``target`` must be a regular file or a name not yet taken; a symlink to a regular
    file is followed (the file it points to is replaced). The content goes to a temp
    file created with ``O_EXCL`` and mode 0600 in the same folder, is fsync'd, and is
    renamed over the target only when ``write`` returned; on any failure (including
    an exception inside ``write``) the temp file is removed and the target is untouched.
    """
    final = _checked_target(Path(target))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            with contextlib.suppress(OSError):  # Windows has no POSIX modes
                os.chmod(tmp, EXPORT_MODE)  # mkstemp's 0600 is narrowed further by the umask
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _checked_target(final)  # it may have been swapped for a device meanwhile
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return final


def _checked_target(path: Path) -> Path:
    """Where to write ``path``: itself when new, its real path when a regular file."""
    try:
        info = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        if os.path.islink(path):
            raise ExportTargetError(
                errno.ENOENT, "is a symbolic link to nothing; choose another name", str(path)
            ) from None
        return path
    if stat.S_ISDIR(info.st_mode):
        raise ExportTargetError(errno.EISDIR, "is a folder; choose a file name", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise ExportTargetError(
            errno.EINVAL, "is a device, FIFO or socket, not a file; choose a file name", str(path)
        )
    return Path(os.path.realpath(path))


def csv_formula_safe(text: str) -> str:
    """``text`` for a CSV cell a spreadsheet will not run as a formula (CSV formula
    injection): text starting with ``= + - @``, a tab or a carriage return gets a
    leading apostrophe. The session CSV's ``summary`` and every cell of the course CSV
    go through it; the session CSV's ``payload_json`` keeps each payload exact."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def number_text(value: Any, missing: str = "?") -> str:
    """A recorded value as text, as the journal holds it: a whole float without its
    ``.0`` (``120.0`` → ``120``), anything else unchanged (``32.85``, a hand-made
    ``"high"``), ``missing`` for none. The CSV summary and the PDF report both write
    numbers through it, so neither rounds a value nor hides one it cannot read."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return missing if value is None else str(value)


def vitals_text(payload: dict[str, Any]) -> str:
    """``BP 128/82 · HR 72 · SpO2 98 %`` from a vitals payload (missing parts left out)."""
    parts = []
    if payload.get("sys") is not None or payload.get("dia") is not None:
        parts.append(f"BP {number_text(payload.get('sys'))}/{number_text(payload.get('dia'))}")
    if payload.get("hr") is not None:
        parts.append(f"HR {number_text(payload['hr'])}")
    if payload.get("spo2") is not None:
        parts.append(f"SpO2 {number_text(payload['spo2'])} %")
    return " · ".join(parts) if parts else "(no values)"


def _session_start(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return f"Session started: {event.payload.get('preset', '')}".rstrip(": ")


def _phase_start(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    number = "" if event.phase_index is None else f"{event.phase_index + 1} "
    return f"Phase {number}started: {phase_name(event.payload)}".rstrip(": ")


def _cue(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return f"Cue ({cue_kind(event.payload)}): {event.payload.get('prompt', '')}"


def _cue_ack(event: EventRecord, by_id: dict[int, EventRecord]) -> str:
    p = event.payload
    cue = by_id.get(event.refers_to) if event.refers_to is not None else None
    prompt = cue.payload.get("prompt", "") if cue else p.get("prompt", "")
    who = f" by {p['by']}" if p.get("by") else ""
    return f"Cue acknowledged{who}: {prompt}".rstrip(": ")


def _intent(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    intent = str(event.payload.get("intent", "?"))
    amount = event.payload.get("amount_s")
    if intent == "extend" and amount:
        return f"Extend by {number_text(amount)} s"
    return intent.capitalize()


def tags_text(tags: Any) -> str:
    """`` [dose, ready]`` for a list of tags, empty for none."""
    return f" [{', '.join(map(str, tags))}]" if tags else ""


def _note(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return f"Note: {event.payload.get('text', '')}{tags_text(event.payload.get('tags'))}"


def _note_correction(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return f"Correction of event {event.refers_to}: {event.payload.get('text', '')}"


def _note_tags(event: EventRecord, by_id: dict[int, EventRecord]) -> str:
    root = note_root(event, by_id)
    tags = [str(t) for t in event.payload.get("tags") or []]
    now = ", ".join(tags) if tags else "none"
    return f"Tags of note {root if root is not None else event.refers_to}: {now}"


def _vitals(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    warnings = event.payload.get("warnings") or []
    suffix = f" — {'; '.join(map(str, warnings))}" if warnings else ""
    return f"Vitals: {vitals_text(event.payload)}{suffix}"


_MUSIC_FLAGS: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("muted", lambda muted: "muted" if muted else "unmuted"),
    ("skip", lambda skip: "track skipped" if skip else ""),
    ("manual", lambda manual: "(manual)" if manual else ""),
)


def _music(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    p = event.payload
    bits = [str(p.get("track") or p.get("playlist") or p.get("state") or "")]
    level = volume(p)
    if level is not None:
        bits.append(f"volume {number_text(level)} %")
    bits += [say(p[key]) for key, say in _MUSIC_FLAGS if p.get(key) is not None]
    text = " ".join(b for b in bits if b)
    return f"Music: {text}" if text else "Music"


def _light(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    p = event.payload
    level = brightness(p)
    bits = [
        f"{number_text(level)} %" if level is not None else "",
        f"{number_text(p['kelvin'])} K" if p.get("kelvin") is not None else "",
        str(p["color"]) if p.get("color") else "",
        "(manual)" if p.get("manual") else "",
    ]
    bits = [b for b in bits if b]
    return "Light: " + " ".join(bits) if bits else "Light"


def _device_error(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    p = event.payload
    label = "Device warning" if p.get("severity") == "warning" else "Device error"
    return f"{label} ({p.get('device', 'device')}): {p.get('message', p.get('error', ''))}"


def _emergency(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    text = event.payload.get("text") or event.payload.get("message") or ""
    return f"EMERGENCY: {text}".rstrip(": ")


def _preferences(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return str(event.payload.get("message") or "Patient preferences")


def _resume(_event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return "Resumed after interruption"


def _session_end(event: EventRecord, _by_id: dict[int, EventRecord]) -> str:
    return f"Session ended ({event.payload.get('status', '')})".replace(" ()", "")


Summary = Callable[[EventRecord, dict[int, EventRecord]], str]

SUMMARIES: dict[str, Summary] = {
    RecordKind.SESSION_START: _session_start,
    RecordKind.PHASE_START: _phase_start,
    RecordKind.CUE: _cue,
    RecordKind.CUE_ACK: _cue_ack,
    RecordKind.INTENT: _intent,
    RecordKind.NOTE: _note,
    RecordKind.NOTE_CORRECTION: _note_correction,
    RecordKind.NOTE_TAGS: _note_tags,
    RecordKind.VITALS: _vitals,
    RecordKind.MUSIC: _music,
    RecordKind.LIGHT: _light,
    RecordKind.DEVICE_ERROR: _device_error,
    RecordKind.EMERGENCY: _emergency,
    RecordKind.PREFERENCES: _preferences,
    RecordKind.RESUME: _resume,
    RecordKind.SESSION_END: _session_end,
}
"""Kind → its one-line summary; any other kind is summarised as ``kind: {payload}``."""


def event_summary(event: EventRecord, by_id: dict[int, EventRecord] | None = None) -> str:
    """One human line describing an event, as used in the CSV ``summary`` column."""
    summary = SUMMARIES.get(event.kind)
    if summary is None:
        return f"{event.kind}: {json.dumps(event.payload, ensure_ascii=False, sort_keys=True)}"
    return summary(event, by_id or {})
