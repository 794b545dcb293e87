"""The course report: a patient's sessions, clinical fields and measures, oldest first.

``ketaroom export --patient CODE --format pdf|csv|json`` and the patient view write it
through :func:`ketaroom.store.export.export_course` (private 0600 files). JSON is the
contract of ``docs/cli.md``: ``{"patient": CODE, "sessions": [{"id", "started_at",
"ended_at", "preset", "room", "kind", "status", "measures": {…}}, …]}`` (plus
``courses``, each with the ``room`` it was planned in); CSV is one row per session.
The PDF has the look of the session report (both draw on
:class:`ketaroom.store.report_document.ReportDocument`): the patient and their courses
(with their room), a table of sessions (preset, room, dose, BP peak, sedation,
dissociation, PHQ-9, REMS completeness), blood pressure at baseline, about +40 min and
discharge (``measures["bp"]``), the PHQ-9 trend, what REMS monitoring missed, adverse
events, the patient's reflections and the follow-ups, and a sign-off line.

The display name and year of birth appear only in the PDF (a document the clinic files);
the JSON and CSV carry the pseudonymous code alone.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from fpdf.enums import XPos, YPos

from ketaroom.store.export import csv_formula_safe
from ketaroom.store.journal import Journal
from ketaroom.store.patients import Course, Patient, PatientStore, session_measures
from ketaroom.store.record_schema import CLINICAL_KINDS, RecordKind, dose_confirmed
from ketaroom.store.report_document import MUTED, ReportDocument, font_library_quiet
from ketaroom.store.session_facts import (
    REMS_MIN_MONITORING_MIN,
    REMS_POST_DOSE_CHECK_MIN,
    is_rems_session,
)
from ketaroom.store.session_records import EventRecord, SessionRecord
from ketaroom.store.wall_clock import parse_wall

__all__ = [
    "CSV_COLUMNS",
    "CourseReport",
    "CourseSource",
    "SessionRow",
    "course_csv",
    "course_json",
    "load_course",
    "rems_missing",
    "render_course_pdf",
]

CSV_COLUMNS = ("id", "started_at", "ended_at", "preset", "room", "kind", "status",
               "course_number", "dose_mg", "route", "mg_per_kg", "bp_peak", "moaas_min",
               "dissociation_max", "phq9_total", "phq9_band", "rems_missing",
               "adverse_events", "reflections", "follow_ups", "bp_baseline", "bp_post_dose",
               "bp_discharge", "course_room", "dose_confirmed")
_PHQ9_CHART_H = 62.0
_PHQ9_BANDS = ((5, "mild"), (10, "moderate"), (15, "mod. severe"), (20, "severe"))
_TREND = (40, 90, 150)
_COURSE_NAMES = frozenset({1})  # the room
_SESSION_NAMES = frozenset({2, 3})  # the preset, the room
BP_SLOTS = ("baseline", "post_dose", "discharge")
"""The keys of ``measures["bp"]`` in the order of the day."""


@dataclass(frozen=True)
class SessionRow:
    """One session of the course report."""

    session: SessionRecord
    measures: dict[str, Any]
    rems: bool
    """An esketamine session (REMS monitoring applies)."""

    def to_dict(self) -> dict[str, Any]:
        s = self.session
        return {"id": s.id, "started_at": s.started_at, "ended_at": s.ended_at,
                "preset": s.preset, "room": s.room, "kind": s.kind, "status": s.status,
                "course_id": s.course_id, "course_number": s.course_number,
                "measures": {**self.measures, "rems_missing": self.missing()}}

    def missing(self) -> list[str] | None:
        """What REMS monitoring did not record (None: not an esketamine session)."""
        return rems_missing(self.measures) if self.rems else None


@dataclass(frozen=True)
class CourseReport:
    patient: Patient
    courses: tuple[Course, ...]
    rows: tuple[SessionRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"patient": self.patient.code,
                "courses": [{"uid": c.uid, "kind": c.kind, "planned_sessions":
                             c.planned_sessions, "spacing_days": c.spacing_days,
                             "started": c.started.isoformat(), "sessions_done": c.sessions_done,
                             "next_due": c.next_due.isoformat() if c.next_due else None,
                             "room": c.room}
                            for c in self.courses],
                "sessions": [row.to_dict() for row in self.rows]}


class CourseSource(Protocol):
    """Where a course report is read from: this room (:class:`PatientStore`) or the
    clinic's server (:class:`ketaroom.store.central.reader.CentralPatients`)."""

    def patient(self, code: str) -> Patient: ...

    def courses(self, code: str) -> list[Course]: ...

    def sessions(self, code: str, *, include_rehearsals: bool = False
                 ) -> list[SessionRecord]: ...

    def events(self, session_id: int, kinds: Sequence[str] = ()) -> list[EventRecord]: ...


