"""``ketaroom board --mqtt HOST[:PORT]``: start the nurse-station window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from ketaroom.board.chime import Chime
from ketaroom.board.feed import BoardFeed
from ketaroom.board.window import BoardWindow
from ketaroom.core.board import BrokerAddress
from ketaroom.ui.theme import apply_theme


def run_board(address: BrokerAddress, audio: str = "default") -> int:
    """Show the board until its window is closed; the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)
    window = BoardWindow(BoardFeed(address), Chime(audio))
    window.resize(1600, 1000)
    window.show()
    return app.exec()
