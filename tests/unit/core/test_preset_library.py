"""Preset library (listing, duplicate, import/export, delete, audit) and round-trip YAML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ketaroom.core import preset_yaml
from ketaroom.core.preset_library import PresetLibrary, ReadOnlyPresetError, safe_file_stem
from ketaroom.core.validation import load_preset, validate_text
from tests.helpers.blocking import finishes

ROOT = Path(__file__).resolve().parents[3]
GOOD = ROOT / "tests" / "data" / "good" / "minimal.yaml"
MANY = ROOT / "tests" / "data" / "broken" / "many_problems.yaml"

COMMENTED = """\
# Header comment: who wrote this and why.
name: Commented   # the name
max_volume: 60
phases:
  # the first phase
  - name: Arrival
    duration: 2m    # short arrival
    light:
      brightness: 40
      kelvin: 2700
  - name: Rest
    duration: open
    expected: 5m
# trailing comment
"""


class FakeAuditor:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str]] = []

    def audit(self, user: str, action: str, detail: str = "") -> None:
        self.entries.append((user, action, detail))


@pytest.fixture
def library(tmp_path: Path) -> PresetLibrary:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    shutil.copy(GOOD, shipped / "minimal.yaml")
    (shipped / "commented.yaml").write_text(COMMENTED, encoding="utf-8")
    return PresetLibrary(tmp_path / "clinic", shipped, auditor=FakeAuditor(), user="nurse")


def clinic_files(library: PresetLibrary) -> dict[str, bytes]:
    if not library.clinic_dir.exists():
        return {}
    return {p.name: p.read_bytes() for p in library.clinic_dir.iterdir()}


def test_listing_shows_shipped_read_only_then_clinic_with_status(library: PresetLibrary):
    library.clinic_dir.mkdir()
    shutil.copy(MANY, library.clinic_dir / "broken.yaml")
    entries = library.entries()
    assert [(e.name, e.shipped, e.ok) for e in entries] == [
        ("Commented", True, True), ("Minimal", True, True), ("broken", False, False)]
    assert entries[1].description == "Two phases, lights only."
    assert entries[1].planned_s == 180.0
    assert "max_volume" in str(entries[2].problems[0])
    with pytest.raises(ReadOnlyPresetError):
        library.delete(entries[0].path)


def test_duplicate_keeps_comments_renames_and_is_unique(library: PresetLibrary):
    source = library.shipped_dir / "commented.yaml"
    first = library.duplicate(source, "My protocol")
    second = library.duplicate(source, "My protocol")
    assert first.name == "my-protocol.yaml" and second.name == "my-protocol-2.yaml"
    text = first.read_text()
    assert "# Header comment" in text and "# short arrival" in text and "# trailing" in text
    assert load_preset(first).preset.name == "My protocol"
    assert not library.entry(first).shipped
    assert [a[1] for a in library.auditor.entries] == ["preset_duplicate"] * 2


def test_safe_file_stem():
    assert safe_file_stem("IV infusion 40' / Dr. Ümit") == "iv-infusion-40-dr-umit"
    assert safe_file_stem("../../etc") == "etc"
    assert safe_file_stem("///") == "preset"


def test_import_valid_copies_and_audits(library: PresetLibrary):
    result = library.import_preset(GOOD)
    assert result.ok and result.problems == ()
    assert result.path.parent == library.clinic_dir
    assert result.path.read_bytes() == GOOD.read_bytes()
    assert library.auditor.entries[-1][:2] == ("nurse", "preset_import")


def test_import_broken_reports_validate_lines_and_changes_nothing(
        library: PresetLibrary, tmp_path: Path):
    library.clinic_dir.mkdir()
    shutil.copy(GOOD, library.clinic_dir / "keep.yaml")
    before = clinic_files(library)
    result = library.import_preset(MANY)
    assert not result.ok and result.path is None
    env = {**os.environ, "KETAROOM_DATA_DIR": str(tmp_path / "d")}
    cli = subprocess.run([sys.executable, "-m", "ketaroom", "validate", str(MANY)],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert cli.returncode == 1
    assert result.messages == cli.stdout.splitlines()
    assert len(result.messages) >= 3
    assert clinic_files(library) == before
    assert library.auditor.entries == []


def test_import_refuses_a_preset_whose_playlist_only_exists_next_to_it(
        library: PresetLibrary, tmp_path: Path):
    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    (elsewhere / "track.wav").write_bytes(b"RIFF")
    (elsewhere / "p.yaml").write_text(
        "name: Side\nphases:\n  - name: A\n    duration: 1m\n    music:\n"
        "      playlist: track.wav\n", encoding="utf-8")
    assert load_preset(elsewhere / "p.yaml").ok
    result = library.import_preset(elsewhere / "p.yaml")
    assert not result.ok and "not found" in result.messages[0]
    assert clinic_files(library) == {}


def test_export_and_delete(library: PresetLibrary, tmp_path: Path):
    imported = library.import_preset(GOOD).path
    out = tmp_path / "out"
    out.mkdir()
    copy = library.export_preset(imported, out)
    assert copy.read_bytes() == GOOD.read_bytes()
    library.delete(imported)
    assert not imported.exists()
    assert [a[1] for a in library.auditor.entries] == [
        "preset_import", "preset_export", "preset_delete"]


# --------------------------------------------------------------------------- round trip


def test_round_trip_keeps_comments_and_order_after_edits(tmp_path: Path):
    doc = preset_yaml.load(COMMENTED)
    assert preset_yaml.dump(doc) == COMMENTED
    preset_yaml.set_key(preset_yaml.phase(doc, 0)["light"], "brightness", 25, "light")
    index = preset_yaml.add_phase(doc, "Return", "3m")
    new = preset_yaml.phase(doc, index)
    preset_yaml.set_key(new, "light", {"brightness": 60}, "phase")
    preset_yaml.set_key(new, "expected", None, "phase")
    preset_yaml.add_cue(doc, index, "1m", "Check BP", "vitals")
    preset_yaml.set_key(doc, "description", "Added later")  # goes after name
    text = preset_yaml.dump(doc)
    for comment in ("# Header comment", "# the name", "# the first phase",
                    "# short arrival", "# trailing comment"):
        assert comment in text
    assert "brightness: 25" in text
    assert list(doc.keys()) == ["name", "description", "max_volume", "phases"]
    result = preset_yaml.save(doc, tmp_path / "x.yaml")
    assert result.ok, result.problems
    saved = load_preset(tmp_path / "x.yaml").preset
    assert [p.name for p in saved.phases] == ["Arrival", "Rest", "Return"]
    assert saved.phases[2].cues[0].prompt == "Check BP"


def test_move_and_remove_phase_and_phase_at_line():
    doc = preset_yaml.load(COMMENTED)
    assert preset_yaml.phase_at_line(doc, 2) is None
    assert preset_yaml.phase_at_line(doc, 9) == 0
    assert preset_yaml.phase_at_line(doc, 12) == 1
    preset_yaml.move_phase(doc, 1, 0)
    assert [p["name"] for p in preset_yaml.phases(doc)] == ["Rest", "Arrival"]
    assert "# short arrival" in preset_yaml.dump(doc)
    preset_yaml.remove_phase(doc, 0)
    assert validate_text(preset_yaml.dump(doc), "x.yaml").ok


def test_save_refuses_invalid_and_leaves_file_alone(tmp_path: Path):
    target = tmp_path / "p.yaml"
    target.write_text(COMMENTED, encoding="utf-8")
    doc = preset_yaml.load(COMMENTED)
    preset_yaml.set_key(preset_yaml.phase(doc, 0)["light"], "kelvin", 9000, "light")
    result = preset_yaml.save(doc, target)
    assert not result.ok
    assert str(result.problems[0]) == (
        f"{target}:10: phases[0].light.kelvin: 9000 is out of range (2000-6500)")
    assert target.read_text() == COMMENTED
    assert [p.name for p in tmp_path.iterdir()] == ["p.yaml"]


def test_scalar_from_text():
    assert preset_yaml.scalar_from_text("") is None
    assert preset_yaml.scalar_from_text(" 90 ") == 90
    assert preset_yaml.scalar_from_text("2.5") == 2.5
    assert preset_yaml.scalar_from_text("10m") == "10m"
    doc = preset_yaml.load("color: x\n")
    doc["color"] = preset_yaml.scalar_from_text("#ffb070")
    assert preset_yaml.dump(doc) == 'color: "#ffb070"\n'


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@needs_fifo
def test_import_of_a_fifo_is_refused_without_hanging(library: PresetLibrary, tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = finishes(lambda: library.import_preset(fifo))
    assert not result.ok
    assert result.messages == [f"{fifo}:1: is a FIFO (named pipe), not a regular file; "
                               f"a preset must be a YAML file"]
    assert clinic_files(library) == {}


@needs_fifo
def test_a_fifo_in_the_clinic_folder_does_not_hang_the_listing(library: PresetLibrary):
    library.clinic_dir.mkdir()
    os.mkfifo(library.clinic_dir / "pipe.yaml")
    entries = finishes(library.entries)
    assert [e.name for e in entries] == ["Commented", "Minimal"]
    got = finishes(lambda: library.entry(library.clinic_dir / "pipe.yaml"))
    assert not got.ok and "FIFO" in got.problems[0].message


@needs_fifo
def test_duplicate_of_a_fifo_raises_instead_of_hanging(library: PresetLibrary, tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert isinstance(finishes(lambda: library.duplicate(fifo, "Copy")), OSError)


def test_a_new_phase_never_takes_a_name_that_looks_taken():
    doc = preset_yaml.load('name: P\nphases:\n  - name: "New phase\\u200b"\n    duration: 1m\n')
    index = preset_yaml.add_phase(doc)
    assert preset_yaml.phases(doc)[index]["name"] == "New phase 2"


def test_the_editor_saves_durations_as_people_type_them(tmp_path: Path):
    doc = preset_yaml.new_document("Typed")
    item = preset_yaml.phase(doc, 0)
    preset_yaml.set_key(item, "duration", preset_yaml.scalar_from_text(" 1 h 30 min "), "phase")
    result = preset_yaml.save(doc, tmp_path / "typed.yaml")
    assert result.ok and result.preset is not None
    assert result.preset.phases[0].duration_s == 5400
    assert "duration: 1 h 30 min" in (tmp_path / "typed.yaml").read_text(encoding="utf-8")
