"""A command's parameters, checked as the real bridge checks them, and its error entries.

Owns: :func:`hue_error` (one ``{"error": {"type", "address", "description"}}`` entry, as a
bridge answers with HTTP 200) and :func:`validate_params` (a light state, group action or
power-on body split into valid parameters and such entries: 2 not a JSON object, 6 unknown
parameter, 7 invalid value).
"""

from __future__ import annotations

from typing import Any


def hue_error(kind: int, address: str, description: str) -> dict[str, Any]:
    return {"error": {"type": kind, "address": address, "description": description}}


def validate_params(params: Any, prefix: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Split a state/action body into valid params and real-bridge error entries."""
    if not isinstance(params, dict):
        return {}, [hue_error(2, prefix, "body contains invalid json")]
    ok: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    ranges = {"bri": (1, 254), "ct": (153, 500), "hue": (0, 65535), "sat": (0, 254),
              "transitiontime": (0, 65535)}
    for key, value in params.items():
        address = f"{prefix}/{key}"
        if key == "on":
            valid = isinstance(value, bool)
        elif key in ranges:
            lo, hi = ranges[key]
            valid = is_int(value) and lo <= value <= hi
        elif key == "xy":
            valid = (isinstance(value, list) and len(value) == 2
                     and all(isinstance(v, int | float) and not isinstance(v, bool)
                             and 0.0 <= v <= 1.0 for v in value))
        elif key in ("alert", "effect"):
            valid = isinstance(value, str)
        else:
            errors.append(hue_error(6, address, f"parameter, {key}, not available"))
            continue
        if valid:
            ok[key] = value
        else:
            errors.append(hue_error(7, address, f"invalid value, {value}, for parameter, {key}"))
    return ok, errors
