"""Admin PIN: argon2 hash on disk (0600), set/verify/change, idle re-lock, lockout."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ketaroom.store.admin_pin import (
    LOCKOUT_S,
    MAX_FAILURES,
    AdminGate,
    AdminPin,
    PinError,
    PinWatch,
)
from ketaroom.store.journal import Journal

# Cheap parameters: the tests are about behaviour, not hashing cost.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pin(tmp_path: Path) -> AdminPin:
    return AdminPin(tmp_path / "admin.json", hasher=FAST)


def test_set_and_verify_stores_only_a_hash(pin: AdminPin):
    assert not pin.is_set()
    assert not pin.verify("1234")
    pin.set_pin("1234")
    assert pin.is_set()
    assert pin.verify("1234")
    assert not pin.verify("4321")
    assert not pin.verify("")
    data = json.loads(pin.path.read_text())
    assert data["pin_hash"].startswith("$argon2") and "1234" not in pin.path.read_text()
    if sys.platform != "win32":
        assert stat.S_IMODE(pin.path.stat().st_mode) == 0o600


@pytest.mark.parametrize("bad", ["123", "123456789", "12a4", " 1234", "", "١٢٣٤"])
def test_pin_must_be_4_to_8_digits(pin: AdminPin, bad: str):
    with pytest.raises(PinError):
        pin.set_pin(bad)
    assert not pin.is_set()


def test_changing_needs_the_old_pin(pin: AdminPin):
    pin.set_pin("1234")
    with pytest.raises(PinError):
        pin.set_pin("5678")
    with pytest.raises(PinError):
        pin.set_pin("5678", old="0000")
    pin.set_pin("56781234", old="1234")
    assert pin.verify("56781234") and not pin.verify("1234")


def test_damaged_file_fails_closed(pin: AdminPin):
    pin.path.write_text("{not json")
    assert pin.is_set()
    assert not pin.verify("1234")


def test_gate_unlocks_with_right_pin_and_relocks_after_idle(pin: AdminPin):
    pin.set_pin("2468")
    clock = FakeClock()
    gate = AdminGate(pin, idle_s=300, clock=clock)
    assert not gate.is_unlocked()
    assert not gate.unlock("1111")
    assert not gate.is_unlocked()
    assert gate.unlock("2468")
    clock.now += 299
    assert gate.is_unlocked()
    gate.touch()  # activity restarts the countdown
    clock.now += 299
    assert gate.is_unlocked()
    assert gate.seconds_left() == pytest.approx(1)
    clock.now += 1
    assert not gate.is_unlocked()
    gate.touch()  # touching a locked gate does not unlock it
    assert not gate.is_unlocked()


def test_gate_refuses_for_a_while_after_repeated_wrong_pins(pin: AdminPin):
    pin.set_pin("2468")
    clock = FakeClock()
    gate = AdminGate(pin, clock=clock)
    for _ in range(MAX_FAILURES):
        assert not gate.unlock("0000")
    assert not gate.unlock("2468")  # even the right one, during the lockout
    clock.now += LOCKOUT_S
    assert gate.unlock("2468")


def test_first_pin_through_the_gate(pin: AdminPin):
    gate = AdminGate(pin, clock=FakeClock())
    gate.set_first_pin("9876")
    assert gate.is_unlocked() and pin.verify("9876")
    with pytest.raises(PinError):
        gate.set_first_pin("1111")


# -- tamper evidence (issue 13.15): the PIN file's fingerprint lives in the audit trail --


@pytest.fixture
def journal(tmp_path: Path):
    with Journal(tmp_path / "records.sqlite3") as opened:
        yield opened


def with_a_session(journal: Journal) -> Journal:
    session = journal.start_session(preset="Demo", preset_path=None, preset_yaml=None,
                                    room="Room 1", planned_s=60.0)
    journal.end_session(session, "completed")
    return journal


def actions(journal: Journal) -> list[tuple[str, str]]:
    return [(e["action"], e["user"]) for e in journal.audit_entries()]


def test_a_pin_set_in_ketaroom_is_fingerprinted_and_passes_the_check(pin, journal) -> None:
    watch = PinWatch(pin, with_a_session(journal), "nurse")
    pin.set_pin("2580")
    assert actions(journal) == [("admin_pin_set", "nurse")]
    assert watch.recorded() == pin.fingerprint()
    pin.set_pin("1357", old="2580")  # a change in ketaroom is no tampering either
    assert PinWatch(pin, journal, "nurse").check(records_exist=True) is None
    assert pin.verify("1357")


def test_a_deleted_pin_file_is_a_recorded_reset(pin, journal) -> None:
    PinWatch(pin, with_a_session(journal), "nurse")
    pin.set_pin("2580")
    pin.path.unlink()
    message = PinWatch(pin, journal, "mallory").check(records_exist=True)
    assert message is not None and "deleted outside ketaroom" in message
    reset = journal.audit_entries()[-1]
    assert (reset["action"], reset["user"]) == ("admin_pin_reset", "mallory")
    assert reset["wall"]
    assert not pin.is_set()  # the next admin action asks for a new PIN
    assert PinWatch(pin, journal, "nurse").check(records_exist=True) is None  # said once
    gate = AdminGate(pin)
    gate.set_first_pin("4680")
    assert PinWatch(pin, journal, "nurse").check(records_exist=True) is None


def test_a_replaced_pin_file_is_set_aside_and_its_pin_opens_nothing(pin, journal,
                                                                     tmp_path: Path) -> None:
    PinWatch(pin, with_a_session(journal), "nurse")
    pin.set_pin("2580")
    known = AdminPin(tmp_path / "elsewhere.json", hasher=FAST)
    known.set_pin("0000")
    pin.path.write_bytes(known.path.read_bytes())  # someone copies in a PIN they know
    message = PinWatch(pin, journal, "mallory").check(records_exist=True)
    assert message is not None and "replaced outside ketaroom" in message
    assert actions(journal)[-1] == ("admin_pin_reset", "mallory")
    assert not AdminGate(pin).unlock("0000")
    assert not pin.is_set()
    assert list(tmp_path.glob("admin.json.replaced-*"))  # kept for whoever investigates


def test_a_missing_pin_file_with_records_is_a_reset_even_before_fingerprints(
        pin, journal) -> None:
    message = PinWatch(pin, with_a_session(journal), "nurse").check(records_exist=True)
    assert message is not None
    assert actions(journal) == [("admin_pin_reset", "nurse")]


def test_a_first_start_raises_no_alarm_and_neither_do_the_next_without_a_pin(
        pin, journal) -> None:
    """A clinic that runs sessions before it ever chooses a PIN: no "PIN was reset"."""
    assert PinWatch(pin, journal, "nurse").check(records_exist=False) is None
    assert actions(journal) == [("admin_pin_recorded", "nurse")]
    assert PinWatch(pin, with_a_session(journal), "nurse").check(records_exist=True) is None
    assert actions(journal) == [("admin_pin_recorded", "nurse")]
    AdminGate(pin).set_first_pin("2580")  # chosen later, in ketaroom
    assert PinWatch(pin, journal, "nurse").check(records_exist=True) is None
    assert pin.verify("2580")


def test_an_older_pin_file_raises_no_alarm(pin, journal) -> None:
    AdminPin(pin.path, hasher=FAST).set_pin("2580")  # written by an older ketaroom
    assert PinWatch(pin, with_a_session(journal), "nurse").check(records_exist=True) is None
    assert actions(journal) == [("admin_pin_recorded", "nurse")]
    assert pin.verify("2580")
