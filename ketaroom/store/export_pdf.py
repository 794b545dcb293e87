"""The PDF session report a clinic files (fpdf2; no Qt).

Owns the layout of the report: the title "Session report · <room>" (the same from
the window and the command line), a header (room, date, preset, patient ref,
operator), for esketamine/REMS sessions a monitoring summary, phases planned vs
actual, a vitals table with a blood-pressure chart, notes with their corrections,
cues fired/acknowledged/missed, operator actions, device incidents and emergency
presses, and a sign-off line. Text of any length wraps and continues over pages;
a section heading always stays with the first lines of its content.

Text uses DejaVu Sans when installed, with a CJK font (:data:`CJK_FONTS`) as
fallback, and the core Helvetica font (latin-1) otherwise. A character none of them
can draw is shown as a visible marker and reported by :func:`render_pdf` as a
warning; the font library's own log lines (which quote those characters, i.e. bits
of clinical notes) never reach stderr.

The facts shown are computed by :func:`analyse` from the journal alone, so a report
can be made for a session recorded by any earlier ketaroom, or an interrupted one.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from ketaroom.core.durations import format_clock, parse_duration
from ketaroom.store.export import event_summary
from ketaroom.store.patients import bp_by_slot
from ketaroom.store.record_schema import (
    RecordKind,
    cue_kind,
    dose_confirmed,
    note_root,
    phase_name,
)
from ketaroom.store.session_records import EventRecord, RecordSource, SessionRecord

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
    Path("C:/Windows/Fonts"),
    Path("/Library/Fonts"),
)
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian: fonts-wqy-microhei
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),  # Fedora
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),  # fonts-droid-fallback
    Path("C:/Windows/Fonts/msyh.ttc"),  # Microsoft YaHei
    Path("/Library/Fonts/Arial Unicode.ttf"),
)
"""Fonts for Chinese, Japanese and Korean text, first found wins (one is enough)."""
MARKER = "□"
CORE_MARKER = "[?]"
"""Shown for a character no font can draw (:data:`CORE_MARKER` without DejaVu)."""
FLOW_ROW_MM = 40.0
"""A table row taller than this is drawn as flowing paragraphs instead."""
REMS_MIN_MONITORING_MIN = 120
REMS_POST_DOSE_CHECK_MIN = 40

_INK = (30, 30, 30)
_MUTED = (110, 110, 110)
_RULE = (190, 190, 190)
_HEAD_FILL = (232, 236, 240)
_SYS_COLOUR = (196, 40, 40)
_DIA_COLOUR = (30, 90, 180)
_ALERT = (170, 20, 20)
_REGULAR_FALLBACK = "DejaVuRegular"
_CJK_FALLBACK = "CJK"
_TABLE_PT = 8.5
_LINE_H = 4.6
_CELL_PAD_V, _CELL_PAD_H = 1.2, 1.5
_WORD_MAX_SHARE = 0.4
"""A column is widened for its widest word up to this share of the page (a pasted URL in
a note still wraps inside its cell)."""
_HEADING_H = 13.0  # space above, the heading line and its rule
_KEEP_LINES = 3  # lines of a section's first paragraph kept with its heading
_BP_CHART_H = 70.0
_LATIN1_SUBSTITUTES = {
    "·": "-", "—": "-", "–": "-", "−": "-", "→": "->", "≥": ">=", "×": "x", "Δ": "Diff",
    "…": "...", "□": "[?]",
}  # fmt: skip
_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul jamo
    (0x2E80, 0x303F),  # CJK radicals, punctuation
    (0x3040, 0x30FF),  # kana
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x3400, 0x9FFF),  # CJK ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x20000, 0x3134F),  # CJK extensions
)

__all__ = ["SessionFacts", "analyse", "cjk_font", "render_pdf", "report_title"]


def cjk_font() -> Path | None:
    """The first installed font of :data:`CJK_FONTS`, if any."""
    return next((path for path in CJK_FONTS if path.is_file()), None)


def _is_cjk(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in _CJK_RANGES)


def report_title(session: SessionRecord) -> str:
    """``Session report · Treatment room``: the title and running header of every report."""
    return "Session report" + (f" · {session.room}" if session.room else "")


# --------------------------------------------------------------------------- analysis


@dataclass
class PhaseRow:
    index: int
    name: str
    planned_start_s: float | None
    planned_s: float | None
    is_open: bool = False
    actual_start_s: float | None = None
    actual_wall: datetime | None = None
    actual_s: float | None = None
    reached: bool = False


@dataclass
class NoteRow:
    event: EventRecord
    corrections: list[EventRecord] = field(default_factory=list)
    tag_changes: list[EventRecord] = field(default_factory=list)
    """``note_tags`` entries: the note's tags changed, its text did not."""


@dataclass
class CueRow:
    event: EventRecord
    ack: EventRecord | None = None


@dataclass
class IncidentRow:
    first: EventRecord
    last: EventRecord
    count: int


@dataclass
class SessionFacts:
    """Everything the report shows, derived from the session row and its events."""

    session: SessionRecord
    events: list[EventRecord]
    phases: list[PhaseRow]
    vitals: list[EventRecord]
    notes: list[NoteRow]
    cues: list[CueRow]
    intents: list[EventRecord]
    incidents: list[IncidentRow]
    emergencies: list[EventRecord]
    start_wall: datetime
    end_wall: datetime | None
    end_t: float | None


def is_rems_session(session: SessionRecord) -> bool:
    """Esketamine sessions (preset named with "esketamine" or "REMS") get a REMS section."""
    name = (session.preset or "").lower()
    return "esketamine" in name or "rems" in name


def _planned_from_start(events: list[EventRecord]) -> list[PhaseRow]:
    """The plan the session itself recorded in its ``session_start`` payload."""
    for event in events:
        if event.kind != RecordKind.SESSION_START:
            continue
        phases = event.payload.get("phases")
        if not isinstance(phases, list) or not phases:
            return []
        rows: list[PhaseRow] = []
        clock: float | None = 0.0
        for index, phase in enumerate(phases):
            phase = phase if isinstance(phase, dict) else {}
            planned = _num(phase.get("planned_s"))
            name = str(phase.get("name") or f"Phase {index + 1}")
            rows.append(PhaseRow(index, name, clock, planned, bool(phase.get("open"))))
            clock = clock + planned if clock is not None and planned is not None else None
        return rows
    return []