def load_course(source: Journal | CourseSource, code: str, *,
                include_rehearsals: bool = False) -> CourseReport:
    """The report's facts for patient ``code`` (:class:`KeyError` for an unknown one),
    from a journal (this room) or any :class:`CourseSource`."""
    store = PatientStore(source) if isinstance(source, Journal) else source
    patient = store.patient(code)
    courses = store.courses(code)
    rems_courses = {c.id for c in courses if c.kind == "esketamine_rems"}
    rows = []
    for session in store.sessions(code, include_rehearsals=include_rehearsals):
        events = store.events(session.id, (*CLINICAL_KINDS, RecordKind.VITALS))
        measures = session_measures(events, started_at=session.started_at)
        drug = (measures["dose"] or {}).get("drug")
        rems = (drug == "esketamine" or session.course_id in rems_courses
                or is_rems_session(session))
        rows.append(SessionRow(session, measures, rems))
    return CourseReport(patient, tuple(courses), tuple(rows))


def rems_missing(measures: dict[str, Any]) -> list[str]:
    """The REMS monitoring items an esketamine session lacks (empty: complete).

    Dose with device lot, blood pressure before the dose, about 40 min after it and at
    discharge (the slots of ``measures["bp"]``), sedation and dissociation assessed (with
    the REMS yes/no), ready-to-leave time, and at least two hours from dose to ready.
    """
    dose, ready = measures["dose"], measures["ready_to_leave"]
    missing = []
    if dose is None:
        return ["dose", "BP before dose", f"BP ~{REMS_POST_DOSE_CHECK_MIN} min",
                "BP at discharge", *(["sedation"] if not measures["sedation"] else []),
                *(["dissociation"] if not measures["dissociation"] else []),
                *(["ready to leave"] if ready is None else [])]
    if not dose.get("lot"):
        missing.append("device lot")
    bp = measures["bp"]
    if bp["baseline"] is None:
        missing.append("BP before dose")
    if bp["post_dose"] is None:
        missing.append(f"BP ~{REMS_POST_DOSE_CHECK_MIN} min")
    if not measures["sedation"]:
        missing.append("sedation")
    if not any(d.get("rems_dissociation") is not None for d in measures["dissociation"]):
        missing.append("dissociation (REMS yes/no)")
    if ready is None or bp["discharge"] is None:
        missing.append("BP at discharge")
    if ready is None:
        missing.append("ready to leave")
    elif (parse_wall(ready) - parse_wall(measures["dosed_at"])
          < timedelta(minutes=REMS_MIN_MONITORING_MIN)):
        missing.append(f"{REMS_MIN_MONITORING_MIN} min monitoring")
    return missing


# --------------------------------------------------------------------------- JSON / CSV


