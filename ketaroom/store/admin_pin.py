"""The admin PIN: who may edit presets, room profiles and settings.

Owns ``<data dir>/admin.json`` (mode 0600): ``{"version": 1, "pin_hash": "<argon2id>"}``.
The PIN itself is never stored, only its argon2 hash (argon2-cffi ``PasswordHasher``).
A PIN is 4 to 8 digits.

:class:`AdminGate` is the lock the UI asks before any editing: it unlocks with the right
PIN and locks itself again after ``idle_s`` seconds (5 min by default) without activity
(:meth:`AdminGate.touch`). After :data:`MAX_FAILURES` wrong PINs in a row it refuses
every attempt for :data:`LOCKOUT_S` seconds. The clock is injectable for tests.
Running a session never asks for the PIN.

A damaged ``admin.json`` fails *closed*: the PIN counts as set and nothing verifies.

The PIN file is *tamper-evident* (:class:`PinWatch`): every time ketaroom writes it, the
file's SHA-256 fingerprint goes into the records' audit trail. At start-up the file is
compared with the last fingerprint recorded; a file deleted or replaced outside
ketaroom — or missing while clinical records from before fingerprints exist — is a
*PIN reset*: it is written to the audit trail with the OS user, a replaced file is set
aside (so a PIN someone put there does not open anything), and a new PIN must be chosen
before any admin work. The window says so. A first start with no PIN file records "no
PIN yet" (:data:`NO_FILE`), so a clinic that has not chosen one is never told it was
reset.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ketaroom.core.atomic_file import write_atomic

if TYPE_CHECKING:  # argon2 is imported where a PIN is hashed or checked (issue 14: cold start)
    from argon2 import PasswordHasher

__all__ = [
    "IDLE_S",
    "LOCKOUT_S",
    "MAX_FAILURES",
    "AdminGate",
    "AdminPin",
    "PinError",
    "PinWatch",
    "admin_path",
    "check_pin_format",
]

IDLE_S = 300.0
MAX_FAILURES = 5
LOCKOUT_S = 30.0
FILE_MODE = 0o600
_PIN = re.compile(r"^[0-9]{4,8}$")
_FINGERPRINT = re.compile(r"fingerprint (\S+)$")
NO_FILE = "none"
"""The fingerprint recorded for "no PIN file"."""
PIN_ACTIONS = ("admin_pin_set", "admin_pin_recorded", "admin_pin_reset")
"""Audit actions that record the PIN file's fingerprint (the newest one counts)."""

log = logging.getLogger(__name__)


class PinError(ValueError):
    """A PIN was refused (wrong format, or the old PIN did not match)."""


def admin_path(data_dir: Path) -> Path:
    """Where the PIN hash lives in a data directory."""
    return Path(data_dir) / "admin.json"


def check_pin_format(pin: str) -> None:
    """Raise :class:`PinError` unless ``pin`` is 4 to 8 digits."""
    if not isinstance(pin, str) or not _PIN.match(pin):
        raise PinError("the PIN must be 4 to 8 digits")


