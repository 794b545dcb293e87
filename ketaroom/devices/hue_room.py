"""Read a room's lights from a Hue bridge, and set their power-on behaviour (API v1).

Owns :func:`read_room` (``GET /api/<user>/groups/<id>`` or ``/groups`` for a group given by
name, then ``GET /api/<user>/lights``) and :func:`set_startup_mode`
(``PUT /api/<user>/lights/<id>/config``). Every request goes through the shared
:func:`~ketaroom.devices.lights.hue_http.request_json` (overall deadline, size cap), so a dead,
dripping or flooding bridge costs at most ``timeout_s`` per request. They raise only the
lights exceptions (:class:`BridgeUnreachable`, :class:`NotPaired`, :class:`BridgeError`, each
with a one-line message), never the socket's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ketaroom.core.room_check import LightInfo
from ketaroom.devices.lights.base import BridgeError, NotPaired
from ketaroom.devices.lights.conversions import LightCaps, fit_body, light_params
from ketaroom.devices.lights.hue_http import command_failures, request_json
from ketaroom.logging_setup import register_secret

__all__ = ["DIM_WARM_STARTUP", "read_room", "set_startup_mode"]

DIM_WARM_STARTUP = {"bri": 20, "ct": 454}
"""``custom`` power-on behaviour for a dim room: low, warm white."""


def _base(username: str) -> str:
    if not username:
        raise NotPaired("not paired with the bridge yet: pair first")
    register_secret(username)
    return f"/api/{quote(username, safe='')}"


def _odd(what: str, data: Any) -> BridgeError:
    shape = "an empty list" if data == [] else type(data).__name__
    return BridgeError(f"the bridge answered {what} with {shape}, not what a Hue bridge sends",
                       transient=False)


def _group(address: str, base: str, group: str | None, timeout_s: float
           ) -> tuple[str, list[str]]:
    """(label, light ids) of the group given by id or name (``None``: group 0)."""
    key = "0" if group is None or not str(group).strip() else str(group).strip()
    if key.isdigit():
        info = request_json(address, "GET", f"{base}/groups/{key}", None, timeout_s)
        if not isinstance(info, dict) or not isinstance(info.get("lights"), list):
            raise _odd(f"group {key}", info)
        name = info.get("name") if key != "0" else "all lights"
        return f"'{name}' (group {key})", [str(i) for i in info["lights"]]
    groups = request_json(address, "GET", f"{base}/groups", None, timeout_s)
    if not isinstance(groups, dict):
        raise _odd("the group list", groups)
    for gid, info in groups.items():
        if isinstance(info, dict) and info.get("name") == key:
            lights = info.get("lights")
            if not isinstance(lights, list):
                raise _odd(f"group {gid}", info)
            return f"'{key}' (group {gid})", [str(i) for i in lights]
    raise BridgeError(f"no light group named {key!r} on the bridge", 3, transient=False)


def read_room(address: str, username: str, group: str | None, timeout_s: float = 2.0
              ) -> tuple[str, list[LightInfo]]:
    """(group label, each light of the group as the bridge describes it)."""
    base = _base(username)
    label, ids = _group(address, base, group, timeout_s)
    lights = request_json(address, "GET", f"{base}/lights", None, timeout_s)
    if not isinstance(lights, dict):
        raise _odd("the light list", lights)
    found = []
    for lid in ids:
        info = lights.get(lid)
        if not isinstance(info, dict):
            found.append(LightInfo(lid, "", present=False, reachable=False, startup_mode=None))
            continue
        state = info.get("state") if isinstance(info.get("state"), dict) else {}
        config = info.get("config") if isinstance(info.get("config"), dict) else {}
        startup = config.get("startup") if isinstance(config.get("startup"), dict) else {}
        mode = startup.get("mode")
        kind = info.get("type")
        found.append(LightInfo(lid, str(info.get("name", "")), present=True,
                               reachable=state.get("reachable") is True,
                               startup_mode=mode if isinstance(mode, str) else None,
                               light_type=kind if isinstance(kind, str) else ""))
    return label, found


def set_startup_mode(address: str, username: str, light_id: str, mode: str,
                     timeout_s: float = 2.0, light_type: str = "") -> None:
    """Set one light's power-on behaviour: ``powerfail`` or ``custom`` (dim warm; a light
    whose ``light_type`` takes no colour temperature, dim only, or dim in the colour of
    that warm white when it takes colours)."""
    startup: dict[str, Any] = {"mode": mode}
    if mode == "custom":
        startup["customsettings"] = fit_body(dict(DIM_WARM_STARTUP),
                                               LightCaps(light_params(light_type)))
    answer = request_json(address, "PUT", f"{_base(username)}/lights/{quote(light_id)}/config",
                          {"startup": startup}, timeout_s)
    failures = command_failures(answer)
    if failures:
        raise BridgeError(f"light {light_id} refused: {'; '.join(failures)}", transient=False)
