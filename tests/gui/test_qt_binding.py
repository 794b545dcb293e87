"""Guards against a Qt binding that corrupts the interpreter.

PySide6 6.12.0 on Python 3.11 drops one reference to ``None`` on every call of a
method returning ``void`` (``setText``, ``QTimer.start``…); after a few thousand
calls Python aborts with "none_dealloc". pyproject.toml excludes that release; this
test fails (or aborts) if a binding with the bug is ever installed again.
"""

from __future__ import annotations

import sys

import pytest


@pytest.mark.gui
def test_void_calls_keep_singleton_refcounts(qtbot) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel, QSlider

    label, slider, timer = QLabel(), QSlider(), QTimer()
    qtbot.addWidget(label)
    qtbot.addWidget(slider)
    before = {name: sys.getrefcount(obj) for name, obj in
              (("None", None), ("True", True), ("False", False))}
    for i in range(2_000):
        label.setText(str(i))
        slider.setValue(i % 100)
        timer.start(1000)
        label.setEnabled(True)
    timer.stop()
    after = {name: sys.getrefcount(obj) for name, obj in
             (("None", None), ("True", True), ("False", False))}
    for name in before:
        assert after[name] >= before[name] - 50, f"{name} lost references: {before} → {after}"