def course_json(report: CourseReport) -> str:
    """The contract JSON document (UTF-8 text, indented)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def course_csv(report: CourseReport) -> str:
    """One row per session with :data:`CSV_COLUMNS` (RFC 4180, CRLF)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rooms = {c.id: c.room for c in report.courses}
    for row in report.rows:
        s, m = row.session, row.measures
        dose = m["dose"] or {}
        confirmed = "" if not dose.get("warnings") else "yes" if dose_confirmed(dose) else "no"
        values = [s.id, s.started_at, s.ended_at or "", s.preset, s.room, s.kind, s.status,
                  s.course_number or "", dose.get("mg", ""), dose.get("route", ""),
                  dose.get("mg_per_kg") or "", _bp_peak(m), _moaas(m), _dissociation(m),
                  (m["phq9"] or {}).get("total", ""), (m["phq9"] or {}).get("band", ""),
                  "" if row.missing() is None else "; ".join(row.missing() or ["complete"]),
                  "; ".join(a["text"] for a in m["adverse_events"]),
                  " / ".join(r["text"] for r in m["reflections"]),
                  "; ".join(_follow_up_text(f) for f in m["follow_ups"]),
                  *(_bp(m["bp"][slot]) for slot in BP_SLOTS),
                  rooms.get(s.course_id) or "", confirmed]
        writer.writerow([csv_formula_safe(str(v)) for v in values])
    return out.getvalue()


def _bp(reading: dict[str, Any] | None) -> str:
    """``146/90`` (``—`` for a missing half), or empty without a reading."""
    if not reading:
        return ""
    return "/".join("—" if reading.get(k) is None else str(reading[k]) for k in ("sys", "dia"))


def _bp_peak(m: dict[str, Any]) -> str:
    peak = m["bp_peak"]
    if not peak:
        return ""
    return f"{peak['sys'] if peak['sys'] is not None else '—'}/" \
           f"{peak['dia'] if peak['dia'] is not None else '—'}"


def _moaas(m: dict[str, Any]) -> str:
    return str(min(s["moaas"] for s in m["sedation"])) if m["sedation"] else ""


def _dissociation(m: dict[str, Any]) -> str:
    if not m["dissociation"]:
        return ""
    score = str(max(d["score"] for d in m["dissociation"]))
    rems = [d["rems_dissociation"] for d in m["dissociation"]
            if d.get("rems_dissociation") is not None]
    return score + (f" (REMS {'yes' if any(rems) else 'no'})" if rems else "")


def _dose(m: dict[str, Any]) -> str:
    dose = m["dose"]
    if not dose:
        return ""
    per_kg = f" ({dose['mg_per_kg']:g} mg/kg)" if dose.get("mg_per_kg") else ""
    lot = f", lot {dose['lot']}" if dose.get("lot") else ""
    drug = "esk. " if dose.get("drug") == "esketamine" else ""
    route = dose["route"].upper() if len(dose["route"]) <= 2 else dose["route"]
    unconfirmed = "" if dose_confirmed(dose) else ", above the limit, not confirmed"
    return f"{drug}{dose['mg']:g} mg {route}{per_kg}{lot}{unconfirmed}"


def _follow_up_text(f: dict[str, Any]) -> str:
    parts = [f"{f['after']}: mood {f['mood']}/10"]
    parts += [f"{label} {f[key]}" for key, label in
              (("sleep", "sleep"), ("side_effects", "side effects"), ("notes", "notes"))
              if f.get(key)]
    return ", ".join(parts)


# --------------------------------------------------------------------------- PDF


def render_course_pdf(report: CourseReport) -> tuple[bytes, list[str]]:
    """The course report (PDF, A4) and warnings about its text (see ``render_pdf``)."""
    code = report.patient.code
    with font_library_quiet():
        pdf = ReportDocument("Course report", f"patient {code}")
        pdf.add_page()
        _render_patient(pdf, report)
        _render_sessions(pdf, report)
        _render_phq9(pdf, report)
        _render_rems(pdf, report)
        _render_lists(pdf, report)
        pdf.signoff()
        data = bytes(pdf.output())
    return data, pdf.glyph_warnings()


def _day(text: str) -> str:
    return parse_wall(text).strftime("%d %b %Y")


