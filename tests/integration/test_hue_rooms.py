"""Rooms own hardware, presets do not (issue 12.2): two treatment rooms, one bridge.

``ketaroom rehearse`` runs in a subprocess (the real command line, ``--group``) against the
Hue emulator over real HTTP; the room's group wins over a preset's ``light_group``, by name
or by id, and the shipped presets work in a room of any name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketaroom.core.targets import LightTarget
from ketaroom.core.validation import load_preset
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.devices.lights import target_to_body
from ketaroom.session.devices import RoomDevices
from ketaroom.shipped import PLAYLISTS_DIR, PRESETS_DIR
from ketaroom.store.settings import BridgeSettings
from ketaroom.ui.preview import RoomPreview, light_from_section
from tests.integration.hue_fixtures import raw_json

SPEED = 60.0
ROOM_A = (1, 2)
ROOM_B = (3, 4)
PRESET = """\
name: Written for room A
light_group: Room A
phases:
  - {name: One, duration: 30s, light: {brightness: 30, kelvin: 2200, transition: 3s}}
  - {name: Two, duration: 30s, light: {brightness: 45, kelvin: 2700, transition: 3s}}
"""
LAST = LightTarget(brightness_pct=45, transition_s=3, kelvin=2700)


@pytest.fixture
def two_rooms() -> Iterator[HueEmulator]:
    emulator = HueEmulator(lights=4, rooms={"Room A": list(ROOM_A), "Room B": list(ROOM_B)})
    emulator.start()
    yield emulator
    emulator.stop()


def rehearse(preset: Path | str, emu: HueEmulator, group: str, data_dir: Path
             ) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run(
        [sys.executable, "-m", "ketaroom", "rehearse", str(preset), "--speed", str(SPEED),
         "--bridge", emu.address, "--username", emu.username, "--group", group,
         "--audio", "none", "--json", "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=120, check=False)
    records = [json.loads(line) for line in proc.stdout.splitlines() if line]
    return proc.returncode, records


def lights_errors(records: list[dict[str, Any]], preset: Path | None = None) -> list[str]:
    """The lights' errors, apart from the preset's own warnings (``preset``'s file:line:
    messages: rehearse labels a warning about ``light_group`` as the lights' too)."""
    return [r["message"] for r in records
            if r["event"] == "device_error" and r.get("device") == "lights"
            and (preset is None or not r["message"].startswith(f"{preset}:"))]


def has(emu: HueEmulator, light_ids: tuple[int, ...], target: LightTarget) -> bool:
    want = {k: v for k, v in target_to_body(target).items() if k != "transitiontime"}
    return all(all(emu.target_state(i)[k] == v for k, v in want.items()) for i in light_ids)


@pytest.mark.parametrize("group", ["Room B", "room b", "2"])
def test_a_session_in_room_b_never_touches_room_a(two_rooms: HueEmulator, tmp_path: Path,
                                                  group: str) -> None:
    """The preset names room A; the session runs in room B (by name, any case, or id)."""
    emu = two_rooms
    room_a_before = LightTarget(brightness_pct=80, transition_s=0, kelvin=4000)
    raw_json(emu.address, "PUT", f"/api/{emu.username}/groups/1/action",
             target_to_body(room_a_before))
    preset = tmp_path / "room-a.yaml"
    preset.write_text(PRESET, encoding="utf-8")
    code, records = rehearse(preset, emu, group, tmp_path)
    assert code == 0 and records[-1]["event"] == "session_end"
    assert lights_errors(records, preset) == []
    assert [m.split(": ")[1] for m in lights_errors(records)] == ["light_group"]
    assert {r["group"] for r in records if r["event"] == "light"} == {group}
    assert has(emu, ROOM_B, LAST)
    assert has(emu, ROOM_A, room_a_before)
    puts = {path for _, method, path, _, _ in emu.requests() if method == "PUT"}
    assert puts == {f"/api/{emu.username}/groups/1/action",  # the set-up above, only
                    *(f"/api/{emu.username}/lights/{i}/state" for i in ROOM_B)}


def test_shipped_presets_name_no_light_group() -> None:
    shipped = sorted(PRESETS_DIR.glob("*.yaml"))
    assert shipped
    for path in shipped:
        result = load_preset(path, playlist_dirs=[PLAYLISTS_DIR])
        assert result.preset is not None, result.problems
        assert result.preset.light_group is None, path.name
        assert not [w for w in result.warnings if "light_group" in w.message], path.name


def test_a_room_named_behandlungsraum_runs_a_shipped_preset(tmp_path: Path) -> None:
    with HueEmulator(lights=3, rooms={"Behandlungsraum": [1, 2, 3]}) as emu:
        code, records = rehearse(PRESETS_DIR / "demo-3min.yaml", emu, "Behandlungsraum",
                                 tmp_path)
        assert code == 0, records
        assert lights_errors(records) == []
        final = LightTarget(brightness_pct=60, transition_s=30, kelvin=2700)
        assert has(emu, (1, 2, 3), final)


def test_a_light_preview_goes_to_the_rooms_group(two_rooms: HueEmulator, tmp_path: Path
                                                 ) -> None:
    """The preset editor's live preview carries the preset's group; the room's wins."""
    emu = two_rooms
    room = RoomDevices(lambda fn: fn(), audio="none", lights_config_dir=tmp_path,
                bridge=BridgeSettings(emu.address, emu.username, "Room B"))
    try:
        preview = RoomPreview(lambda: room, lambda: False, room_group=lambda: "Room B")
        target = light_from_section({"brightness": 35, "kelvin": 2400}, "Room A")
        assert target is not None and preview.light(target)
        assert room.lights.flush(3.0)
        assert has(emu, ROOM_B, target)
        assert not has(emu, ROOM_A, target)
    finally:
        room.close()