class AdminPin:
    """The stored PIN hash in one JSON file.

    ``on_written`` (optional) is called after ketaroom itself wrote the file (set,
    changed, re-hashed): :class:`PinWatch` records the new fingerprint then.
    """

    def __init__(self, path: Path, *, hasher: PasswordHasher | None = None,
                 on_written: Callable[[], None] | None = None) -> None:
        from argon2 import PasswordHasher

        self.path = Path(path)
        self._hasher = hasher or PasswordHasher()
        self.on_written = on_written

    def fingerprint(self) -> str | None:
        """SHA-256 of the file as it is on disk; ``None`` when there is no file."""
        import hashlib  # OpenSSL's: loaded when the PIN file is first looked at

        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            return None
        except OSError:
            return "unreadable"

    def _read(self) -> tuple[bool, str | None]:
        """``(exists, hash)``; a damaged file is ``(True, None)`` (fail closed)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return False, None
        except OSError:
            return True, None
        try:
            data = json.loads(raw)
        except ValueError:
            return True, None
        value = data.get("pin_hash") if isinstance(data, dict) else None
        return True, value if isinstance(value, str) and value else None

    def is_set(self) -> bool:
        return self._read()[0]

    def verify(self, pin: str) -> bool:
        """True when ``pin`` matches the stored hash; never raises."""
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        _, stored = self._read()
        if stored is None or not isinstance(pin, str):
            return False
        try:
            self._hasher.verify(stored, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if self._hasher.check_needs_rehash(stored):
            with contextlib.suppress(OSError):
                self._write(self._hasher.hash(pin))
        return True

    def set_pin(self, new: str, old: str | None = None) -> None:
        """Set or change the PIN. Changing it needs the ``old`` one. Raises :class:`PinError`."""
        check_pin_format(new)
        if self.is_set() and (old is None or not self.verify(old)):
            raise PinError("the current PIN is not right")
        self._write(self._hasher.hash(new))

    def _write(self, pin_hash: str) -> None:
        text = json.dumps({"version": 1, "pin_hash": pin_hash}, indent=2) + "\n"
        write_atomic(self.path, text, mode=FILE_MODE)
        if self.on_written is not None:
            self.on_written()


class AdminGate:
    """Unlocked by the PIN; locks again after ``idle_s`` seconds without :meth:`touch`."""

    def __init__(self, pin: AdminPin, *, idle_s: float = IDLE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pin = pin
        self.idle_s = float(idle_s)
        self._clock = clock
        self._last_activity: float | None = None
        self._failures = 0
        self._refuse_until = 0.0
        self.was_reset = False
        """The PIN file was changed outside ketaroom (see :class:`PinWatch`): the PIN pad
        says so while it asks for a new PIN."""

    def is_unlocked(self) -> bool:
        if self._last_activity is None:
            return False
        if self._clock() - self._last_activity >= self.idle_s:
            self._last_activity = None
            return False
        return True

    def seconds_left(self) -> float:
        """Until the gate locks itself (0 when locked)."""
        if not self.is_unlocked() or self._last_activity is None:
            return 0.0
        return max(0.0, self.idle_s - (self._clock() - self._last_activity))

    def refused_for(self) -> float:
        """Seconds during which every attempt is refused after too many wrong PINs."""
        return max(0.0, self._refuse_until - self._clock())

    def unlock(self, pin: str) -> bool:
        """Try ``pin``; True (and unlocked) when it is right."""
        if self.refused_for() > 0:
            return False
        if self.pin.verify(pin):
            self._failures = 0
            self._last_activity = self._clock()
            return True
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._failures = 0
            self._refuse_until = self._clock() + LOCKOUT_S
        return False

    def set_first_pin(self, new: str) -> None:
        """Choose the PIN when none is set yet; unlocks. Raises :class:`PinError`."""
        if self.pin.is_set():
            raise PinError("a PIN is already set")
        self.pin.set_pin(new)
        self.was_reset = False
        self._last_activity = self._clock()

    def touch(self) -> None:
        """Activity while unlocked: the idle countdown starts again."""
        if self.is_unlocked():
            self._last_activity = self._clock()

    def lock(self) -> None:
        self._last_activity = None


class AuditTrail(Protocol):
    """Where the fingerprints and resets are recorded (the journal's audit table)."""

    def audit(self, user: str, action: str, detail: str = "") -> None: ...

    def audit_entries(self) -> list[dict[str, Any]]: ...


class PinWatch:
    """Keeps the PIN file's fingerprint in the audit trail and notices outside changes.

    Create it once the records are open; it hooks :attr:`AdminPin.on_written`. Call
    :meth:`check` at start-up.
    """

    def __init__(self, pin: AdminPin, trail: AuditTrail, user: str) -> None:
        self.pin = pin
        self._trail = trail
        self._user = user or "unknown user"
        pin.on_written = lambda: self._record("admin_pin_set", "admin PIN set in ketaroom")

    def recorded(self) -> str | None:
        """The newest fingerprint in the trail (:data:`NO_FILE` for none); ``None`` if the
        trail never recorded one (a first start, or records from before this version)."""
        for entry in reversed(self._trail.audit_entries()):
            if entry.get("action") in PIN_ACTIONS:
                found = _FINGERPRINT.search(str(entry.get("detail", "")))
                if found:
                    return found.group(1)
        return None

    def _record(self, action: str, text: str) -> None:
        fingerprint = self.pin.fingerprint() or NO_FILE
        try:
            self._trail.audit(self._user, action, f"{text}; fingerprint {fingerprint}")
        except Exception:  # the records refuse: the PIN still works, the check says so later
            log.exception("could not record the admin PIN's fingerprint")

    def check(self, *, records_exist: bool) -> str | None:
        """Compare the PIN file with the trail; returns what the window must say, if anything.

        A change made outside ketaroom resets the PIN (see the module docstring).
        """
        expected, actual = self.recorded(), self.pin.fingerprint()
        if expected is None and (actual is not None or not records_exist):
            if actual is not None:  # a PIN from before fingerprints: trust it from now on
                self._record("admin_pin_recorded", "admin PIN file found; fingerprint recorded")
            else:  # a first start: "no PIN yet" is what the next start compares with
                self._record("admin_pin_recorded", "no admin PIN set yet")
            return None
        if expected == (actual or NO_FILE):
            return None
        what = "deleted" if actual is None else "replaced"
        if actual is not None:
            aside = self.pin.path.with_name(
                f"{self.pin.path.name}.replaced-{datetime.now():%Y%m%d-%H%M%S}")
            try:
                self.pin.path.replace(aside)
            except OSError:
                log.exception("could not set the replaced PIN file aside")
                with contextlib.suppress(OSError):
                    self.pin.path.unlink()
        self._record("admin_pin_reset",
                     f"{self.pin.path.name} was {what} outside ketaroom; PIN reset, a new "
                     "one must be chosen")
        when = datetime.now().strftime("%Y-%m-%d %H:%M")
        return (f"The admin PIN was reset: its file ({self.pin.path.name}) was {what} "
                f"outside ketaroom. This is recorded in the audit trail ({self._user}, "
                f"{when}). Choose a new admin PIN before presets or settings are changed.")