def _render_patient(pdf: ReportDocument, report: CourseReport) -> None:
    p = report.patient
    pdf.font(17, "B")
    pdf.multi_cell(0, 9, pdf.t(f"{pdf.title_text} · {p.code}"), new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(3)
    clinical = [r for r in report.rows if r.session.kind == "clinical"]
    pairs = [("Patient", p.code), ("Name", p.display_name or "—"),
             ("Year of birth", str(p.birth_year) if p.birth_year else "—"),
             ("Sessions", f"{len(clinical)} clinical"
                          + (f", {rehearsals} rehearsal{'s' if rehearsals > 1 else ''}"
                             if (rehearsals := len(report.rows) - len(clinical)) else "")),
             ("First", _day(report.rows[0].session.started_at) if report.rows else "—"),
             ("Last", _day(report.rows[-1].session.started_at) if report.rows else "—")]
    pdf.key_values(pairs)  # two columns: "3 clinical, 2 rehearsals" whole
    if report.courses:
        pdf.section("Courses")
        pdf.table_rows(
            ("Kind", "Room", "Started", "Plan", "Done", "Next due"),
            [(c.kind.replace("_", " "), c.room or "—", c.started.strftime("%d %b %Y"),
              f"{c.planned_sessions} sessions, every {c.spacing_days} days",
              f"{c.sessions_done} of {c.planned_sessions}",
              c.next_due.strftime("%d %b %Y") if c.next_due else "complete")
             for c in report.courses], (28, 24, 24, 48, 18, 24), names=_COURSE_NAMES)


def _render_sessions(pdf: ReportDocument, report: CourseReport) -> None:
    pdf.section("Sessions")
    if not report.rows:
        pdf.muted_line("No sessions recorded for this patient.")
        return
    rows, alerts = [], set()
    for n, row in enumerate(report.rows):
        s, m = row.session, row.measures
        missing = row.missing()
        rems = "—" if missing is None else ("complete" if not missing else
                                            f"{len(missing)} missing")
        if missing:
            alerts.add(n)
        number = f"{s.course_number}" if s.course_number else ("reh." if s.kind ==
                                                                "rehearsal" else "—")
        rows.append((number, _day(s.started_at), s.preset, s.room or "—", _dose(m) or "—",
                     _bp_peak(m) or "—", _moaas(m) or "—", _dissociation(m) or "—",
                     str((m["phq9"] or {}).get("total", "—")), rems))
    pdf.table_rows(("#", "Date", "Preset", "Room", "Dose", "BP peak", "MOAA/S", "Dissoc.",
                    "PHQ-9", "REMS"), rows, (6, 22, 26, 15, 30, 14, 15, 17, 12, 17),
                   alert_rows=alerts, names=_SESSION_NAMES)
    _render_bp(pdf, report)


def _render_bp(pdf: ReportDocument, report: CourseReport) -> None:
    """Blood pressure at the three moments clinics (and REMS) ask for, per session."""
    rows = [row for row in report.rows if row.measures["bp_peak"]]
    if not rows:
        return
    pdf.section("Blood pressure (mmHg)")

    def cell(reading: dict[str, Any] | None) -> str:
        return f"{_bp(reading)}  {parse_wall(reading['at']):%H:%M}" if reading else "—"

    pdf.table_rows(("#", "Date", "Baseline", f"~+{REMS_POST_DOSE_CHECK_MIN} min",
                    "Discharge", "Peak"),
                   [(str(r.session.course_number or "—"), _day(r.session.started_at),
                     *(cell(r.measures["bp"][slot]) for slot in BP_SLOTS),
                     _bp_peak(r.measures)) for r in rows],
                   (8, 26, 38, 38, 38, 32))
    pdf.muted_line("Baseline: the last reading before the dose. +40 min: the reading "
                   "nearest 40 min after the dose (±15 min). Discharge: the last reading "
                   "before ready-to-leave (from 30 min before).")


def _render_phq9(pdf: ReportDocument, report: CourseReport) -> None:
    points = [(row.session, row.measures["phq9"]) for row in report.rows
              if row.measures["phq9"]]
    pdf.section("PHQ-9 trend")
    if not points:
        pdf.muted_line("No PHQ-9 recorded.")
        return
    pdf.keep(_PHQ9_CHART_H)
    left_pad, height = 12.0, 44.0
    x0, width = pdf.l_margin + left_pad, pdf.epw - left_pad - 22
    top = pdf.get_y() + 5
    base = top + height

    def py(total: float) -> float:
        return base - total / 27 * height

    def px(i: int) -> float:
        return x0 + (width * (i + 0.5) / len(points))

    pdf.font(7)
    pdf.set_line_width(0.15)
    for cut, band in _PHQ9_BANDS:
        pdf.set_draw_color(225, 225, 225)
        pdf.line(x0, py(cut), x0 + width, py(cut))
        pdf.set_text_color(*MUTED)
        pdf.set_xy(x0 + width + 1, py(cut) - 2)
        pdf.cell(21, 4, band)
    for value in (0, 9, 18, 27):
        pdf.set_xy(pdf.l_margin, py(value) - 2)
        pdf.cell(left_pad - 1.5, 4, str(value), align="R")
    pdf.set_draw_color(110, 110, 110)
    pdf.set_line_width(0.25)
    pdf.line(x0, top, x0, base)
    pdf.line(x0, base, x0 + width, base)
    coords = [(px(i), py(phq["total"])) for i, (_s, phq) in enumerate(points)]
    pdf.set_draw_color(*_TREND)
    pdf.set_fill_color(*_TREND)
    pdf.set_line_width(0.6)
    for (xa, ya), (xb, yb) in itertools.pairwise(coords):
        pdf.line(xa, ya, xb, yb)
    pdf.set_text_color(30, 30, 30)
    for (x, y), (session, phq) in zip(coords, points, strict=True):
        pdf.ellipse(x - 1, y - 1, 2, 2, style="F")
        pdf.set_xy(x - 6, y - 5.5)
        pdf.cell(12, 4, str(phq["total"]), align="C")
        pdf.set_text_color(*MUTED)
        pdf.set_xy(x - 10, base + 1)
        label = f"#{session.course_number}" if session.course_number else "reh."
        pdf.cell(20, 3.5, pdf.t(f"{label} {parse_wall(session.started_at):%d %b}"), align="C")
        pdf.set_text_color(30, 30, 30)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, base + 8)
    first, last = points[0][1], points[-1][1]
    change = last["total"] - first["total"]
    pdf.muted_line(f"PHQ-9 {first['total']} ({first['band']}) → {last['total']} "
                   f"({last['band']}): {change:+d} over {len(points)} measurements.")


