"""The PDF session report, rendered and read back with poppler (pdftoppm, pdftotext)."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ketaroom.store import report_document
from ketaroom.store.export import export_csv, export_pdf
from ketaroom.store.journal import Journal

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils missing"
)

REMS_YAML = """name: Esketamine REMS 56 mg
phases:
  - name: Arrival & baseline vitals
    duration: 10m
  - name: Dosing
    duration: 15m
  - name: Journey
    duration: 60m
  - name: Integration
    duration: open
    expected: 40m
  - name: Recovery & discharge
    duration: 20m
"""


def record_rems_session(j: Journal, preset: str = "Esketamine REMS 56 mg") -> int:
    """A realistic two-and-a-half-hour session with every kind of event."""
    sid = j.start_session(
        preset=preset,
        preset_path="/clinic/presets/esketamine.yaml",
        preset_yaml=REMS_YAML,
        room="Room 2 – Willow",
        planned_s=(10 + 15 + 60 + 40 + 20) * 60,
        patient_ref="PT-00423",
        operator="Dr. Renée Okafor",
    )
    t0 = datetime.now().astimezone().replace(microsecond=0) - timedelta(hours=3)

    def at(t: float, kind: str, paused: float = 0.0, **kw: object) -> int:
        wall = t0 + timedelta(seconds=t + paused)
        return j.append(sid, kind, session_t=t, wall=wall, **kw)  # type: ignore[arg-type]

    names = ["Arrival & baseline vitals", "Dosing", "Journey", "Integration", "Recovery"]
    at(0, "session_start", payload={"preset": preset})
    at(0, "phase_start", phase_index=0, payload={"name": names[0]})
    at(120, "vitals", phase_index=0, payload={"sys": 128, "dia": 82, "hr": 74, "spo2": 98})
    cue = at(
        300, "cue", phase_index=0, payload={"prompt": "Check blood pressure", "kind": "vitals"}
    )
    at(345, "cue_ack", phase_index=0, refers_to=cue, payload={"by": "RO"})
    at(600, "phase_start", phase_index=1, payload={"name": names[1]})
    at(660, "note", phase_index=1, payload={"text": "Spravato 56 mg intranasal", "tags": ["dose"]})
    at(1500, "phase_start", phase_index=2, payload={"name": names[2]})
    for t in (1700, 1710, 1740):
        at(t, "device_error", phase_index=2,
           payload={"device": "lights", "message": "Hue bridge unreachable"})  # fmt: skip
    high = {"sys": 152, "dia": 94, "hr": 88, "spo2": 97, "warnings": ["BP ≥ 140/90"]}
    at(3000, "vitals", phase_index=2, payload=high)
    at(3300, "cue", phase_index=2, payload={"prompt": "Check dissociation", "kind": "note"})
    wrong = at(3400, "note", phase_index=2, payload={"text": "Visual distortion, BP 150/90"})
    at(3460, "note_correction", phase_index=2, refers_to=wrong,
       payload={"text": "Visual distortion, BP 152/94", "reason": "typo"})  # fmt: skip
    at(3500, "intent", phase_index=2, payload={"intent": "pause", "amount_s": None})
    at(3500, "intent", 120, phase_index=2, payload={"intent": "resume", "amount_s": None})
    at(3600, "emergency", 120, phase_index=2, payload={"text": "Panic button pressed"})
    at(4200, "vitals", 120, phase_index=2, payload={"sys": 138, "dia": 86, "hr": 80, "spo2": 98})
    at(5100, "phase_start", 120, phase_index=3, payload={"name": names[3]})
    at(6000, "vitals", 120, phase_index=3, payload={"sys": 126, "dia": 80, "hr": 72, "spo2": 99})
    at(7500, "intent", 120, phase_index=3, payload={"intent": "next", "amount_s": None})
    at(7500, "phase_start", 120, phase_index=4, payload={"name": names[4]})
    at(8400, "vitals", 120, phase_index=4, payload={"sys": 122, "dia": 78, "hr": 70, "spo2": 99})
    ready = {"text": "Alert, oriented, steady gait; ready to leave", "tags": ["ready"]}
    at(8500, "note", 120, phase_index=4, payload=ready)
    at(8700, "session_end", 120, phase_index=4, payload={"status": "completed"})
    j.end_session(sid, "completed")
    return sid


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def render(path: Path, out_dir: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(path), str(out_dir / "page")],
        check=True,
        capture_output=True,
    )
    pages = sorted(out_dir.glob("page*.png"))
    for page in pages:
        assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert page.stat().st_size > 5_000  # not a blank page
    return pages


def test_rems_report(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = record_rems_session(j)
    out = tmp_path / "report.pdf"
    assert export_pdf(j, sid, out) == []
    assert out.read_bytes().startswith(b"%PDF")
    assert not [p for p in tmp_path.iterdir() if "part" in p.name]
    pages = render(out, tmp_path)
    assert 1 <= len(pages) <= 4
    text = pdf_text(out)
    assert text.splitlines()[0].strip() == "Session report · Room 2 – Willow"
    for expected in (
        "Room 2 – Willow",
        "PT-00423",
        "Dr. Renée Okafor",
        "Esketamine REMS 56 mg",
        "Esketamine REMS monitoring",
        "Spravato 56 mg intranasal",  # the dose
        "152/94",  # a vitals reading
        "Visual distortion, BP 150/90",  # the original note
        "Visual distortion, BP 152/94",  # its correction
        "corrected at",
        "Check dissociation",
        "MISSED",
        "acknowledged",
        "Hue bridge unreachable",
        "×3",
        "EMERGENCY",
        "Panic button pressed",
        "(paused 2 min)",
        "Arrival & baseline vitals",
        "Phases",
        "systolic",
    ):
        assert expected in text, expected
    j.close()


def test_plain_session_has_no_rems_section(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = record_rems_session(j, preset="IV infusion 40 min")
    out = tmp_path / "iv.pdf"
    export_pdf(j, sid, out)
    text = pdf_text(out)
    assert "REMS" not in text
    assert "Session report" in text and "152/94" in text
    j.close()


def test_short_rems_monitoring_flagged(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = j.start_session(
        preset="esketamine 84 mg", preset_path=None, preset_yaml=None, room="A", planned_s=3600
    )
    j.append(sid, "session_start", session_t=0)
    j.append(sid, "vitals", session_t=10, payload={"sys": 120, "dia": 80})
    j.append(sid, "session_end", session_t=1800, payload={"status": "stopped"})
    j.end_session(sid, "stopped")
    out = tmp_path / "short.pdf"
    export_pdf(j, sid, out)
    text = pdf_text(out)
    assert "below the 120-minute minimum" in text
    assert "not recorded" in text
    j.close()


def test_empty_and_odd_sessions_render(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    empty = j.start_session(
        preset="Nothing", preset_path=None, preset_yaml=None, room="", planned_s=0, speed=20
    )
    odd = j.start_session(
        preset="Odd", preset_path=None, preset_yaml="phases: [oops", room="B", planned_s=60
    )
    j.append(odd, "vitals", session_t=5, payload={"sys": "abc", "hr": None})
    j.append(odd, "vitals", session_t=9, payload={"sys": 118})
    j.append(odd, "phase_start", session_t=0, phase_index=7)
    j.append(odd, "note_correction", session_t=1, payload={"text": "orphan"})
    for sid in (empty, odd):
        out = tmp_path / f"{sid}.pdf"
        export_pdf(j, sid, out)
        folder = tmp_path / f"png{sid}"
        folder.mkdir()
        render(out, folder)
    assert "REHEARSAL" in pdf_text(tmp_path / f"{empty}.pdf")
    j.close()


def test_core_font_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DejaVu: latin-1 survives, the rest becomes a visible marker, with a warning."""
    monkeypatch.setattr(report_document, "FONT_DIRS", ())
    j = Journal(tmp_path / "s.sqlite3")
    sid = record_rems_session(j)
    j.append(sid, "note", session_t=8600, payload={"text": "Émile ✓ calm"})
    out = tmp_path / "latin.pdf"
    warnings = export_pdf(j, sid, out)
    text = pdf_text(out)
    assert "Émile [?] calm" in text  # latin-1 survives, the check mark is marked
    assert "Session report - Room 2 - Willow" in text
    assert "152/94" in text
    [warning] = warnings
    assert "U+2713" in warning and "fonts-dejavu-core" in warning
    render(out, tmp_path)
    j.close()


