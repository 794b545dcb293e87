"""The A4 document the PDF reports draw on (fpdf2; no Qt): fonts, page furniture, tables.

:class:`ReportDocument` is what the session report (:mod:`ketaroom.store.export_pdf`)
and the course report (:mod:`ketaroom.store.course_report`) share, so the two look
alike: a running header and footer with the report's reference, section headings that
always stay with the first lines of their content, tables whose long rows wrap and
continue over pages, a key-value block and a sign-off line.

Text uses DejaVu Sans when installed, with a CJK font (:data:`CJK_FONTS`) as
fallback, and the core Helvetica font (latin-1) otherwise. A character none of them
can draw is shown as a visible marker and reported by
:meth:`ReportDocument.glyph_warnings`; the font library's own log lines (which quote
those characters, i.e. bits of clinical notes) never reach stderr while a report is
drawn inside :func:`font_library_quiet`.

Separate from the reports themselves: what a page, a font or a table does is one
concept, what a session or a course report says another.
"""

from __future__ import annotations

import contextlib
import logging
import math
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from ketaroom.core.durations import format_clock

__all__ = [
    "CJK_FONTS",
    "FONT_DIRS",
    "INK",
    "MUTED",
    "RULE",
    "ReportDocument",
    "cjk_font",
    "font_library_quiet",
]

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

INK = (30, 30, 30)
MUTED = (110, 110, 110)
RULE = (190, 190, 190)
_HEAD_FILL = (232, 236, 240)
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


def cjk_font() -> Path | None:
    """The first installed font of :data:`CJK_FONTS`, if any."""
    return next((path for path in CJK_FONTS if path.is_file()), None)


def _is_cjk(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in _CJK_RANGES)


