"""The room check's pure rules: what each fact becomes, and the window's one line."""

from __future__ import annotations

from ketaroom.core.room_check import (
    Check,
    LightInfo,
    RoomCheckResult,
    audio_check,
    clock_check,
    disk_check,
    light_checks,
    with_test_sound,
)


def light(lid: str, *, present: bool = True, reachable: bool = True,
          mode: str | None = "powerfail") -> LightInfo:
    return LightInfo(lid, f"Lamp {lid}", present, reachable, mode)


def test_ready_room_is_one_calm_line() -> None:
    checks = light_checks("'A' (group 1)", [light("1"), light("2"), light("3")])
    result = RoomCheckResult((*checks, audio_check("dummy", None, None)))
    assert [c.status for c in result.checks] == ["ok"] * 4
    assert result.ok
    assert result.summary() == "Room check: 3 lights ready · audio ok"


def test_unreachable_is_a_warning_unless_the_room_says_it_blocks() -> None:
    lights = [light("1"), light("2", reachable=False)]
    warn = RoomCheckResult(tuple(light_checks("A", lights)))
    assert warn.ok and warn.find("reachable") == Check(
        "reachable", "warning", "1 light unreachable: 2 (switched off at the wall?)", ("2",))
    assert warn.summary() == "Room check: 1 light unreachable"
    blocks = RoomCheckResult(tuple(light_checks("A", lights, unreachable_is_error=True)))
    assert not blocks.ok


def test_the_line_names_an_error_first_and_counts_the_rest() -> None:
    checks = (*light_checks("A", [light("1", reachable=False, mode="safety")]),
              Check("disk", "error", "only 10 MB free for records in /d"),
              clock_check(None))
    result = RoomCheckResult(checks)
    assert not result.ok
    assert result.summary() == "Room check: only 10 MB free for records in /d · 3 more"
    assert RoomCheckResult(tuple(light_checks("A", [light("1", mode="safety")]))).summary() \
        == "Room check: 1 light bright after a power cut"


def test_missing_lights_and_empty_groups_are_errors() -> None:
    assert light_checks("A", [])[0].status == "error"
    checks = light_checks("A", [light("1"), light("9", present=False)])
    assert (checks[0].status, checks[0].lights) == ("error", ("9",))


def test_power_on_safety_warns_and_old_firmware_is_unknown() -> None:
    safety = light_checks("A", [light("1", mode="safety"), light("2")])[2]
    assert safety.status == "warning" and safety.lights == ("1",)
    assert "full bright white after a power cut" in safety.message
    old = light_checks("A", [light("1", mode=None)])[2]
    assert old.status == "warning" and "unknown" in old.message


def test_audio_disk_and_clock_rules() -> None:
    assert audio_check("default", None, None).status == "error"
    assert audio_check("default", None, []).status == "warning"
    assert audio_check("default", "hw:1", ["hw:0"]).status == "warning"
    assert audio_check("default", "hw:1", ["hw:1"]).status == "ok"
    assert audio_check("none", None, None).status == "ok"
    assert disk_check("/d", None).status == "error"
    assert disk_check("/d", 10 * 1024**2).status == "error"
    assert disk_check("/d", 500 * 1024**2).status == "warning"
    assert disk_check("/d", 5 * 1024**3).status == "ok"
    assert clock_check(None) == Check("clock", "warning", "clock synchronisation unknown")
    assert clock_check(False).status == "warning"
    assert clock_check(True).status == "ok"


def test_with_test_sound_keeps_the_shape_and_takes_the_worse_status() -> None:
    audio = Check("audio", "ok", "audio output system default")
    played = with_test_sound(audio, "ok", "test sound played: x.ogg at 20 %")
    assert played.to_json() == {"name": "audio", "status": "ok", "lights": [], "message":
                                "audio output system default; test sound played: x.ogg at 20 %"}
    assert with_test_sound(audio, "warning", "did not play").status == "warning"
    missing = Check("audio", "warning", "no audio device found")
    assert with_test_sound(missing, "ok", "played").status == "warning"


def test_lights_of_unknown_power_on_are_named_next_to_the_bright_ones() -> None:
    """diyHue accepts any ``startup.mode`` (or a light may not say): such a light is named
    too, never hidden behind the ``safety`` ones."""
    lights = [light("1", mode="safety"), light("2", mode="bogus"), light("3", mode=None),
              light("4")]
    check = light_checks("A", lights)[2]
    assert check == Check("power-on", "warning",
                          "1 light full bright white after a power cut: 1; power-on "
                          "behaviour unknown for 2 lights: 2, 3", ("1", "2", "3"),
                          "1 light bright after a power cut")
