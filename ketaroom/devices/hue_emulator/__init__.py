"""A Philips Hue bridge emulator (API v1) for demo mode, rehearsal and tests.

A stdlib HTTP server on a daemon thread that answers the small part of the v1 API ketaroom
(through phue) uses, with the real bridge's value ranges, error bodies, pairing window, rate
limits (HTTP 429) and transitions modelled over time, plus injectable faults.

Modules: ``faults`` (:class:`Fault`), ``light`` (one bulb: kinds, state, transitions,
power-on behaviour, reachability), ``params`` (a command's parameters checked as the bridge
checks them, its error entries), ``bridge`` (:class:`HueEmulator`: users and pairing, groups,
rate limits, the request log, the API routes), ``server`` (the HTTP layer and the faults
that act there) and ``cli`` (``ketaroom bridge-emulator``).
"""

from ketaroom.devices.hue_emulator.bridge import HueEmulator
from ketaroom.devices.hue_emulator.cli import add_arguments, main, run_cli
from ketaroom.devices.hue_emulator.faults import Fault
from ketaroom.devices.hue_emulator.light import LIGHT_KINDS, STARTUP_MODES

__all__ = [
    "LIGHT_KINDS",
    "STARTUP_MODES",
    "Fault",
    "HueEmulator",
    "add_arguments",
    "main",
    "run_cli",
]