def _planned_phases(session: SessionRecord) -> list[PhaseRow]:
    """Phase names and planned lengths from the preset snapshot (tolerant of errors)."""
    if not session.preset_yaml:
        return []
    try:
        from ruamel.yaml import YAML

        doc = YAML(typ="safe", pure=True).load(session.preset_yaml)
    except Exception:
        return []
    phases = doc.get("phases") if isinstance(doc, dict) else None
    if not isinstance(phases, list):
        return []
    rows: list[PhaseRow] = []
    clock: float | None = 0.0
    for index, phase in enumerate(phases):
        if not isinstance(phase, dict):
            phase = {}
        name = str(phase.get("name", f"Phase {index + 1}"))
        duration = phase.get("duration")
        is_open = isinstance(duration, str) and duration.strip().lower() == "open"
        planned: float | None
        try:
            if is_open:
                expected = phase.get("expected")
                planned = parse_duration(expected) if expected is not None else None
            else:
                planned = parse_duration(duration)
        except (ValueError, TypeError):
            planned = None
        rows.append(PhaseRow(index, name, clock, planned, is_open))
        clock = clock + planned if clock is not None and planned is not None else None
    return rows


@dataclass
class _Collected:
    """What one pass over the events gathers, kind by kind (see :data:`_COLLECTORS`)."""

    by_id: dict[int, EventRecord]
    starts: list[EventRecord] = field(default_factory=list)
    session_starts: list[EventRecord] = field(default_factory=list)
    session_ends: list[EventRecord] = field(default_factory=list)
    notes: dict[int, NoteRow] = field(default_factory=dict)
    cues: dict[int, CueRow] = field(default_factory=dict)
    incidents: list[IncidentRow] = field(default_factory=list)
    vitals: list[EventRecord] = field(default_factory=list)
    intents: list[EventRecord] = field(default_factory=list)
    emergencies: list[EventRecord] = field(default_factory=list)


def _on_phase_start(found: _Collected, event: EventRecord) -> None:
    if event.phase_index is not None:
        found.starts.append(event)


def _on_note(found: _Collected, event: EventRecord) -> None:
    found.notes[event.id] = NoteRow(event)


def _on_note_follow_up(found: _Collected, event: EventRecord) -> None:
    root = _root_note(event, found.by_id)
    if root is None or root not in found.notes:
        return
    row = found.notes[root]
    (row.corrections if event.kind == RecordKind.NOTE_CORRECTION else row.tag_changes
     ).append(event)


def _on_cue(found: _Collected, event: EventRecord) -> None:
    found.cues[event.id] = CueRow(event)


def _on_cue_ack(found: _Collected, event: EventRecord) -> None:
    row = found.cues.get(event.refers_to) if event.refers_to is not None else None
    if row is not None:
        row.ack = row.ack or event


def _on_device_error(found: _Collected, event: EventRecord) -> None:
    incidents = found.incidents
    if incidents and _incident_key(incidents[-1].first) == _incident_key(event):
        incidents[-1].last = event
        incidents[-1].count += 1
    else:
        incidents.append(IncidentRow(event, event, 1))


def _into(name: str) -> Callable[[_Collected, EventRecord], None]:
    def collect(found: _Collected, event: EventRecord) -> None:
        getattr(found, name).append(event)

    return collect


_COLLECTORS: dict[str, Callable[[_Collected, EventRecord], None]] = {
    RecordKind.SESSION_START: _into("session_starts"),
    RecordKind.PHASE_START: _on_phase_start,
    RecordKind.SESSION_END: _into("session_ends"),
    RecordKind.NOTE: _on_note,
    RecordKind.NOTE_CORRECTION: _on_note_follow_up,
    RecordKind.NOTE_TAGS: _on_note_follow_up,
    RecordKind.CUE: _on_cue,
    RecordKind.CUE_ACK: _on_cue_ack,
    RecordKind.DEVICE_ERROR: _on_device_error,
    RecordKind.VITALS: _into("vitals"),
    RecordKind.INTENT: _into("intents"),
    RecordKind.RESUME: _into("intents"),
    RecordKind.EMERGENCY: _into("emergencies"),
}
"""Kind → what the report takes from such an event; other kinds are not in the report."""


def _collect(events: list[EventRecord]) -> _Collected:
    found = _Collected({e.id: e for e in events})
    for event in events:
        collect = _COLLECTORS.get(event.kind)
        if collect is not None:
            collect(found, event)
    return found


def _plan(session: SessionRecord, events: list[EventRecord]) -> dict[int, PhaseRow]:
    """The planned phases: as recorded at the start, else from the preset snapshot."""
    plan = _planned_from_start(events) or _planned_phases(session)
    if plan and session.preset_yaml:
        # The YAML knows which phases are open; the recorded plan knows the lengths.
        for row, yaml_row in zip(plan, _planned_phases(session), strict=False):
            row.is_open = row.is_open or yaml_row.is_open
    return {row.index: row for row in plan}


def _planned_number(payload: dict[str, Any], key: str) -> float | None:
    value = payload.get(key)
    return float(value) if isinstance(value, int | float) else None


def _note_phase_start(row: PhaseRow, event: EventRecord) -> None:
    """What a phase start says about its phase's name and plan (filling gaps only)."""
    p = event.payload
    if phase_name(p):
        row.name = phase_name(p)
    if row.planned_s is None:
        row.planned_s = _planned_number(p, "planned_s")
    if row.planned_start_s is None:
        row.planned_start_s = _planned_number(p, "planned_start_s")


def _phase_rows(phases: dict[int, PhaseRow], starts: list[EventRecord],
                end_t: float | None) -> list[PhaseRow]:
    """The plan with each phase's actual start and length filled in."""
    for position, event in enumerate(starts):
        index = int(event.phase_index or 0)
        row = phases.setdefault(index, PhaseRow(index, f"Phase {index + 1}", None, None))
        _note_phase_start(row, event)
        if row.reached:
            continue  # a repeated start (e.g. after resume): the first one counts
        row.reached = True
        row.actual_start_s = event.session_t
        row.actual_wall = _wall(event)
        following = [s.session_t for s in starts[position + 1 :] if s.phase_index != index]
        stop = following[0] if following else end_t
        if stop is not None:
            row.actual_s = max(0.0, stop - event.session_t)
    return [phases[i] for i in sorted(phases)]