def test_interrupted_session_report(tmp_path: Path) -> None:
    """A session whose process died mid-way is reported as interrupted, events kept."""
    path = tmp_path / "s.sqlite3"
    code = (
        "import os, sys\n"
        "from ketaroom.store.journal import Journal\n"
        "j = Journal(sys.argv[1])\n"
        "sid = j.start_session(preset='IV', preset_path=None, preset_yaml=None,"
        " room='r', planned_s=600)\n"
        "j.append(sid, 'session_start', session_t=0)\n"
        "j.append(sid, 'phase_start', session_t=0, phase_index=0, payload={'name': 'One'})\n"
        "j.append(sid, 'note', session_t=42, payload={'text': 'power is flickering'})\n"
        "os._exit(0)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=repo)
    j, message = Journal.open_or_recover(path)
    assert message is None
    [crashed] = j.interrupted_sessions()
    out = tmp_path / "crashed.pdf"
    export_pdf(j, crashed.id, out)
    text = pdf_text(out)
    assert "INTERRUPTED" in text and "power is flickering" in text
    j.close_interrupted(crashed.id)
    assert j.session(crashed.id).status == "interrupted"
    j.close()


def test_controller_payload_shapes(tmp_path: Path) -> None:
    """Payloads as the session controller writes them (phase, cue_kind, volume, …)."""
    j = Journal(tmp_path / "s.sqlite3")
    sid = j.start_session(
        preset="Esketamine 84", preset_path=None, preset_yaml=None, room="R", planned_s=1200
    )
    plan = [{"name": "Settle", "planned_s": 600}, {"name": "Journey", "planned_s": 600}]
    j.append(sid, "session_start", session_t=0, payload={"preset": "Esketamine 84", "phases": plan})
    j.append(sid, "phase_start", session_t=0, phase_index=0, payload={"phase": "Settle"})
    j.append(sid, "music", session_t=0, phase_index=0, payload={"playlist": "a.m3u", "volume": 40})
    cue = j.append(
        sid,
        "cue",
        session_t=60,
        phase_index=0,
        payload={"phase": "Settle", "cue_index": 0, "prompt": "Check BP", "cue_kind": "vitals"},
    )
    j.append(sid, "cue_ack", session_t=70, refers_to=cue, payload={"by": "nurse"})
    note = j.append(sid, "note", session_t=80, payload={"text": "84 mg", "tags": []})
    j.append(
        sid,
        "note_correction",
        session_t=90,
        refers_to=note,
        payload={"text": "Esketamine 84 mg given", "reason": "tag", "tags": ["dose"]},
    )
    j.append(sid, "phase_start", session_t=600, phase_index=1, payload={"phase": "Journey"})
    j.append(sid, "session_end", session_t=1200, payload={"status": "completed"})
    j.end_session(sid, "completed")
    out = tmp_path / "c.pdf"
    export_pdf(j, sid, out)
    text = pdf_text(out)
    for expected in (
        "Settle",
        "Journey",
        "Check BP",
        "vitals",
        "Esketamine 84 mg given (corrected)",
    ):
        assert expected in text, expected
    assert "MISSED" not in text
    j.close()


# --------------------------------------------------------------------------- long text


def record_plain_session(j: Journal, room: str = "Treatment room") -> int:
    """A short completed session with one phase and nothing else yet."""
    sid = j.start_session(preset="IV infusion 40 min", preset_path=None, preset_yaml=None,
                          room=room, planned_s=2400, patient_ref="PT-0042")  # fmt: skip
    plan = [{"name": "Infusion", "planned_s": 2400}]
    j.append(sid, "session_start", session_t=0, payload={"preset": "IV", "phases": plan})
    j.append(sid, "phase_start", session_t=0, phase_index=0, payload={"phase": "Infusion"})
    return sid


def finish(j: Journal, sid: int) -> None:
    j.append(sid, "session_end", session_t=2400, payload={"status": "completed"})
    j.end_session(sid, "completed")


def numbered_words(prefix: str, chars: int) -> str:
    """``prefix00000 prefix00001 …`` up to ``chars`` characters: every word can be found."""
    words, length, n = [], 0, 0
    while length < chars:
        words.append(f"{prefix}{n:05d}")
        length += len(words[-1]) + 1
        n += 1
    return " ".join(words)


def found_words(text: str, prefix: str) -> list[int]:
    return [int(w) for w in re.findall(rf"\b{prefix}(\d{{5}})\b", text)]


@pytest.mark.parametrize(
    "note",
    [
        numbered_words("w", 4_000),
        "\n".join(f"w{n:05d} line of a long list" for n in range(60)),
        numbered_words("w", 20_000),
    ],
    ids=["4000 chars", "60 lines", "20000 chars"],
)
def test_a_long_note_wraps_and_continues_over_pages(tmp_path: Path, note: str) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = record_plain_session(j)
    j.append(sid, "note", session_t=60, payload={"text": "short one before", "tags": ["obs"]})
    j.append(sid, "note", session_t=90, payload={"text": note, "tags": ["obs"]})
    j.append(sid, "note", session_t=120, payload={"text": "short one after", "tags": []})
    finish(j, sid)
    out = tmp_path / "long.pdf"
    assert export_pdf(j, sid, out) == []
    text = pdf_text(out)
    assert found_words(text, "w") == found_words(note, "w")  # every word, in order, once
    assert text.index("short one before") < text.index("w00000") < text.index("short one after")
    pages = render(out, tmp_path)
    if len(note) > 10_000:
        assert len(pages) >= 4
    j.close()


def test_long_vitals_warnings_and_cue_prompts_flow_too(tmp_path: Path) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = record_plain_session(j)
    warning = numbered_words("v", 5_000)
    prompt = numbered_words("c", 5_000)
    j.append(sid, "vitals", session_t=60, payload={"sys": 181, "dia": 111, "warnings": [warning]})
    j.append(sid, "vitals", session_t=70, payload={"sys": 120, "dia": 80})
    cue = j.append(sid, "cue", session_t=80, payload={"prompt": prompt, "kind": "note"})
    j.append(sid, "cue_ack", session_t=85, refers_to=cue, payload={"by": "nurse"})
    j.append(sid, "cue", session_t=90, payload={"prompt": "Check BP", "kind": "vitals"})
    finish(j, sid)
    out = tmp_path / "long.pdf"
    export_pdf(j, sid, out)
    text = pdf_text(out)
    assert found_words(text, "v") == found_words(warning, "v")
    assert found_words(text, "c") == found_words(prompt, "c")
    assert "120/80" in text and "Check BP" in text and "MISSED" in text
    render(out, tmp_path)
    j.close()


def test_a_heading_is_never_left_alone_at_the_page_bottom(tmp_path: Path) -> None:
    """More and more vitals push "Clinical notes" down across the page end; its first
    note (six lines) must always start on the heading's page."""
    first_note = "\n".join(f"FIRSTNOTE line {n}" for n in range(6))
    for count in range(0, 30, 2):
        j = Journal(tmp_path / f"s{count}.sqlite3")
        sid = record_plain_session(j)
        for n in range(count):
            j.append(sid, "vitals", session_t=60 + n, payload={"sys": 120 + n, "dia": 80})
        j.append(sid, "note", session_t=200, payload={"text": first_note})
        finish(j, sid)
        out = tmp_path / f"orphan{count}.pdf"
        export_pdf(j, sid, out)
        heading_page = page_of(out, "Clinical notes")
        assert heading_page == page_of(out, "FIRSTNOTE line 0"), count
        j.close()


def page_of(pdf: Path, needle: str) -> int:
    """The number of the first page whose text holds ``needle``."""
    pages = pdf_text(pdf).split("\f")
    return next(number for number, page in enumerate(pages, 1) if needle in page)


# --------------------------------------------------------------------------- glyphs

CJK_NOTE = "患者は落ち着いている… 한국어 中文"
EMOJI = "\N{SLIGHTLY SMILING FACE}"


def _record_with_note(j: Journal, text: str) -> int:
    sid = record_plain_session(j)
    j.append(sid, "note", session_t=60, payload={"text": text, "tags": []})
    finish(j, sid)
    return sid


def test_cjk_and_hangul_are_drawn(tmp_path: Path) -> None:
    if report_document.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-wqy-microhei)")
    j = Journal(tmp_path / "s.sqlite3")
    sid = _record_with_note(j, CJK_NOTE)
    out = tmp_path / "cjk.pdf"
    assert export_pdf(j, sid, out) == []
    assert CJK_NOTE in pdf_text(out)
    render(out, tmp_path)
    j.close()


