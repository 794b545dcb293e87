"""The checks of a whole preset: its top-level keys, its phases and their cues.

:class:`PresetChecker` walks the YAML document top-down and builds the
:class:`~ketaroom.core.preset.Preset`; each phase's music and light sections are checked by
the classes it combines (:class:`~ketaroom.core.music_checks.MusicChecks`,
:class:`~ketaroom.core.light_checks.LightChecks`), all on one
:class:`~ketaroom.core.field_checks.FieldChecker` so the problems of the whole file come
back together. :mod:`ketaroom.core.validation` reads the document and runs this.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ketaroom.core.durations import format_duration
from ketaroom.core.field_checks import show_value
from ketaroom.core.light_checks import LightChecks
from ketaroom.core.limits import MAX_CUES_PER_PHASE, MAX_PHASES, VOLUME_MAX, VOLUME_MIN
from ketaroom.core.music_checks import MusicChecks
from ketaroom.core.names import name_key
from ketaroom.core.preset import Cue, CueKind, Phase, Preset
from ketaroom.core.preset_document import first_content_line, item_line_of, line_of

__all__ = ["CUE_KEYS", "PHASE_KEYS", "TOP_KEYS", "PresetChecker"]

TOP_KEYS = ("name", "description", "light_group", "max_volume", "phases")
PHASE_KEYS = ("name", "duration", "expected", "music", "light", "cues")
CUE_KEYS = ("at", "prompt", "kind")


class PresetChecker(MusicChecks, LightChecks):
    """Collects problems for one file while walking its YAML tree."""

    def preset(self, doc: Any, text: str, path: Path) -> Preset | None:
        if not isinstance(doc, Mapping):
            line = line_of(doc, first_content_line(text))
            self.error(
                line, "",
                f"expected a mapping of keys (name, phases, …) at the top level, "
                f"got {show_value(doc) if not isinstance(doc, str) else 'text'}",
            )
            return None
        top_line = line_of(doc)
        values, lines = self.fields(doc, "", TOP_KEYS, top_line)

        name = description = light_group = None
        ok = True
        if "name" in values:
            name = self.text(values["name"], lines["name"][1], "name")
        else:
            self.missing(top_line, "", "name")
        ok &= name is not None
        if "description" in values and values["description"] is not None:
            description = self.text(
                values["description"], lines["description"][1], "description", required=False
            )
            ok &= description is not None
        if values.get("light_group") is not None:
            group = values["light_group"]
            line = lines["light_group"][1]
            if isinstance(group, str) and group.strip():
                light_group = group.strip()
            elif isinstance(group, int) and not isinstance(group, bool) and group >= 0:
                light_group = str(int(group))
            else:
                self.error(line, "light_group",
                           f"expected a Hue group name or number, got {show_value(group)}")
                ok = False
            if light_group is not None:
                self.warn(lines["light_group"][0], "light_group",
                          "deprecated: the room's light group (Room settings, --group) always "
                          "wins; this one is used only in a room that has none")
        if "max_volume" in values:
            max_volume = self.number(values["max_volume"], lines["max_volume"][1],
                                     "max_volume", VOLUME_MIN, VOLUME_MAX)
            if max_volume is None:
                ok = False
            else:
                self.max_volume_pct = max_volume

        phases: list[Phase] = []
        if "phases" not in values:
            self.missing(top_line, "", "phases")
            ok = False
        else:
            raw = values["phases"]
            key_line, value_line = lines["phases"]
            if raw is None or (isinstance(raw, list) and not raw):
                self.error(key_line, "phases", "expected at least one phase")
                ok = False
            elif not isinstance(raw, list):
                self.error(value_line, "phases",
                           f"expected a list of phases, got {show_value(raw)}")
                ok = False
            elif len(raw) > MAX_PHASES:
                self.error(value_line, "phases", f"{len(raw):,} phases are more than a preset "
                           f"can have ({MAX_PHASES:,})")
                ok = False
            else:
                phases_ok = self.phases(raw, value_line, phases)
                ok &= phases_ok

        if not ok or self.errors or name is None:
            return None
        return Preset(
            name=name,
            phases=tuple(phases),
            description=description or "",
            light_group=light_group,
            max_volume_pct=self.max_volume_pct,
            path=path,
            source=text,
        )

    def phases(self, seq: list[Any], seq_line: int, out: list[Phase]) -> bool:
        ok = True
        seen: dict[str, tuple[str, int]] = {}
        for index, item in enumerate(seq):
            where = f"phases[{index}]"
            phase = self.phase(item, where, item_line_of(seq, index, seq_line), seen)
            if phase is None:
                ok = False
            else:
                out.append(phase)
        return ok

    def phase(
        self, item: Any, where: str, line: int, seen: dict[str, tuple[str, int]]
    ) -> Phase | None:
        before = len(self.errors)
        found = self.section(item, where, line, PHASE_KEYS,
                             "a phase (a mapping with name and duration)")
        if found is None:
            return None
        values, lines, line = found

        name: str | None = None
        if "name" in values:
            name_line = lines["name"][1]
            name = self.text(values["name"], name_line, f"{where}.name")
            if name is not None:
                folded = name_key(name)
                if folded in seen:
                    first_where, first_line = seen[folded]
                    self.error(name_line, f"{where}.name",
                               f"duplicate phase name {show_value(name)} "
                               f"(also {first_where}, line {first_line})")
                else:
                    seen[folded] = (where, name_line)
        else:
            self.missing(line, where, "name")

        duration_s: float | None = None
        is_open = False
        if "duration" in values:
            raw = values["duration"]
            d_line = lines["duration"][1]
            if isinstance(raw, str) and raw.strip().lower() == "open":
                is_open = True
            else:
                duration_s = self.duration(raw, d_line, f"{where}.duration",
                                           allow_open=True, positive=True)
        else:
            self.missing(line, where, "duration")

        expected_s: float | None = None
        if "expected" in values and values["expected"] is not None:
            e_line = lines["expected"][1]
            if "duration" in values and not is_open:
                self.error(lines["expected"][0], f"{where}.expected",
                           "only allowed with duration: open")
            else:
                expected_s = self.duration(values["expected"], e_line, f"{where}.expected",
                                           positive=True)

        music = None
        if values.get("music") is not None:
            music = self.music(values["music"], f"{where}.music", lines["music"][1])
        light = None
        if values.get("light") is not None:
            light = self.light(values["light"], f"{where}.light", lines["light"][1])

        cues: list[Cue] = []
        if values.get("cues") is not None:
            limit = duration_s if not is_open else expected_s
            self.cues(values["cues"], f"{where}.cues", lines["cues"][1], limit, cues)

        if len(self.errors) > before or name is None:
            return None
        if not is_open and duration_s is None:
            return None
        return Phase(
            name=name,
            duration_s=None if is_open else duration_s,
            expected_s=expected_s,
            music=music,
            light=light,
            cues=tuple(sorted(cues, key=lambda cue: cue.at_s)),
            line=line,
        )

    def cues(
        self, node: Any, where: str, line: int, limit_s: float | None, out: list[Cue]
    ) -> None:
        if not isinstance(node, list):
            self.error(line, where, f"expected a list of cues, got {show_value(node)}")
            return
        if len(node) > MAX_CUES_PER_PHASE:
            self.error(line, where, f"{len(node):,} cues are more than a phase can have "
                       f"({MAX_CUES_PER_PHASE:,})")
            return
        for index, item in enumerate(node):
            cue = self.cue(item, f"{where}[{index}]", item_line_of(node, index, line), limit_s)
            if cue is not None:
                out.append(cue)

    def cue(self, node: Any, where: str, line: int, limit_s: float | None) -> Cue | None:
        before = len(self.errors)
        found = self.section(node, where, line, CUE_KEYS, "a cue (a mapping with at and prompt)")
        if found is None:
            return None
        values, lines, line = found
        at: float | None = None
        if "at" in values:
            at_line = lines["at"][1]
            at = self.duration(values["at"], at_line, f"{where}.at")
            if at is not None and limit_s is not None and at >= limit_s:
                self.error(at_line, f"{where}.at",
                           f"{format_duration(at)} is outside its phase "
                           f"(must be less than {format_duration(limit_s)})")
        else:
            self.missing(line, where, "at")
        prompt: str | None = None
        if "prompt" in values:
            prompt = self.text(values["prompt"], lines["prompt"][1], f"{where}.prompt")
        else:
            self.missing(line, where, "prompt")
        kind = CueKind.REMINDER
        if "kind" in values:
            raw = values["kind"]
            choices = [k.value for k in CueKind]
            if isinstance(raw, str) and raw.strip().lower() in choices:
                kind = CueKind(raw.strip().lower())
            else:
                self.error(lines["kind"][1], f"{where}.kind",
                           f"expected one of {' | '.join(choices)}, got {show_value(raw)}")
        if len(self.errors) > before or at is None or prompt is None:
            return None
        return Cue(at_s=at, prompt=prompt, kind=kind)
