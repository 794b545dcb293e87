"""``python -m bench [--quick] [NAME…]``: run benchmarks, print figures vs targets, save JSON.

Every benchmark is a module ``bench.<name>`` with ``run(quick: bool) -> dict`` returning
``{figure_name: {..., "targets": {...}, "ok": bool}}``. Results are merged into
``bench/results/latest.json`` (figures of benchmarks not run this time are kept, each
with the time and machine it was measured on).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import machine

NAMES = (
    "timing", "ui_stall", "hue_pacing", "hue_stall", "cold_start", "idle", "fade",
    "preset_scale", "music_scan", "central_sync", "central_search", "clinic_scale",
    "board_load",
)
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

# (figure, key, unit, target key, comparison) for the table
ROWS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("timing", "p50_ms", "ms", None, ""),
    ("timing", "p99_ms", "ms", "p99_ms", "<="),
    ("timing", "max_ms", "ms", "max_ms", "<="),
    ("ui_stall_healthy", "max_stall_ms", "ms", "max_stall_ms", "<="),
    ("ui_stall_slow_bridge", "max_stall_ms", "ms", "max_stall_ms", "<="),
    *((f"hue_pacing_{n}_lights", key, unit, key if target else None, op)
      for n in (1, 3, 4, 6)
      for key, unit, target, op in (
          ("first_light_p50_ms", "ms", False, ""),
          ("first_light_p95_ms", "ms", True, "<="),
          ("first_light_max_ms", "ms", False, ""),
          ("every_light_p50_ms", "ms", False, ""),
          ("every_light_p95_ms", "ms", True, "<="),
          ("every_light_max_ms", "ms", False, ""),
          ("rejected_429", "", True, "=="),
          ("final_state_is_last_request", "", True, "=="),
          ("peak_light_cmds_per_s", "/s", True, "<="),
          ("peak_group_cmds_per_s", "/s", True, "<="))),
    ("hue_stall_emergency", "median_ms", "ms", None, ""),
    ("hue_stall_emergency", "max_ms", "ms", "max_ms", "<="),
    ("hue_stall_huge_body", "peak_rss_mb", "MB", "peak_rss_mb", "<="),
    ("cold_start", "median_s", "s", "median_s", "<"),
    ("cold_start", "bare_median_s", "s", None, ""),
    ("cold_start", "ratio", "x", "ratio", "<="),
    ("cold_start", "painted_median_s", "s", None, ""),
    ("cold_start", "painted_ratio", "x", None, ""),
    ("cold_start", "ready_median_s", "s", None, ""),
    ("idle_cpu", "cpu_pct_one_core", "%", "cpu_pct_one_core", "<"),
    ("memory_soak", "rss_growth_mb", "MB", "rss_growth_mb", "<"),
    ("fade", "steps_per_s", "/s", "steps_per_s", ">="),
    ("fade", "max_step_db", "dB", None, ""),
    *((f"preset_scale_{n}", key, unit, target, op) for n in (100, 1_000, 10_000)
      for key, unit, target, op in (
          ("validate_s", "s", None, ""),
          ("validate_growth", "x", "validate_growth", "<="),
          ("rehearse_s", "s", None, ""),
          ("rehearse_phases_reached", "", None, ""),
          ("rehearse_phases_per_s_at_end", "/s", None, ""),
          ("rehearse_slowdown", "x", "rehearse_slowdown", "<="))),
    ("music_scan", "speed_x_rt_per_core", "×", "speed_x_rt_per_core", ">="),
    ("music_scan", "wall_speed_x_rt_per_core", "×", None, ""),
    ("music_scan", "projected_1000_tracks_min", "min", "projected_1000_tracks_min", "<="),
    ("music_scan", "projected_1000_tracks_min_at_this_load", "min", None, ""),
    ("music_rescan", "rescan_s", "s", "rescan_s", "<="),
    ("board_load", "latency_p50_ms", "ms", None, ""),
    ("board_load", "latency_p95_ms", "ms", "latency_p95_ms", "<="),
    ("board_load", "cpu_pct_one_core", "%", "cpu_pct_one_core", "<"),
    ("board_load", "peak_rss_mb", "MB", None, ""),
    ("central_sync", "events_per_s", "/s", "events_per_s", ">="),
    ("central_sync", "total_s", "s", None, ""),
    ("central_sync", "server_db_mb", "MB", None, ""),
    ("central_course", "course_s", "s", "course_s", "<="),
    ("central_search", "history_s", "s", "history_s", "<="),
    ("central_search", "search_s", "s", "search_s", "<="),
    ("central_search", "search_folded_s", "s", "search_s", "<="),
    ("central_search", "search_common_s", "s", "search_s", "<="),
    ("central_search", "search_none_s", "s", "search_s", "<="),
    ("clinic_scale", "generate_s", "s", None, ""),
    ("clinic_scale", "history_s", "s", "history_s", "<="),
    ("clinic_scale", "history_all_s", "s", None, ""),
    ("clinic_scale", "search_s", "s", "search_s", "<="),
    ("clinic_scale", "search_common_s", "s", "search_s", "<="),
    ("clinic_scale", "patients_s", "s", "patients_s", "<="),
    ("clinic_scale", "course_report_s", "s", "course_report_s", "<="),
    ("clinic_scale", "db_mb", "MB", None, ""),
)


def _load() -> dict[str, Any]:
    try:
        return json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'figure':<46} {'measured':>12} {'target':>12}  ok"]
    for figure, key, unit, target_key, op in ROWS:
        data = figures.get(figure)
        if not isinstance(data, dict) or key not in data:
            continue
        target = ""
        ok = ""
        if target_key is not None:
            want = data.get("targets", {}).get(target_key)
            if want is not None:
                target = f"{op} {_cell(want)}{unit}"
                got = data[key]
                ok = "ok" if {"<=": got <= want, "<": got < want, ">=": got >= want,
                              "==": got == want}[op] else "MISS"
        lines.append(f"{figure + '.' + key:<46} {_cell(data[key]) + unit:>12} {target:>12}  {ok}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true",
                        help="short runs (60 s timing, short soaks) to try the whole bench fast")
    args = parser.parse_args(argv)
    names = args.names or list(NAMES)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = False
    this_run: dict[str, Any] = {}
    for name in names:
        print(f"== {name}{' (quick)' if args.quick else ''} …", file=sys.stderr, flush=True)
        begin = time.monotonic()
        try:
            result = importlib.import_module(f"bench.{name}").run(args.quick)
        except Exception:
            traceback.print_exc()
            failed = True
            continue
        stamp = {"benchmark": name, "quick": args.quick, "measured_at": time.strftime(
            "%Y-%m-%dT%H:%M:%S%z"), "took_s": round(time.monotonic() - begin, 1)}
        for figure, data in result.items():
            this_run[figure] = {**data, **stamp}
    figures: dict[str, Any] = _load().get("figures", {})  # reloaded: runs may overlap
    figures.update(this_run)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "figures": figures}, indent=1,
                                  default=str) + "\n", encoding="utf-8")
    print(table(this_run))
    print(f"\nwritten to {RESULTS}")
    misses = [f for f, d in this_run.items() if d.get("ok") is False]
    if misses:
        print("missed targets: " + ", ".join(misses))
    return 1 if failed or misses else 0


if __name__ == "__main__":
    sys.exit(main())