def _render_rems(pdf: ReportDocument, report: CourseReport) -> None:
    rems = [row for row in report.rows if row.rems]
    if not rems:
        return
    pdf.section("Esketamine REMS monitoring")
    rows, alerts = [], set()
    for n, row in enumerate(rems):
        missing = row.missing() or []
        if missing:
            alerts.add(n)
        rows.append((_day(row.session.started_at), _dose(row.measures) or "—",
                     "complete" if not missing else "missing: " + ", ".join(missing)))
    pdf.table_rows(("Date", "Dose", "Monitoring"), rows, (25, 45, 110), alert_rows=alerts)


def _render_lists(pdf: ReportDocument, report: CourseReport) -> None:
    sections: list[tuple[str, tuple[str, ...], tuple[float, ...], list[tuple[str, ...]]]] = [
        ("Adverse events", ("Date", "Event", "Severity", "Action"), (25, 75, 20, 60),
         [(_day(r.session.started_at), a["text"], a["severity"], a.get("action") or "—")
          for r in report.rows for a in r.measures["adverse_events"]]),
        ("Reflections — what I want to remember", ("Date", "In the patient's words"),
         (25, 155),
         [(_day(r.session.started_at), x["text"]) for r in report.rows
          for x in r.measures["reflections"]]),
        ("Follow-ups", ("Session", "Recorded", "After", "Mood", "Sleep, side effects, notes"),
         (24, 24, 12, 14, 106),
         [(_day(r.session.started_at), _day(f["at"]), f["after"], f"{f['mood']}/10",
           "; ".join(v for v in (f.get("sleep"), f.get("side_effects"), f.get("notes"))
                     if v) or "—")
          for r in report.rows for f in r.measures["follow_ups"]]),
    ]
    for title, headings, widths, rows in sections:
        pdf.section(title)
        if rows:
            pdf.table_rows(headings, rows, widths)
        else:
            pdf.muted_line("None recorded.")

