"""Names people type (preset, phase, cue prompt): what is visible, and when two are the same.

A name made only of invisible characters (zero-width space U+200B, a BOM, a soft hyphen,
Hangul fillers…) looks empty on screen, and ``A`` and ``A`` + U+200B look the same but are
different strings. :func:`visible` drops what cannot be seen and collapses runs of spaces,
after Unicode NFC normalisation (so ``é`` typed as e + U+0301 equals the one-character
``é``); :func:`name_key` is the form names are compared in.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
"""Control, format (zero-width space, joiners, BOM, bidi marks…), surrogate, private use and
unassigned characters."""
_BLANK_LOOKING = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
"""Characters of other categories that render as nothing: the combining grapheme joiner,
Hangul fillers, Khmer inherent vowels, Mongolian variation selectors, the braille blank and
variation selectors."""
_SPACES = re.compile(r"\s+")


def visible(text: str) -> str:
    """``text`` in NFC without invisible characters, whitespace runs as one space, stripped."""
    spaced = _SPACES.sub(" ", unicodedata.normalize("NFC", text))  # a tab is a space
    kept = "".join(ch for ch in spaced if ch not in _BLANK_LOOKING
                   and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    return _SPACES.sub(" ", kept).strip()


def name_key(text: str) -> str:
    """The form in which two names are the same or not: visible, NFC, case-folded."""
    return unicodedata.normalize("NFC", visible(text).casefold())