def analyse(session: SessionRecord, events: list[EventRecord]) -> SessionFacts:
    """Derive the report's facts from a session and its events."""
    found = _collect(events)
    end_t = found.session_ends[-1].session_t if found.session_ends else None
    if found.session_starts:
        start_wall = _wall(found.session_starts[0])
    else:
        start_wall = _parse(session.started_at)
    end_wall: datetime | None = None
    if found.session_ends:
        end_wall = _wall(found.session_ends[-1])
    elif session.ended_at:
        end_wall = _parse(session.ended_at)
    return SessionFacts(
        session=session,
        events=events,
        phases=_phase_rows(_plan(session, events), found.starts, end_t),
        vitals=found.vitals,
        notes=list(found.notes.values()),
        cues=list(found.cues.values()),
        intents=found.intents,
        incidents=found.incidents,
        emergencies=found.emergencies,
        start_wall=start_wall,
        end_wall=end_wall,
        end_t=end_t,
    )


def _incident_key(event: EventRecord) -> tuple[str, str]:
    p = event.payload
    return (str(p.get("device", "")), str(p.get("message", p.get("error", ""))))


def _root_note(event: EventRecord, by_id: dict[int, EventRecord]) -> int | None:
    return note_root(event, by_id)


def _parse(text: str) -> datetime:
    """A stored wall time in the local zone of the machine making the report."""
    return datetime.fromisoformat(text).astimezone()


def _wall(event: EventRecord) -> datetime:
    return _parse(event.wall)


def _tags(row: NoteRow) -> list[str]:
    """The note's tags now: as last set by a correction or a tag change."""
    tags = row.event.payload.get("tags") or []
    for change in sorted(row.corrections + row.tag_changes, key=lambda e: e.seq):
        if "tags" in change.payload:
            tags = change.payload.get("tags") or []
    return [str(t) for t in tags]


def _tagged(notes: list[NoteRow], tag: str) -> NoteRow | None:
    for row in notes:
        if tag in [t.lower() for t in _tags(row)]:
            return row
    return None


# --------------------------------------------------------------------------- rendering


