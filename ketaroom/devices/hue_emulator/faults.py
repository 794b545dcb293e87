"""What the emulated bridge does wrong: the injectable faults.

Owns: :class:`Fault` and the two numbers that shape the slowest faults
(:data:`DRIP_INTERVAL_S`, :data:`HUGE_BODY_BYTES`). The bridge (``bridge``) applies the
faults that change what it answers; the HTTP layer (``server``) those that change whether
and how the answer travels.
"""

from __future__ import annotations

import enum

DRIP_INTERVAL_S = 1.0
HUGE_BODY_BYTES = 2 * 1024**3


class Fault(enum.Enum):
    """What the emulated bridge does wrong."""

    NONE = "none"
    DOWN = "down"
    """Every connection is closed without an answer."""
    SLOW = "slow"
    """Every answer is delayed by ``slow_ms``."""
    STORM_429 = "storm_429"
    """HTTP 429 to everything (another app is flooding the bridge)."""
    UNAUTHORIZED = "unauthorized"
    """Error type 1 to every authenticated request (our user was removed); pairing still works."""
    INTERNAL_ERROR = "internal_error"
    """Error type 901 to everything."""
    DROP = "drop"
    """The command is processed, but the connection closes in the middle of the answer."""
    GARBAGE = "garbage"
    """HTTP 200 with a body that is not JSON."""
    DRIP = "drip"
    """The request is processed, then the answer (status line included) trickles out one
    byte per ``DRIP_INTERVAL_S``, to the end even if the fault is cleared meanwhile."""
    HUGE = "huge"
    """The request is processed, then the answer is an endless JSON-looking body (no
    Content-Length) of up to ``HUGE_BODY_BYTES``."""
    PARTIAL = "partial"
    """Commands apply ``on`` and ``bri`` only: colour parameters are answered with error 201
    (not modifiable), in the same answer as the successes."""
    EMPTY = "empty"
    """Commands are answered ``[]`` (and not applied)."""
    OBJECT = "object"
    """Commands are answered with an object instead of a list (and not applied)."""
    EMPTY_READS = "empty_reads"
    """Every authenticated request, reads included, is answered ``[]`` (and not applied)."""

    @classmethod
    def parse(cls, name: str) -> Fault:
        key = name.strip().lower().replace("-", "_")
        for fault in cls:
            if fault.value == key or fault.name.lower() == key:
                return fault
        raise ValueError(f"unknown fault {name!r}; one of: {', '.join(f.value for f in cls)}")
