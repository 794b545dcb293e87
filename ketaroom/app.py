"""The composition root: the only place that knows devices, session, store and ui together.

:func:`run_gui` (called by the ``ketaroom`` command) builds the Qt application and
the main window; :func:`build_main_window` does the building without running the
event loop, so tests can drive a real window with injected parts (clock, audio
output, demo bridge). :func:`device_setup` wires the real bridge pairing, group listing
and audio-output listing into the session service, which hands them to the settings
dialogs (the window imports no device).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from ketaroom.core.clock import Clock, RealClock
from ketaroom.session.device_setup import (
    AudioOutputChoice,
    BridgeProblem,
    BridgeSetupError,
    DeviceSetup,
)
from ketaroom.session.service import RoomService
from ketaroom.store.settings import Settings, load_settings

if TYPE_CHECKING:
    from ketaroom.core.board import BrokerAddress
    from ketaroom.session.runner import Wakeups
    from ketaroom.ui.main_window import MainWindow

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def _bridge_call(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` with the lights' exceptions said as :class:`BridgeSetupError`."""
    @wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        from ketaroom.devices.lights import BridgeUnreachable, LightsError, NotPaired

        try:
            return fn(*args, **kwargs)
        except NotPaired as exc:
            raise BridgeSetupError(BridgeProblem.NOT_PAIRED, str(exc)) from exc
        except BridgeUnreachable as exc:
            raise BridgeSetupError(BridgeProblem.UNREACHABLE, str(exc)) from exc
        except LightsError as exc:
            raise BridgeSetupError(BridgeProblem.REFUSED, str(exc)) from exc
    return call


def _discover_bridges(timeout_s: float) -> list[tuple[str, str]]:
    from ketaroom.devices import hue_discovery

    return hue_discovery.discover(timeout_s)


@_bridge_call
def _pair_bridge(address: str) -> str:
    from ketaroom.devices.lights import pair

    return pair(address)


@_bridge_call
def _list_bridge_groups(address: str, username: str) -> list[tuple[str, str]]:
    from ketaroom.devices.hue_groups import list_groups

    return list_groups(address, username)


def _list_audio_outputs() -> list[AudioOutputChoice]:
    from ketaroom.devices.music.outputs import list_audio_outputs

    return [AudioOutputChoice(o.id, o.description) for o in list_audio_outputs()]


def device_setup() -> DeviceSetup:
    """The real set-up calls: mDNS discovery, Hue pairing and groups, libVLC's outputs (and
    the room check, :class:`DeviceSetup`'s own)."""
    return DeviceSetup(discover_bridges=_discover_bridges, pair_bridge=_pair_bridge,
                       list_bridge_groups=_list_bridge_groups,
                       list_audio_outputs=_list_audio_outputs)


PRELOAD = ("http.client", "ssl", "phue", "apscheduler.triggers.date", "vlc")
"""Imported before the first session can start (on the thread that builds the room's
devices, while the window shows "Preparing the room…"): PySide6's import hook makes a
first import slow (it reads the module's source), and a device thread importing one of
these mid-session would hold the import lock while the main thread waits (measured:
stalls of 0.3–2.9 s)."""


def preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional library is reported by its device later
            log.debug("preload of %s failed", name, exc_info=True)


def build_main_window(settings: Settings, data_dir: Path, *, demo: bool = False,
                      audio: str | None = None, clock: Clock | None = None,
                      wakeups_factory: Callable[[], Wakeups] | None = None,
                      setup: DeviceSetup | None = None,
                      board: BrokerAddress | None = None, defer: bool = False) -> MainWindow:
    """The main window with its session service (a QApplication must exist); with
    ``board``, the room's state goes to the nurse-station board's broker.

    ``defer`` (the ``ketaroom`` command): only the window's first frame is built here; once
    it is painted the records open, the room's devices start on a worker thread and the
    presets are read, Start waiting ("Preparing the room…") until the devices are up.
    Without it the window returns with all of that done (tests, tools).
    """
    from ketaroom.ui.main_window import MainWindow

    if not defer:
        preload()
    clock_factory = (lambda: clock) if clock is not None else RealClock
    extra = {"wakeups_factory": wakeups_factory} if wakeups_factory is not None else {}
    service = RoomService(settings, data_dir, demo=demo, audio=audio,
                          clock_factory=clock_factory, device_setup=setup or device_setup(),
                          board=board, defer=defer, warm_up=preload, **extra)
    return MainWindow(service)


def run_gui(data_dir: Path, force_demo: bool, board: BrokerAddress | None = None) -> int:
    """The ``ketaroom`` GUI: returns the process exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ketaroom.shipped import ICON_FILE
    from ketaroom.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ketaroom")
    app.setDesktopFileName("ketaroom")  # the entry `ketaroom install-desktop` writes
    app.setWindowIcon(QIcon(str(ICON_FILE)))
    apply_theme(app)  # type: ignore[arg-type]
    settings = load_settings(data_dir)
    window = build_main_window(settings, data_dir, demo=force_demo, board=board, defer=True)
    offered = False

    def offer(problem: str | None) -> None:  # once the room is up: a resume needs it
        nonlocal offered
        if problem is None and not offered:
            offered = True
            QTimer.singleShot(0, window.offer_recovery)
            QTimer.singleShot(0, window.offer_purge)

    window.service.on_room_ready(offer)
    window.showMaximized()  # the treatment-room PC runs nothing else
    return int(app.exec())