class _Report(FPDF):
    """An A4 report whose text never loses a character and whose headings stay with content.

    Text goes through :meth:`t`, which shows a character no loaded font can draw as
    :data:`MARKER` and remembers it for :meth:`glyph_warnings`. :meth:`section` only
    announces a heading; the next block (:meth:`table_rows`, :meth:`muted_line`,
    :meth:`keep`) places it together with its own first lines.
    """

    def __init__(self, title: str, reference: str) -> None:
        """``title`` heads the first page and every later one with ``reference`` (what the
        report is about: ``session #12``, ``patient PT-0042``), which the footer repeats."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self.title_text = title
        self.reference = reference
        self.missing: dict[str, None] = {}  # characters shown as the marker, in order
        self.drawable: set[int] = set()
        self.unicode = self._load_fonts()
        self.marker = MARKER if self.unicode else CORE_MARKER
        self.pending_heading: str | None = None
        self.body_top = 0.0  # where the content of the current page starts (see header)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self.set_title(f"{self.title_text} ({reference})")
        self.set_creator("ketaroom")
        self.generated = datetime.now().astimezone()

    # ------------------------------------------------------------ fonts / text

    def _load_fonts(self) -> bool:
        """DejaVu Sans with a CJK fallback when installed; else the core Helvetica font."""
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                try:
                    self.add_font("DejaVu", "", str(regular))
                    self.add_font("DejaVu", "B", str(bold))
                    oblique = folder / "DejaVuSans-Oblique.ttf"
                    self.add_font("DejaVu", "I", str(oblique if oblique.is_file() else regular))
                    # Bold and oblique lack some glyphs of the regular face: fall back to it.
                    self.add_font(_REGULAR_FALLBACK, "", str(regular))
                except Exception:
                    continue
                self.family = "DejaVu"
                fallbacks = [_REGULAR_FALLBACK]
                cjk = cjk_font()
                if cjk is not None:
                    with contextlib.suppress(Exception):  # a damaged font: markers instead
                        self.add_font(_CJK_FALLBACK, "", str(cjk))
                        fallbacks.append(_CJK_FALLBACK)
                self.set_fallback_fonts(fallbacks, exact_match=False)
                for key in fallbacks:
                    self.drawable.update(self.fonts[key.lower()].cmap)
                return True
        self.family = "Helvetica"
        return False

    def t(self, text: object) -> str:
        """``text`` as it will be drawn: what no font has becomes the marker (and is noted)."""
        out = unicodedata.normalize("NFC", "" if text is None else str(text))
        out = out.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
        if not self.unicode:
            for char, substitute in _LATIN1_SUBSTITUTES.items():
                out = out.replace(char, substitute)
        return "".join(self._glyph(char) for char in out)

    def _glyph(self, char: str) -> str:
        if char == "\n" or self._can_draw(char):
            return char
        if unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F:
            return ""  # invisible anyway: joiners, variation selectors, direction marks
        self.missing[char] = None
        return self.marker

    def _can_draw(self, char: str) -> bool:
        if self.unicode:
            return ord(char) in self.drawable
        return ord(char) < 256 and unicodedata.category(char) != "Cc"

    def glyph_warnings(self) -> list[str]:
        """What the reader of the PDF cannot see: characters shown as the marker."""
        if not self.missing:
            return []
        chars = list(self.missing)
        codes = ", ".join(f"U+{ord(c):04X}" for c in chars[:8])
        if len(chars) > 8:
            codes += f" and {len(chars) - 8} more"
        noun = "character" if len(chars) == 1 else "different characters"
        text = (
            f"the PDF shows {self.marker} for {len(chars)} {noun} no installed font can draw "
            f"({codes})"
        )
        if not self.unicode:
            text += "; install DejaVu Sans (Debian: fonts-dejavu-core) for non-Latin text"
        elif cjk_font() is None and any(_is_cjk(c) for c in chars):
            text += (
                "; install a CJK font (Debian: fonts-wqy-microhei) for Chinese, Japanese "
                "and Korean"
            )
        return [text]

    def font(self, size: float, style: str = "") -> None:
        self.set_font(self.family, style, size)

    # ------------------------------------------------------------ page furniture

    def header(self) -> None:
        self.body_top = self.t_margin
        if self.page_no() == 1:
            return
        self.font(8)
        self.set_text_color(*_MUTED)
        left = f"{self.title_text} · {self.reference}"
        self.cell(0, 5, self.t(left), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(*_INK)
        self.body_top = self.get_y()

    def footer(self) -> None:
        self.set_y(-12)
        self.font(7.5)
        self.set_text_color(*_MUTED)
        stamp = self.generated.strftime("%Y-%m-%d %H:%M")
        self.cell(
            0,
            5,
            self.t(f"ketaroom {self.reference} · generated {stamp}"),
            align="L",
        )
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*_INK)

    def section(self, title: str) -> None:
        """Announce a section; its heading is drawn with the first block that follows."""
        self.pending_heading = title

    def keep(self, height: float) -> None:
        """Start a new page unless the pending heading and ``height`` mm fit on this one.

        A page that has nothing on it yet is kept whatever ``height`` is.
        """
        heading = _HEADING_H if self.pending_heading is not None else 0.0
        fits = self.get_y() + heading + height <= self.page_break_trigger
        if not fits and self.get_y() > self.body_top:
            self.add_page()
        if self.pending_heading is not None:
            title, self.pending_heading = self.pending_heading, None
            self.ln(4)
            self.font(12, "B")
            self.cell(0, 7, self.t(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_draw_color(*_RULE)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(2)
            self.font(9)

    def muted_line(self, text: str) -> None:
        self.font(9, "I")
        self.keep(self._text_height(text, self.epw, 5, lines=_KEEP_LINES))
        self.set_text_color(*_MUTED)
        self.multi_cell(0, 5, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*_INK)
        self.font(9)

    def _text_height(
        self, text: str, width: float, line_h: float, *, lines: int = 0, pad_h: float = 0.0
    ) -> float:
        """Height of ``text`` in a ``multi_cell`` of ``width`` (first ``lines`` lines only)."""
        wrapped = self.multi_cell(
            width, line_h, self.t(text), dry_run=True, output=MethodReturnValue.LINES,
            padding=(0, pad_h),
        )  # fmt: skip
        count = len(wrapped) if not lines else min(lines, len(wrapped))
        return max(1, count) * line_h

    def table_rows(
        self,
        headings: tuple[str, ...],
        rows: list[tuple[str, ...]],
        widths: tuple[float, ...],
        *,
        alert_rows: set[int] | None = None,
    ) -> None:
        """A table; a row taller than :data:`FLOW_ROW_MM` leaves it and flows as paragraphs.

        fpdf2 cannot split a table row across pages, so a long note, warning or prompt
        is drawn below the rows before it as a caption (the row's other cells) and a
        paragraph that wraps and continues on the next page; the table then resumes.
        Columns are widened where the page allows until no word breaks ("146/90" never
        becomes "146/9" over "0", a room's name stays whole).
        """
        alerts = alert_rows or set()
        scale = self.epw / sum(widths)
        widths = tuple(w * scale for w in widths)
        widths = self._fit_words(headings, rows, widths)
        head_h = self._row_height(headings, widths, "B")
        heights = [
            self._row_height(values, widths, "B" if n in alerts else "")
            for n, values in enumerate(rows)
        ]
        start = 0
        while start < len(rows):
            if heights[start] > FLOW_ROW_MM:
                self._flowing_row(headings, rows[start], widths, alert=start in alerts)
                start += 1
                continue
            stop = start
            while stop < len(rows) and heights[stop] <= FLOW_ROW_MM:
                stop += 1
            self.keep(head_h + heights[start])
            self._table(headings, rows[start:stop], widths,
                        {n - start for n in alerts if start <= n < stop})  # fmt: skip
            start = stop
        self.font(9)

    def _fit_words(
        self,
        headings: tuple[str, ...],
        rows: list[tuple[str, ...]],
        widths: tuple[float, ...],
    ) -> tuple[float, ...]:
        """``widths`` with each column as wide as its widest word (in bold; at most
        :data:`_WORD_MAX_SHARE` of the page), the room taken from the columns wider than
        theirs, in proportion to what they can spare."""
        self.font(_TABLE_PT, "B")
        need = [min(max((self.get_string_width(self.t(word)) for values in (headings, *rows)
                         for word in values[column].split()), default=0.0)
                    + 2 * _CELL_PAD_H + 0.6, self.epw * _WORD_MAX_SHARE)
                for column in range(len(widths))]
        short = {i: need[i] - w for i, w in enumerate(widths) if need[i] > w}
        spare = {i: w - need[i] for i, w in enumerate(widths) if w > need[i]}
        move = min(sum(short.values()), sum(spare.values()))
        if move <= 0:
            return widths
        fitted = list(widths)
        for i, amount in short.items():
            fitted[i] += amount * move / sum(short.values())
        for i, amount in spare.items():
            fitted[i] -= amount * move / sum(spare.values())
        return tuple(fitted)

    def _row_height(self, values: tuple[str, ...], widths: tuple[float, ...], style: str) -> float:
        self.font(_TABLE_PT, style)
        return _CELL_PAD_V * 2 + max(
            self._text_height(value, width, _LINE_H, pad_h=_CELL_PAD_H)
            for value, width in zip(values, widths, strict=True)
        )

    def _table(
        self,
        headings: tuple[str, ...],
        rows: list[tuple[str, ...]],
        widths: tuple[float, ...],
        alerts: set[int],
    ) -> None:
        self.font(_TABLE_PT)
        heading_style = FontFace(emphasis="BOLD", fill_color=_HEAD_FILL, size_pt=_TABLE_PT)
        self.set_draw_color(*_RULE)
        self.set_fill_color(255, 255, 255)
        self.set_text_color(*_INK)
        self.set_line_width(0.2)
        with self.table(
            col_widths=widths,
            width=self.epw,
            headings_style=heading_style,
            line_height=_LINE_H,
            text_align="LEFT",
            borders_layout="HORIZONTAL_LINES",
            padding=(_CELL_PAD_V, _CELL_PAD_H),
            v_align="TOP",
        ) as table:
            head = table.row()
            for text in headings:
                head.cell(self.t(text))
            for number, values in enumerate(rows):
                style = FontFace(color=_ALERT, emphasis="BOLD") if number in alerts else None
                row = table.row(style=style)
                for value in values:
                    row.cell(self.t(value))

    def _flowing_row(
        self,
        headings: tuple[str, ...],
        values: tuple[str, ...],
        widths: tuple[float, ...],
        *,
        alert: bool,
    ) -> None:
        """One long row: its short cells as a caption line, its widest cell as paragraphs."""
        text_col = widths.index(max(widths))
        caption = "  ·  ".join(
            f"{heading}: {value}"
            for n, (heading, value) in enumerate(zip(headings, values, strict=True))
            if n != text_col and value
        ) + f"  ·  {headings[text_col]}:"
        style = "B" if alert else ""
        indent = 4.0
        self.font(_TABLE_PT, "B")
        lead = self._text_height(caption, self.epw, _LINE_H)
        self.font(_TABLE_PT, style)
        lead += self._text_height(values[text_col], self.epw - indent, _LINE_H, lines=_KEEP_LINES)
        self.keep(lead + 2 * _CELL_PAD_V)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(_CELL_PAD_V)
        self.font(_TABLE_PT, "B")
        self.set_text_color(*(_ALERT if alert else _MUTED))
        self.multi_cell(
            0, _LINE_H, self.t(caption), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.font(_TABLE_PT, style)
        self.set_text_color(*(_ALERT if alert else _INK))
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent, _LINE_H, self.t(values[text_col]), align="L",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        self.set_text_color(*_INK)
        self.ln(_CELL_PAD_V)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    # ------------------------------------------------------------ formatting

    def rel(self, seconds: float | None) -> str:
        return "—" if seconds is None else "+" + format_clock(seconds)

    def clock(self, moment: datetime | None) -> str:
        return "—" if moment is None else moment.strftime("%H:%M:%S")

    def minutes(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        return format_clock(seconds)


def _kv_block(pdf: _Report, pairs: list[tuple[str, str]], columns: int = 2) -> None:
    col_w = pdf.epw / columns
    label_w = 30
    rows = math.ceil(len(pairs) / columns)
    top = pdf.get_y()
    for i, (label, value) in enumerate(pairs):
        col, line = divmod(i, rows)
        pdf.set_xy(pdf.l_margin + col * col_w, top + line * 5.6)
        pdf.font(8.5)
        pdf.set_text_color(*_MUTED)
        pdf.cell(label_w, 5.6, pdf.t(label))
        pdf.set_text_color(*_INK)
        pdf.font(9.5, "B" if label in ("Patient", "Preset") else "")
        text = pdf.t(value)
        while text and pdf.get_string_width(text) > col_w - label_w - 3:
            text = text[:-2] + "…" if pdf.unicode else text[:-4] + "..."
        pdf.cell(col_w - label_w, 5.6, text)
    pdf.set_xy(pdf.l_margin, top + rows * 5.6 + 1)
    pdf.font(9)


def _render_header(pdf: _Report, facts: SessionFacts) -> None:
    s = facts.session
    pdf.font(17, "B")
    pdf.multi_cell(0, 9, pdf.t(pdf.title_text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if s.speed != 1.0:
        pdf.set_fill_color(255, 236, 200)
        pdf.font(9.5, "B")
        pdf.cell(
            0,
            7,
            pdf.t(f"REHEARSAL at {s.speed:g}× speed — not a patient session"),
            fill=True,
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(2)
    start = facts.start_wall
    end = facts.end_wall
    wall_length = (end - start).total_seconds() if end else None
    status = s.status.capitalize()
    if s.status == "interrupted":
        pdf.set_fill_color(250, 220, 220)
        pdf.font(9.5, "B")
        pdf.cell(
            0,
            7,
            pdf.t("INTERRUPTED — no end recorded (crash or power loss); events up to then"),
            fill=True,
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(2)
    pairs = [
        ("Date", start.strftime("%A %d %B %Y")),
        ("Started", f"{start.strftime('%H:%M:%S')} ({_utc_offset(start)})"),
        ("Ended", pdf.clock(end) if end else "—"),
        ("Status", status),
        ("Session #", str(s.id)),
        ("Preset", s.preset),
        ("Room", s.room or "—"),
        ("Patient", _patient_text(s)),
        ("Operator", s.operator or "—"),
        ("Planned", _human(s.planned_s)),
        ("Actual (wall)", _human(wall_length)),
        ("Host", s.host or "—"),
    ]
    _kv_block(pdf, pairs)


def _patient_text(session: SessionRecord) -> str:
    """The patient's code and the session's number in their course (``PT-0042 · session
    3``); a record from before patients existed keeps its free-text reference."""
    if session.patient is None:
        return session.patient_ref or "—"
    number = f" · session {session.course_number}" if session.course_number else ""
    return session.patient + number


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def _human(seconds: float | None) -> str:
    """``2 h 25 min``, ``40 min``, ``45 s`` for the header."""
    if seconds is None:
        return "—"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min" + (f" {secs:02d} s" if secs else "")
    return f"{secs} s"


@dataclass(frozen=True)
class _DoseAndReady:
    """When the dose was given and the patient was ready to leave, and what says so."""

    dose_wall: datetime | None
    dose_text: str
    ready_wall: datetime | None
    ready_label: str


def _dose_and_ready(facts: SessionFacts) -> _DoseAndReady:
    """The first clinical dose entry (else a note tagged 'dose'), the ready-to-leave
    entry (else a note tagged 'ready', else the session end)."""
    doses = [e for e in facts.events if e.kind == RecordKind.DOSE]
    readies = [e for e in facts.events if e.kind == RecordKind.READY_TO_LEAVE]
    note = _tagged(facts.notes, "dose")
    if doses:
        latest = doses[-1].payload
        lot = f", lot {latest['lot']}" if latest.get("lot") else ""
        dose_wall: datetime | None = _wall(doses[0])
        unconfirmed = "" if dose_confirmed(latest) else " (above the clinic limit, not confirmed)"
        dose_text = f"{latest.get('drug', 'ketamine')} {_fmt(latest.get('mg'))} mg " \
                    f"{latest.get('route', '')}{lot}{unconfirmed}"
    elif note:
        dose_wall, dose_text = _wall(note.event), _latest_text(note)
    else:
        dose_wall, dose_text = None, "not recorded (no dose entry or note tagged 'dose')"
    ready_note = _tagged(facts.notes, "ready")
    if readies:
        ready_wall: datetime | None = _wall(readies[-1])
        ready_label = f"{ready_wall:%H:%M:%S}"
    elif ready_note:
        ready_wall = _wall(ready_note.event)
        ready_label = f"{ready_wall:%H:%M:%S} (note tagged 'ready')"
    elif facts.end_wall:
        ready_wall = facts.end_wall
        ready_label = f"{ready_wall:%H:%M:%S} (session end; ready to leave not recorded)"
    else:
        ready_wall, ready_label = None, "not recorded"
    return _DoseAndReady(dose_wall, dose_text, ready_wall, ready_label)


def _bp_slot_texts(facts: SessionFacts, times: _DoseAndReady) -> list[str]:
    """Baseline, ~+40 min and discharge readings (``146/90 at 10:42 (+41 min from
    dose)`` or ``not recorded``), linked by :func:`ketaroom.store.patients.bp_by_slot`."""
    readings = [v for v in facts.vitals if _num(v.payload.get("sys")) is not None]
    slots = bp_by_slot(
        readings,
        dosed=times.dose_wall.isoformat() if times.dose_wall else None,
        ready=times.ready_wall.isoformat() if times.ready_wall else None,
        started=facts.start_wall.isoformat(),
    )  # fmt: skip
    texts = []
    for key in ("baseline", "post_dose", "discharge"):
        found = slots[key]
        if found is None:
            texts.append("not recorded")
            continue
        at = _parse(found["at"])
        offset = (
            f" ({(at - times.dose_wall).total_seconds() / 60:+.0f} min from dose)"
            if times.dose_wall else ""
        )  # fmt: skip
        texts.append(f"{_fmt(found['sys'])}/{_fmt(found['dia'])} at {at:%H:%M:%S}{offset}")
    return texts


def _render_rems(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Esketamine REMS monitoring")
    times = _dose_and_ready(facts)
    dose_wall = times.dose_wall or facts.start_wall
    ready_wall = times.ready_wall
    monitored_min = (ready_wall - dose_wall).total_seconds() / 60 if ready_wall else None
    baseline, post_dose, discharge = _bp_slot_texts(facts, times)
    rows = [
        ("Dose", times.dose_text),
        ("Dose given", pdf.clock(dose_wall)
         + ("" if times.dose_wall else " (session start assumed)")),
        ("BP baseline (pre-dose)", baseline),
        (f"BP ~{REMS_POST_DOSE_CHECK_MIN} min post-dose", post_dose),
        ("BP at discharge", discharge),
        (
            "Total monitoring",
            "—" if monitored_min is None else f"{monitored_min:.0f} min (dose → ready)",
        ),
        ("Ready to leave", times.ready_label),
    ]
    alerts: set[int] = set()
    if monitored_min is not None and monitored_min < REMS_MIN_MONITORING_MIN:
        rows[5] = (
            rows[5][0],
            rows[5][1] + f" — below the {REMS_MIN_MONITORING_MIN}-minute minimum",
        )
        alerts.add(5)
    for i, (_label, value) in enumerate(rows):
        if value.startswith("not recorded"):
            alerts.add(i)
    pdf.table_rows(("Item", "Recorded"), rows, (55, 125), alert_rows=alerts)


def _latest_text(note: NoteRow) -> str:
    if note.corrections:
        return str(note.corrections[-1].payload.get("text", "")) + " (corrected)"
    return str(note.event.payload.get("text", ""))


def _render_phases(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Phases — planned vs actual")
    if not facts.phases:
        pdf.muted_line("No phases recorded.")
        return
    rows = []
    alerts: set[int] = set()
    for number, ph in enumerate(facts.phases):
        planned_len = pdf.minutes(ph.planned_s) + (" (open)" if ph.is_open else "")
        if not ph.reached:
            actual_start, actual_len, delta = "not reached", "—", ""
            alerts.add(number)
        else:
            actual_start = f"{pdf.rel(ph.actual_start_s)}  {pdf.clock(ph.actual_wall)}"
            actual_len = pdf.minutes(ph.actual_s)
            delta = ""
            if ph.actual_s is not None and ph.planned_s is not None:
                diff = ph.actual_s - ph.planned_s
                if abs(diff) >= 1:
                    sign = "+" if diff > 0 else "−"
                    delta = sign + format_clock(abs(diff))
        rows.append(
            (
                str(ph.index + 1),
                ph.name,
                pdf.rel(ph.planned_start_s),
                planned_len,
                actual_start,
                actual_len,
                delta,
            )
        )
    pdf.table_rows(
        ("#", "Phase", "Planned start", "Planned length", "Actual start (wall)", "Actual", "Δ"),
        rows,
        (7, 50, 22, 26, 35, 20, 20),
        alert_rows=alerts,
    )
    pdf.font(7.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(
        0,
        4,
        pdf.t(
            "Times are session time (h:mm:ss or mm:ss; pauses not counted) and wall clock. "
            "Δ is actual minus planned length."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*_INK)


def _render_vitals(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Vital signs")
    if not facts.vitals:
        pdf.muted_line("No vital signs recorded.")
        return
    bp_points = [v for v in facts.vitals if _num(v.payload.get("sys")) is not None]
    if len(bp_points) >= 1:
        _bp_chart(pdf, facts, bp_points)
    rows, alerts = [], set()
    for number, v in enumerate(facts.vitals):
        p = v.payload
        warnings = "; ".join(map(str, p.get("warnings") or []))
        if warnings:
            alerts.add(number)
        rows.append(
            (
                pdf.rel(v.session_t),
                pdf.clock(_wall(v)),
                f"{_fmt(p.get('sys'))}/{_fmt(p.get('dia'))}",
                _fmt(p.get("hr")),
                _fmt(p.get("spo2")),
                warnings,
            )
        )
    pdf.table_rows(
        ("Session", "Wall", "BP mmHg", "HR /min", "SpO2 %", "Warnings"),
        rows,
        (20, 20, 24, 18, 18, 80),
        alert_rows=alerts,
    )
    if bp_points:
        slots = _bp_slot_texts(facts, _dose_and_ready(facts))
        pdf.muted_line(
            "Blood pressure: baseline " + slots[0] + " · ~+"
            f"{REMS_POST_DOSE_CHECK_MIN} min " + slots[1] + " · discharge " + slots[2] + "."
        )  # fmt: skip


def _fmt(value: Any) -> str:
    number = _num(value)
    if number is None:
        return "—"
    return f"{number:.0f}" if float(number).is_integer() else f"{number:.1f}"


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def _bp_chart(pdf: _Report, facts: SessionFacts, points: list[EventRecord]) -> None:
    """Systolic and diastolic pressure against session time, drawn with lines."""
    height, left_pad, bottom_pad = 52.0, 12.0, 8.0
    pdf.keep(_BP_CHART_H)
    x0 = pdf.l_margin + left_pad
    width = pdf.epw - left_pad - 4
    top = pdf.get_y() + 6
    y_base = top + height
    sys_vals = [_num(p.payload.get("sys")) for p in points]
    dia_vals = [_num(p.payload.get("dia")) for p in points]
    values = [v for v in sys_vals + dia_vals if v is not None]
    lo = min(40.0, math.floor(min(values) / 20) * 20)
    hi = max(180.0, math.ceil(max(values) / 20) * 20)
    t_end = max(
        [p.session_t for p in points]
        + [facts.end_t or 0.0, facts.session.planned_s or 0.0]
        + [ph.actual_start_s or 0.0 for ph in facts.phases]
    )
    span_min = max(5.0, t_end / 60)
    step = next(s for s in (5, 10, 15, 20, 30, 60, 120) if span_min / s <= 8)
    span_min = math.ceil(span_min / step) * step

    def px(t_s: float) -> float:
        return x0 + (t_s / 60) / span_min * width

    def py(value: float) -> float:
        return y_base - (value - lo) / (hi - lo) * height

    pdf.set_line_width(0.15)
    pdf.font(7)
    pdf.set_text_color(*_MUTED)
    for value in range(int(lo), int(hi) + 1, 20):
        y = py(value)
        pdf.set_draw_color(225, 225, 225)
        pdf.line(x0, y, x0 + width, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(left_pad - 1.5, 4, str(value), align="R")
    _bp_phase_marks(pdf, facts, px, top, y_base)
    pdf.set_xy(pdf.l_margin, top - 4.5)
    pdf.cell(left_pad, 3.5, "mmHg", align="R")
    minute = 0
    while minute <= span_min:
        x = px(minute * 60)
        pdf.set_draw_color(*_RULE)
        pdf.line(x, y_base, x, y_base + 1)
        pdf.set_xy(x - 6, y_base + 1)
        pdf.cell(12, 3.5, f"{minute}", align="C")
        minute += step
    pdf.set_xy(x0, y_base + 4.5)
    pdf.cell(width, 3.5, pdf.t("session time (min, pauses not counted)"), align="C")
    pdf.set_draw_color(*_MUTED)
    pdf.set_line_width(0.25)
    pdf.line(x0, top, x0, y_base)
    pdf.line(x0, y_base, x0 + width, y_base)
    for values, colour in ((sys_vals, _SYS_COLOUR), (dia_vals, _DIA_COLOUR)):
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        pdf.set_line_width(0.5)
        coords = [
            (px(p.session_t), py(v)) for p, v in zip(points, values, strict=True) if v is not None
        ]
        for (xa, ya), (xb, yb) in itertools.pairwise(coords):
            pdf.line(xa, ya, xb, yb)
        for x, y in coords:
            pdf.ellipse(x - 0.8, y - 0.8, 1.6, 1.6, style="F")
    # Legend, below the axis on the right.
    legend_x = x0 + width - 46
    legend_y = y_base + 6.3
    for offset, (label, colour) in enumerate(
        (("systolic", _SYS_COLOUR), ("diastolic", _DIA_COLOUR))
    ):
        lx = legend_x + offset * 23
        pdf.set_draw_color(*colour)
        pdf.set_line_width(0.6)
        pdf.line(lx, legend_y, lx + 5, legend_y)
        pdf.set_text_color(*_INK)
        pdf.set_xy(lx + 6, legend_y - 1.8)
        pdf.cell(16, 3.5, label)
    pdf.set_line_width(0.2)
    pdf.set_text_color(*_INK)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*_RULE)
    pdf.set_xy(pdf.l_margin, y_base + bottom_pad + 2)


def _bp_phase_marks(pdf: _Report, facts: SessionFacts, px: Callable[[float], float],
                    top: float, y_base: float) -> None:
    """Phase boundaries on the blood-pressure chart, numbered."""
    pdf.set_draw_color(200, 200, 215)
    for ph in facts.phases:
        if ph.actual_start_s is None:
            continue
        x = px(ph.actual_start_s)
        if ph.actual_start_s > 0:
            pdf.set_dash_pattern(dash=0.8, gap=0.8)
            pdf.line(x, top, x, y_base)
            pdf.set_dash_pattern()
        pdf.set_xy(x + 0.5, top)
        pdf.cell(8, 3.5, f"P{ph.index + 1}")


def _render_notes(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Clinical notes")
    if not facts.notes:
        pdf.muted_line("No notes recorded.")
        return
    rows = []
    for row in facts.notes:
        p = row.event.payload
        text = str(p.get("text", ""))
        for fix in row.corrections:
            reason = fix.payload.get("reason")
            text += (
                f"\n→ corrected at {pdf.rel(fix.session_t)} ({pdf.clock(_wall(fix))}): "
                f"{fix.payload.get('text', '')}" + (f" — reason: {reason}" if reason else "")
            )
        for change in row.tag_changes:
            now = ", ".join(str(t) for t in change.payload.get("tags") or []) or "none"
            text += (f"\n→ tags set at {pdf.rel(change.session_t)} "
                     f"({pdf.clock(_wall(change))}): {now}")
        rows.append(
            (
                pdf.rel(row.event.session_t),
                pdf.clock(_wall(row.event)),
                text,
                ", ".join(_tags(row)),
            )
        )
    pdf.table_rows(("Session", "Wall", "Note", "Tags"), rows, (20, 20, 115, 25))


def _render_cues(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Cues")
    if not facts.cues:
        pdf.muted_line("No cues fired.")
        return
    rows, alerts = [], set()
    acked = 0
    for number, cue in enumerate(facts.cues):
        p = cue.event.payload
        if cue.ack is not None:
            acked += 1
            late = cue.ack.session_t - cue.event.session_t
            who = cue.ack.payload.get("by")
            status = f"acknowledged {pdf.clock(_wall(cue.ack))} (after {format_clock(late)})"
            if who:
                status += f" by {who}"
        else:
            status = "MISSED — not acknowledged"
            alerts.add(number)
        rows.append(
            (
                pdf.rel(cue.event.session_t),
                pdf.clock(_wall(cue.event)),
                cue_kind(p),
                str(p.get("prompt", "")),
                status,
            )
        )
    pdf.table_rows(
        ("Session", "Wall", "Kind", "Prompt", "Outcome"),
        rows,
        (20, 20, 18, 62, 60),
        alert_rows=alerts,
    )
    pdf.muted_line(
        f"{len(facts.cues)} fired, {acked} acknowledged, {len(facts.cues) - acked} missed."
    )


def _render_actions(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Operator actions")
    if not facts.intents:
        pdf.muted_line("No pauses, skips, extensions or stops: the session ran as planned.")
        return
    by_id = {e.id: e for e in facts.events}
    rows = []
    paused_at: datetime | None = None
    for e in facts.intents:
        text = event_summary(e, by_id)
        intent = e.payload.get("intent") if e.kind == RecordKind.INTENT else None
        if intent == "pause":
            paused_at = _wall(e)
        elif intent == "resume" and paused_at is not None:
            text += f" (paused {_human((_wall(e) - paused_at).total_seconds())})"
            paused_at = None
        rows.append((pdf.rel(e.session_t), pdf.clock(_wall(e)), text))
    pdf.table_rows(("Session", "Wall", "Action"), rows, (20, 20, 140))


def _render_incidents(pdf: _Report, facts: SessionFacts) -> None:
    pdf.section("Device incidents and emergency calls")
    if not facts.incidents and not facts.emergencies:
        pdf.muted_line("No device errors and no emergency button presses.")
        return
    entries: list[tuple[float, tuple[str, ...], bool]] = []
    for e in facts.emergencies:
        text = e.payload.get("text") or e.payload.get("message") or "emergency button pressed"
        entries.append(
            (e.session_t, (pdf.rel(e.session_t), pdf.clock(_wall(e)), "EMERGENCY", text), True)
        )
    for inc in facts.incidents:
        p = inc.first.payload
        message = str(p.get("message", p.get("error", "")))
        if p.get("severity") == "warning":
            message = "warning: " + message
        if inc.count > 1:
            message += f"  (×{inc.count}, last at {pdf.clock(_wall(inc.last))})"
        entries.append(
            (
                inc.first.session_t,
                (
                    pdf.rel(inc.first.session_t),
                    pdf.clock(_wall(inc.first)),
                    str(p.get("device", "device")),
                    message,
                ),
                False,
            )
        )
    entries.sort(key=lambda item: item[0])
    alerts = {i for i, entry in enumerate(entries) if entry[2]}
    pdf.table_rows(
        ("Session", "Wall", "Source", "What happened"),
        [entry[1] for entry in entries],
        (20, 20, 25, 115),
        alert_rows=alerts,
    )


def _render_signoff(pdf: _Report) -> None:
    pdf.keep(28)
    pdf.ln(8)
    pdf.font(9)
    half = pdf.epw / 2
    y = pdf.get_y() + 8
    pdf.set_draw_color(*_MUTED)
    for i, label in enumerate(("Clinician signature", "Date")):
        x = pdf.l_margin + i * half
        pdf.line(x, y, x + half - 10, y)
        pdf.set_xy(x, y + 1)
        pdf.set_text_color(*_MUTED)
        pdf.cell(half - 10, 4, label)
    pdf.set_text_color(*_INK)


def render_pdf(journal: RecordSource, session_id: int) -> tuple[bytes, list[str]]:
    """The session report for ``session_id`` (PDF, A4) and warnings about its text."""
    session = journal.session(session_id)
    facts = analyse(session, journal.events(session_id))
    with _font_library_quiet():
        pdf = _Report(report_title(session), f"session #{session.id}")
        pdf.add_page()
        _render_header(pdf, facts)
        if is_rems_session(session):
            _render_rems(pdf, facts)
        _render_phases(pdf, facts)
        _render_vitals(pdf, facts)
        _render_notes(pdf, facts)
        _render_cues(pdf, facts)
        _render_actions(pdf, facts)
        _render_incidents(pdf, facts)
        _render_signoff(pdf)
        data = bytes(pdf.output())
    return data, pdf.glyph_warnings()


@contextlib.contextmanager
def _font_library_quiet() -> Iterator[None]:
    """Keep fpdf2's and fontTools' log records off stderr and out of the app's log.

    They quote characters a font lacks, i.e. pieces of clinical notes; the report says
    what it could not draw through :meth:`_Report.glyph_warnings` instead. (Exports run
    on one thread at a time; the loggers are restored afterwards.)
    """
    sink = logging.NullHandler()
    saved = []
    for name in ("fpdf", "fontTools"):
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate))
        logger.addHandler(sink)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, propagate in saved:
            logger.removeHandler(sink)
            logger.propagate = propagate