class ReportDocument(FPDF):
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
        self.set_text_color(*MUTED)
        left = f"{self.title_text} · {self.reference}"
        self.cell(0, 5, self.t(left), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(*INK)
        self.body_top = self.get_y()

    def footer(self) -> None:
        self.set_y(-12)
        self.font(7.5)
        self.set_text_color(*MUTED)
        stamp = self.generated.strftime("%Y-%m-%d %H:%M")
        self.cell(
            0,
            5,
            self.t(f"ketaroom {self.reference} · generated {stamp}"),
            align="L",
        )
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

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
            self.set_draw_color(*RULE)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(2)
            self.font(9)

    def muted_line(self, text: str) -> None:
        self.font(9, "I")
        self.keep(self._text_height(text, self.epw, 5, lines=_KEEP_LINES))
        self.set_text_color(*MUTED)
        self.multi_cell(0, 5, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
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
        names: frozenset[int] = frozenset(),
    ) -> None:
        """A table; a row taller than :data:`FLOW_ROW_MM` leaves it and flows as paragraphs.

        fpdf2 cannot split a table row across pages, so a long note, warning or prompt
        is drawn below the rows before it as a caption (the row's other cells) and a
        paragraph that wraps and continues on the next page; the table then resumes.
        Columns are widened where the page allows until no word breaks ("146/90" never
        becomes "146/9" over "0"), then the columns of ``names`` (indexes of columns
        whose cells are names: a room, a preset) until each name fits on one line
        ("Room 1" never becomes "Room" over "1"); a name the page has no room for
        breaks between its words.
        """
        alerts = alert_rows or set()
        scale = self.epw / sum(widths)
        widths = tuple(w * scale for w in widths)
        widths = self._fit_words(headings, rows, widths, names)
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
        names: frozenset[int] = frozenset(),
    ) -> tuple[float, ...]:
        """``widths`` with each column as wide as its widest word, then each column of
        ``names`` as wide as its longest name, where the page allows.

        Widths are measured in bold and capped at :data:`_WORD_MAX_SHARE` of the page; a
        column's extra room comes from the columns wider than they need, in proportion
        to what they can spare. Names are fitted second, from what is left once every
        word fits, the shortest shortfall first (as many names whole as the page
        allows), so a name without room for one line breaks between its words.
        """
        self.font(_TABLE_PT, "B")
        cells = [[values[column] for values in (headings, *rows)]
                 for column in range(len(widths))]
        words = [self._need(word for text in column for word in text.split())
                 for column in cells]
        fitted = _widen(widths, words)
        whole = {n: self._need(cells[n][1:]) for n in names}
        for n in sorted(whole, key=lambda n: whole[n] - fitted[n]):  # most names whole
            # No column gives up room its words need, nor a name column its name's.
            need = [max(words[i], min(whole.get(i, 0.0), fitted[i]))
                    for i in range(len(widths))]
            need[n] = max(words[n], whole[n])
            fitted = _widen(fitted, need)
        return fitted

    def _need(self, texts: Iterable[str]) -> float:
        """The width a cell needs to hold the widest of ``texts`` on one line (capped)."""
        widest = max((self.get_string_width(self.t(text)) for text in texts), default=0.0)
        return min(widest + 2 * _CELL_PAD_H + 0.6, self.epw * _WORD_MAX_SHARE)

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
        self.set_draw_color(*RULE)
        self.set_fill_color(255, 255, 255)
        self.set_text_color(*INK)
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
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(_CELL_PAD_V)
        self.font(_TABLE_PT, "B")
        self.set_text_color(*(_ALERT if alert else MUTED))
        self.multi_cell(
            0, _LINE_H, self.t(caption), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.font(_TABLE_PT, style)
        self.set_text_color(*(_ALERT if alert else INK))
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent, _LINE_H, self.t(values[text_col]), align="L",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        self.set_text_color(*INK)
        self.ln(_CELL_PAD_V)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    # ------------------------------------------------------------ shared blocks

    def key_values(self, pairs: list[tuple[str, str]], columns: int = 2) -> None:
        """Labelled values in ``columns`` columns, each value cut to fit on one line."""
        col_w = self.epw / columns
        label_w = 30
        rows = math.ceil(len(pairs) / columns)
        top = self.get_y()
        for i, (label, value) in enumerate(pairs):
            col, line = divmod(i, rows)
            self.set_xy(self.l_margin + col * col_w, top + line * 5.6)
            self.font(8.5)
            self.set_text_color(*MUTED)
            self.cell(label_w, 5.6, self.t(label))
            self.set_text_color(*INK)
            self.font(9.5, "B" if label in ("Patient", "Preset") else "")
            text = self.t(value)
            while text and self.get_string_width(text) > col_w - label_w - 3:
                text = text[:-2] + "…" if self.unicode else text[:-4] + "..."
            self.cell(col_w - label_w, 5.6, text)
        self.set_xy(self.l_margin, top + rows * 5.6 + 1)
        self.font(9)

    def signoff(self) -> None:
        """The closing lines for the clinician's signature and the date."""
        self.keep(28)
        self.ln(8)
        self.font(9)
        half = self.epw / 2
        y = self.get_y() + 8
        self.set_draw_color(*MUTED)
        for i, label in enumerate(("Clinician signature", "Date")):
            x = self.l_margin + i * half
            self.line(x, y, x + half - 10, y)
            self.set_xy(x, y + 1)
            self.set_text_color(*MUTED)
            self.cell(half - 10, 4, label)
        self.set_text_color(*INK)

    # ------------------------------------------------------------ formatting

    def rel(self, seconds: float | None) -> str:
        return "—" if seconds is None else "+" + format_clock(seconds)

    def clock(self, moment: datetime | None) -> str:
        return "—" if moment is None else moment.strftime("%H:%M:%S")

    def minutes(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        return format_clock(seconds)


def _widen(widths: tuple[float, ...], need: list[float]) -> tuple[float, ...]:
    """``widths`` with the columns narrower than their ``need`` given the room the others
    can spare (all of it, or as much as there is, shared in proportion)."""
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


@contextlib.contextmanager
def font_library_quiet() -> Iterator[None]:
    """Keep fpdf2's and fontTools' log records off stderr and out of the app's log.

    They quote characters a font lacks, i.e. pieces of clinical notes; the report says
    what it could not draw through :meth:`ReportDocument.glyph_warnings` instead.
    (Exports run on one thread at a time; the loggers are restored afterwards.)
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
