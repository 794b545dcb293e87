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

from ketaroom.core.lazy import lazy_attributes

__all__ = [
    "LIGHT_KINDS",
    "STARTUP_MODES",
    "Fault",
    "HueEmulator",
    "add_arguments",
    "main",
    "run_cli",
]

# Lazy: ``ketaroom``'s argument parser needs only the command's options, not the HTTP
# server (every start of the window builds the parser).
__getattr__ = lazy_attributes(__name__, {
    "HueEmulator": f"{__name__}.bridge",
    "add_arguments": f"{__name__}.cli",
    "main": f"{__name__}.cli",
    "run_cli": f"{__name__}.cli",
    "Fault": f"{__name__}.faults",
    "LIGHT_KINDS": f"{__name__}.light",
    "STARTUP_MODES": f"{__name__}.light",
})
