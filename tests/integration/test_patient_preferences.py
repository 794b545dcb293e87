"""``ketaroom rehearse PRESET --patient CODE`` honours the patient's preferences with the
real parts: libVLC (``--audio dummy``) never starts a track on the never-play list, a
playlist on it is silence, the comfortable volume sets the level, and the Hue emulator
receives the warmer, dimmer light (never the preset's brighter, cooler one)."""

from __future__ import annotations

import json
from pathlib import Path

from ketaroom.core.preferences import PatientPreferences
from ketaroom.devices.hue_emulator import HueEmulator
from ketaroom.store.journal import Journal
from ketaroom.store.patients import PatientStore
from ketaroom.store.record_schema import RecordKind
from tests.cli.test_cli import ketaroom
from tests.integration.audio_fixtures import write_tone
from tests.integration.hue_fixtures import USER

PRESET = """\
name: Preferences
max_volume: 60
phases:
  - name: Arrive
    duration: 40s
    music: {playlist: [ocean.wav, rain.wav, wind.wav], volume: 50, fade: 2s}
    light: {brightness: 60, kelvin: 3000, transition: 3s}
  - name: Journey
    duration: 10s
    music: {playlist: drums.m3u, volume: 25, fade: 2s}
    light: {brightness: 20, kelvin: 2700, transition: 3s}
"""


def test_rehearse_for_a_patient_skips_what_they_asked_not_to_hear(tmp_path: Path,
                                                                   emu: HueEmulator) -> None:
    music = tmp_path / "preset"
    music.mkdir()
    for n, name in enumerate(("ocean", "rain", "wind", "drum")):
        write_tone(music / f"{name}.wav", freq=220.0 * (n + 1), seconds=2.5, amp=0.3)
    (music / "drums.m3u").write_text("drum.wav\n", encoding="utf-8")
    (music / "preferences.yaml").write_text(PRESET, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    with Journal(data / "sessions.sqlite3") as journal:
        PatientStore(journal).ensure_patient("PT-0042")
        PatientStore(journal).set_preferences("PT-0042", PatientPreferences(
            volume_pct=30, never_play=("Rain", "drums.m3u"), warmer_k=400, dimmer_pct=30))

    run = ketaroom("rehearse", str(music / "preferences.yaml"), "--speed", "8", "--audio",
                   "dummy", "--json", "--patient", "pt-0042", "--bridge", emu.address,
                   "--username", USER, "--group", "Treatment room", data_dir=data)
    assert run.returncode == 0, run.stderr
    printed = [json.loads(line) for line in run.stdout.splitlines()]
    said = [r for r in printed if r["event"] == "preferences"]
    assert [r["message"] for r in said] == [
        "Patient preferences: comfortable volume 30 % · never play: Rain, drums.m3u · "
        "400 K warmer · 30 % dimmer",
        "Skipped 1 track this patient asked not to hear",
        "Playlist drums.m3u is on this patient's never-play list — silence instead"]
    plans = [r for r in printed if r["event"] == "music"]
    assert [(p["tracks"], p["volume"]) for p in plans[:2]] == [
        (["ocean.wav", "wind.wav"], 30.0), ([], 0.0)]
    lights = [(r["brightness"], r["kelvin"]) for r in printed if r["event"] == "light"]
    assert lights == [(30.0, 2600), (20.0, 2300)]  # dimmer down to the preset's dimmest

    with Journal(data / "sessions.sqlite3") as journal:
        (session,) = journal.sessions()
        started = [Path(e.payload["track"]).name
                   for e in journal.events(session.id, (RecordKind.MUSIC,))
                   if e.payload.get("reported") and e.payload.get("track")]
    # libVLC started the allowed tracks, round and round, and never the withheld ones
    assert {"ocean.wav", "wind.wav"} <= set(started), started
    assert "rain.wav" not in started and "drum.wav" not in started
    for light_id in (1, 2, 3):  # the lamps got the warmer, dimmer light
        state = emu.target_state(light_id)
        assert state["ct"] == round(1e6 / 2300) and state["bri"] <= round(20 * 254 / 100) + 1