def test_a_character_no_font_has_is_marked_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    j = Journal(tmp_path / "s.sqlite3")
    sid = _record_with_note(j, f"calm {EMOJI} smiling")
    out = tmp_path / "emoji.pdf"
    with caplog.at_level(logging.DEBUG):
        warnings = export_pdf(j, sid, out)
    assert "calm □ smiling" in pdf_text(out)
    [warning] = warnings
    assert "□" in warning and "U+1F642" in warning and "1 character" in warning
    assert EMOJI not in warning  # code points, not note text
    assert not [r for r in caplog.records if r.name.startswith(("fpdf", "fontTools"))]
    j.close()


def test_font_library_log_lines_never_reach_stderr(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Should a glyph slip past the marker, fpdf2's "missing glyphs" line (which quotes
    the note) is swallowed, not printed or passed to the application's log."""
    monkeypatch.setattr(report_document.ReportDocument, "_can_draw", lambda self, char: True)
    j = Journal(tmp_path / "s.sqlite3")
    sid = _record_with_note(j, f"secret {EMOJI} note")
    with caplog.at_level(logging.DEBUG):
        export_pdf(j, sid, tmp_path / "slip.pdf")
    assert not [r for r in caplog.records if r.name.startswith(("fpdf", "fontTools"))]
    assert EMOJI not in capfd.readouterr().err
    assert logging.getLogger("fpdf").propagate  # restored afterwards
    j.close()


