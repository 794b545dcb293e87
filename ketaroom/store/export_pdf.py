"""The PDF session report a clinic files (fpdf2; no Qt).

Owns the layout of the report: the title "Session report · <room>" (the same from
the window and the command line), a header (room, date, preset, patient ref,
operator), for esketamine/REMS sessions a monitoring summary, phases planned vs
actual, a vitals table with a blood-pressure chart, notes with their corrections,
cues fired/acknowledged/missed, operator actions, device incidents and emergency
presses, and a sign-off line.

What it shows comes from :func:`ketaroom.store.session_facts.analyse` (the journal
alone, so any session ever recorded can be reported); what it draws on, the fonts,
headings and tables that wrap and continue over pages, is
:class:`ketaroom.store.report_document.ReportDocument`. :func:`render_pdf` returns
the document's warnings about characters no installed font can draw.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fpdf.enums import XPos, YPos

from ketaroom.core.durations import format_clock
from ketaroom.store.export import event_summary, number_text
from ketaroom.store.patients import bp_by_slot
from ketaroom.store.record_schema import RecordKind, cue_kind, dose_confirmed
from ketaroom.store.report_document import INK, MUTED, RULE, ReportDocument, font_library_quiet
from ketaroom.store.session_facts import (
    REMS_MIN_MONITORING_MIN,
    REMS_POST_DOSE_CHECK_MIN,
    NoteRow,
    SessionFacts,
    analyse,
    as_number,
    first_tagged,
    is_rems_session,
    local_time,
    wall_time,
)
from ketaroom.store.session_records import EventRecord, RecordSource, SessionRecord

_SYS_COLOUR = (196, 40, 40)
_DIA_COLOUR = (30, 90, 180)
_BP_CHART_H = 70.0

__all__ = ["render_pdf", "report_title"]


def report_title(session: SessionRecord) -> str:
    """``Session report · Treatment room``: the title and running header of every report."""
    return "Session report" + (f" · {session.room}" if session.room else "")


def _render_header(pdf: ReportDocument, facts: SessionFacts) -> None:
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
    pdf.key_values(pairs)


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
    note = first_tagged(facts.notes, "dose")
    if doses:
        latest = doses[-1].payload
        lot = f", lot {latest['lot']}" if latest.get("lot") else ""
        dose_wall: datetime | None = wall_time(doses[0])
        unconfirmed = "" if dose_confirmed(latest) else " (above the clinic limit, not confirmed)"
        dose_text = f"{latest.get('drug', 'ketamine')} {_fmt(latest.get('mg'))} mg " \
                    f"{latest.get('route', '')}{lot}{unconfirmed}"
    elif note:
        dose_wall, dose_text = wall_time(note.event), _latest_text(note)
    else:
        dose_wall, dose_text = None, "not recorded (no dose entry or note tagged 'dose')"
    ready_note = first_tagged(facts.notes, "ready")
    if readies:
        ready_wall: datetime | None = wall_time(readies[-1])
        ready_label = f"{ready_wall:%H:%M:%S}"
    elif ready_note:
        ready_wall = wall_time(ready_note.event)
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
    readings = [v for v in facts.vitals if as_number(v.payload.get("sys")) is not None]
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
        at = local_time(found["at"])
        offset = (
            f" ({(at - times.dose_wall).total_seconds() / 60:+.0f} min from dose)"
            if times.dose_wall else ""
        )  # fmt: skip
        texts.append(f"{_fmt(found['sys'])}/{_fmt(found['dia'])} at {at:%H:%M:%S}{offset}")
    return texts


def _render_rems(pdf: ReportDocument, facts: SessionFacts) -> None:
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


def _render_phases(pdf: ReportDocument, facts: SessionFacts) -> None:
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
    pdf.set_text_color(*MUTED)
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
    pdf.set_text_color(*INK)


def _render_vitals(pdf: ReportDocument, facts: SessionFacts) -> None:
    pdf.section("Vital signs")
    if not facts.vitals:
        pdf.muted_line("No vital signs recorded.")
        return
    bp_points = [v for v in facts.vitals if as_number(v.payload.get("sys")) is not None]
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
                pdf.clock(wall_time(v)),
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
    """A recorded number for the report: :func:`number_text`, "—" for none."""
    return number_text(value, "—")



def _bp_chart(pdf: ReportDocument, facts: SessionFacts, points: list[EventRecord]) -> None:
    """Systolic and diastolic pressure against session time, drawn with lines."""
    height, left_pad, bottom_pad = 52.0, 12.0, 8.0
    pdf.keep(_BP_CHART_H)
    x0 = pdf.l_margin + left_pad
    width = pdf.epw - left_pad - 4
    top = pdf.get_y() + 6
    y_base = top + height
    sys_vals = [as_number(p.payload.get("sys")) for p in points]
    dia_vals = [as_number(p.payload.get("dia")) for p in points]
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
    pdf.set_text_color(*MUTED)
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
        pdf.set_draw_color(*RULE)
        pdf.line(x, y_base, x, y_base + 1)
        pdf.set_xy(x - 6, y_base + 1)
        pdf.cell(12, 3.5, f"{minute}", align="C")
        minute += step
    pdf.set_xy(x0, y_base + 4.5)
    pdf.cell(width, 3.5, pdf.t("session time (min, pauses not counted)"), align="C")
    pdf.set_draw_color(*MUTED)
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
        pdf.set_text_color(*INK)
        pdf.set_xy(lx + 6, legend_y - 1.8)
        pdf.cell(16, 3.5, label)
    pdf.set_line_width(0.2)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*RULE)
    pdf.set_xy(pdf.l_margin, y_base + bottom_pad + 2)


def _bp_phase_marks(pdf: ReportDocument, facts: SessionFacts, px: Callable[[float], float],
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


def _render_notes(pdf: ReportDocument, facts: SessionFacts) -> None:
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
                f"\n→ corrected at {pdf.rel(fix.session_t)} ({pdf.clock(wall_time(fix))}): "
                f"{fix.payload.get('text', '')}" + (f" — reason: {reason}" if reason else "")
            )
        for change in row.tag_changes:
            now = ", ".join(str(t) for t in change.payload.get("tags") or []) or "none"
            text += (f"\n→ tags set at {pdf.rel(change.session_t)} "
                     f"({pdf.clock(wall_time(change))}): {now}")
        rows.append(
            (
                pdf.rel(row.event.session_t),
                pdf.clock(wall_time(row.event)),
                text,
                ", ".join(row.current_tags()),
            )
        )
    pdf.table_rows(("Session", "Wall", "Note", "Tags"), rows, (20, 20, 115, 25))


def _render_cues(pdf: ReportDocument, facts: SessionFacts) -> None:
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
            status = f"acknowledged {pdf.clock(wall_time(cue.ack))} (after {format_clock(late)})"
            if who:
                status += f" by {who}"
        else:
            status = "MISSED — not acknowledged"
            alerts.add(number)
        rows.append(
            (
                pdf.rel(cue.event.session_t),
                pdf.clock(wall_time(cue.event)),
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


def _render_actions(pdf: ReportDocument, facts: SessionFacts) -> None:
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
            paused_at = wall_time(e)
        elif intent == "resume" and paused_at is not None:
            text += f" (paused {_human((wall_time(e) - paused_at).total_seconds())})"
            paused_at = None
        rows.append((pdf.rel(e.session_t), pdf.clock(wall_time(e)), text))
    pdf.table_rows(("Session", "Wall", "Action"), rows, (20, 20, 140))


def _render_incidents(pdf: ReportDocument, facts: SessionFacts) -> None:
    pdf.section("Device incidents and emergency calls")
    if not facts.incidents and not facts.emergencies:
        pdf.muted_line("No device errors and no emergency button presses.")
        return
    entries: list[tuple[float, tuple[str, ...], bool]] = []
    for e in facts.emergencies:
        text = e.payload.get("text") or e.payload.get("message") or "emergency button pressed"
        entries.append(
            (e.session_t, (pdf.rel(e.session_t), pdf.clock(wall_time(e)), "EMERGENCY", text), True)
        )
    for inc in facts.incidents:
        p = inc.first.payload
        message = str(p.get("message", p.get("error", "")))
        if p.get("severity") == "warning":
            message = "warning: " + message
        if inc.count > 1:
            message += f"  (×{inc.count}, last at {pdf.clock(wall_time(inc.last))})"
        entries.append(
            (
                inc.first.session_t,
                (
                    pdf.rel(inc.first.session_t),
                    pdf.clock(wall_time(inc.first)),
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



def render_pdf(journal: RecordSource, session_id: int) -> tuple[bytes, list[str]]:
    """The session report for ``session_id`` (PDF, A4) and warnings about its text."""
    session = journal.session(session_id)
    facts = analyse(session, journal.events(session_id))
    with font_library_quiet():
        pdf = ReportDocument(report_title(session), f"session #{session.id}")
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
        pdf.signoff()
        data = bytes(pdf.output())
    return data, pdf.glyph_warnings()

