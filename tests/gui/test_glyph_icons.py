"""Icons drawn by ketaroom.ui.glyphs look exactly as qtawesome drew them (issue 14.7)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QImage

from ketaroom.ui import glyphs
from ketaroom.ui.glyphs import GlyphUnavailable, glyph_icon
from ketaroom.ui.theme import COLORS, icon

pytestmark = pytest.mark.gui

NAMES = ("mdi6.play", "mdi6.alarm-light-outline", "mdi6.volume-high", "mdi6.heart-pulse",
         "mdi6.folder-open-outline")


def _image(qicon: QIcon, mode: QIcon.Mode) -> QImage:
    return qicon.pixmap(QSize(22, 22), mode, QIcon.State.Off).toImage()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", [QIcon.Mode.Normal, QIcon.Mode.Disabled])
def test_glyph_matches_qtawesome_pixel_for_pixel(qapp, name: str, mode: QIcon.Mode) -> None:
    qtawesome = pytest.importorskip("qtawesome")
    theirs = qtawesome.icon(name, color=COLORS["accent"], color_disabled=COLORS["disabled"])
    ours = glyph_icon(name, COLORS["accent"], COLORS["disabled"])
    mine, reference = _image(ours, mode), _image(theirs, mode)
    assert not mine.isNull()
    assert mine == reference


def test_unknown_glyph_is_said_and_the_theme_gives_an_empty_icon(qapp) -> None:
    with pytest.raises(GlyphUnavailable, match="no icon named"):
        glyph_icon("mdi6.no-such-glyph", "#ffffff", "#000000")
    with pytest.raises(GlyphUnavailable, match="only mdi6"):
        glyph_icon("fa5s.play", "#ffffff", "#000000")
    assert icon("mdi6.no-such-glyph").isNull()
    assert not icon("mdi6.play").isNull()


def test_every_glyph_is_found_in_the_charmap_as_json_reads_it(qapp) -> None:
    """Codes are looked up in the charmap's text, not parsed from all of it (issue 14): the
    same code for every one of its ~7,400 names (``play`` and ``play-box`` alike)."""
    _family, text = glyphs._font()
    parsed = json.loads(text)
    assert {name: glyphs._code(text, name) for name in parsed} == parsed
    assert glyphs._code(text, "no-such-glyph") is None
    assert glyphs._code(text, 'play": "0x1') is None