def test_without_a_cjk_font_the_text_is_marked_with_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_document, "CJK_FONTS", ())
    j = Journal(tmp_path / "s.sqlite3")
    sid = _record_with_note(j, f"{CJK_NOTE} ok")
    out = tmp_path / "nocjk.pdf"
    [warning] = export_pdf(j, sid, out)
    text = pdf_text(out)
    assert "□□□" in text and "… □□□ □□ ok" in text
    assert "fonts-wqy-microhei" in warning
    j.close()


def test_title_and_running_header_name_the_room(tmp_path: Path) -> None:
    """The function the window and the command line both call titles the report by room."""
    from ketaroom.store.export import export_session

    j = Journal(tmp_path / "s.sqlite3")
    sid = _record_with_note(j, numbered_words("w", 12_000))  # several pages
    out = tmp_path / "title.pdf"
    export_session(j, sid, "pdf", out)
    pages = pdf_text(out).split("\f")
    assert pages[0].splitlines()[0] == "Session report · Treatment room"
    assert pages[1].splitlines()[0] == f"Session report · Treatment room · session #{sid}"
    j.close()


def test_a_recorded_number_reads_as_the_journal_holds_it(tmp_path: Path) -> None:
    """The PDF neither rounds a value (a hand-made 32.85 mg dose was "32.9 mg", SpO2
    97.25 was "97.2") nor shows one it cannot read as a number as missing ("high" was
    "—"): one rule with the CSV summary, which writes the same digits."""
    j = Journal(tmp_path / "s.sqlite3")
    sid = j.start_session(preset="esketamine 84 mg", preset_path=None, preset_yaml=None,
                          room="A", planned_s=3600)
    j.append(sid, "session_start", session_t=0)
    j.append(sid, "dose", session_t=5, payload={"drug": "ketamine", "mg": 32.85,
                                                 "route": "iv"})
    j.append(sid, "vitals", session_t=10,
             payload={"sys": 120.0, "dia": "high", "hr": 71.5, "spo2": 97.25})
    j.end_session(sid, "stopped")
    out = tmp_path / "numbers.pdf"
    export_pdf(j, sid, out)
    text = pdf_text(out)
    assert "ketamine 32.85 mg iv" in text
    vitals = next(line for line in text.splitlines() if line.startswith("+00:10"))
    assert "120/high" in vitals
    assert "71.5" in vitals and "97.25" in vitals
    assert "BP 120/high · HR 71.5 · SpO2 97.25 %" in export_csv(j, sid)
    j.close()
