"""Icons drawn from the Material Design Icons font that qtawesome ships, without qtawesome.

Importing qtawesome costs the window's start about 0.1 s (its ``qtpy`` layer star-imports
the whole of QtCore, QtGui, QtWidgets and QtOpenGL, creating every Qt type and enum). The
window needs about twenty glyphs of one font, so this module reads qtawesome's font file and
charmap itself (once, on the first icon; each glyph's code is looked up in the charmap's
text) and paints a glyph exactly as qtawesome's default ``"text"`` painter does: the pen in
the icon's colour (the disabled colour for a disabled icon), a pixel size of 0.875 × the
icon's height, the glyph centred in the rectangle. Only the ``mdi6.`` prefix is supported.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QIconEngine, QPainter, QPixmap

log = logging.getLogger(__name__)

PREFIX = "mdi6"
FONT_PREFIX, FONT_SUFFIX = "materialdesignicons6-webfont-", ".ttf"
CHARMAP_PREFIX, CHARMAP_SUFFIX = "materialdesignicons6-webfont-charmap-", ".json"
GLYPH_SCALE = 0.875
"""qtawesome's glyph height over the icon's (it leaves room for the font's bearing)."""


class GlyphUnavailable(LookupError):
    """The font, its charmap or the named glyph cannot be found."""


def _fonts_dir() -> Path:
    """qtawesome's ``fonts`` folder, found without importing qtawesome."""
    spec = find_spec("qtawesome")
    if spec is None or not spec.submodule_search_locations:
        raise GlyphUnavailable("qtawesome (which ships the icon font) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


def _newest(names: list[str], prefix: str, suffix: str, folder: Path) -> Path:
    found = sorted(n for n in names if n.startswith(prefix) and n.endswith(suffix))
    if not found:
        raise GlyphUnavailable(f"no {prefix}*{suffix} in {folder}")
    return folder / found[-1]


@lru_cache(maxsize=1)
def _font() -> tuple[str, str]:
    """The font's family (loaded into the application once) and its charmap's text.

    The charmap (JSON, ~7,400 glyphs) is not parsed: the window needs about twenty of them,
    each found in the text (:func:`_code`); parsing it all cost the first frame ~2 ms."""
    folder = _fonts_dir()
    names = os.listdir(folder)
    charmap = _newest(names, CHARMAP_PREFIX, CHARMAP_SUFFIX, folder).read_text(encoding="utf-8")
    font_id = QFontDatabase.addApplicationFont(str(_newest(names, FONT_PREFIX, FONT_SUFFIX,
                                                           folder)))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise GlyphUnavailable("the icon font could not be loaded")
    return families[0], charmap


def _code(charmap: str, glyph: str) -> str | None:
    """The code of ``glyph`` in the charmap's text (``"name": "0xf01c9"`` entries): a name
    in quotes followed by a colon can only be a key, and names are letters, digits and
    dashes."""
    if not glyph.replace("-", "").isalnum():
        return None
    key = f'"{glyph}":'
    at = charmap.find(key)
    if at < 0:
        return None
    start = charmap.find('"', at + len(key)) + 1
    end = charmap.find('"', start)
    return charmap[start:end] if 0 < start <= end else None


def _char(name: str) -> tuple[str, str]:
    """``(family, character)`` of ``mdi6.<glyph>``."""
    prefix, _, glyph = name.partition(".")
    if prefix != PREFIX:
        raise GlyphUnavailable(f"only {PREFIX}. icons are available, not {name!r}")
    family, charmap = _font()
    code = _code(charmap, glyph)
    if code is None:
        raise GlyphUnavailable(f"no icon named {name!r}")
    return family, chr(int(code, 16))


class GlyphEngine(QIconEngine):
    """Paints one glyph in one colour (another colour when the icon is disabled)."""

    def __init__(self, family: str, char: str, color: str, disabled: str) -> None:
        super().__init__()
        self._family, self._char = family, char
        self._color, self._disabled = color, disabled

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        painter.save()
        painter.setPen(QColor(self._disabled if mode == QIcon.Mode.Disabled else self._color))
        font = QFont()
        font.setFamily(self._family)
        font.setPixelSize(round(GLYPH_SCALE * rect.height()))
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self._char)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return GlyphEngine(self._family, self._char, self._color, self._disabled)


def glyph_icon(name: str, color: str, disabled: str) -> QIcon:
    """The icon ``mdi6.<glyph>`` in ``color`` (``disabled`` when disabled).

    Raises :class:`GlyphUnavailable` when the font or the glyph cannot be found.
    """
    family, char = _char(name)
    return QIcon(GlyphEngine(family, char, color, disabled))
