"""The emulated bridge itself: users and pairing, lights and groups, rate limits, the request
log and the v1 API routes.

Owns: :class:`HueEmulator`. Endpoints: ``POST /api`` (pairing), ``GET /api/config`` (public
config), ``GET /api/<user>``, ``GET /api/<user>/config``, ``GET /api/<user>/lights[/]``,
``GET /api/<user>/lights/<id>``, ``PUT /api/<user>/lights/<id>/state``,
``GET /api/<user>/groups[/]``, ``GET /api/<user>/groups/<id>`` (``0`` = all lights; ``1``,
``2``… = the rooms given, by default one "Treatment room"; ``list_group_zero`` also lists
group ``0`` in ``GET /groups``, as diyHue does), ``PUT /api/<user>/groups/<id>/action``,
``PUT /api/<user>/lights/<id>/config`` (power-on behaviour). Trailing slashes are accepted
everywhere.

Like a real bridge, a light state command with a parameter the bulb lacks is answered error 6
for that parameter (the rest applied); a group action applies to each bulb what it can take
and ignores the rest, without an error. Test hooks: :meth:`HueEmulator.power_cut` (the light
goes unreachable and ignores commands), :meth:`HueEmulator.power_restore` (it comes back as
its power-on behaviour says) and :meth:`HueEmulator.set_startup_mode`.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from ketaroom.devices.hue_emulator.faults import Fault
from ketaroom.devices.hue_emulator.light import COLOUR_PARAMS, STARTUP_MODES, Light
from ketaroom.devices.hue_emulator.params import hue_error, validate_params
from ketaroom.devices.hue_emulator.server import BridgeServer

PAIRING_WINDOW_S = 30.0
LIGHT_LIMIT_PER_S = 10
"""Light state commands accepted in any sliding 1 s window (across all lights)."""
GROUP_LIMIT_PER_S = 2
"""Group action commands accepted in any sliding 1 s window (1/s plus a burst of one)."""
MAX_LOG = 20_000

RequestRecord = tuple[float, str, str, "dict[str, Any] | None", int]
"""(monotonic time, method, path, JSON body if it was an object, HTTP status; 0 = closed)."""

_INVALID = object()
"""The body of a request that was not JSON."""


class HueEmulator:
    """An in-process Hue bridge. Thread-safe; :meth:`start` serves on a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, lights: int = 3,
                 username: str = "ketaroom-demo", enforce_rate_limits: bool = True,
                 rooms: Mapping[str, Sequence[int]] | None = None, *,
                 list_group_zero: bool = False,
                 startup_modes: Mapping[int, str] | None = None,
                 light_kinds: Mapping[int, str] | None = None) -> None:
        """``rooms``: group name → light ids, as groups 1, 2, …; default: one group
        "Treatment room" with every light. ``list_group_zero``: ``GET /groups`` also lists
        group ``0`` ("Group 0", every light), as the diyHue bridge emulator does (a real
        bridge does not). ``startup_modes``: light id → power-on behaviour (default
        ``safety``, as a bulb leaves the factory). ``light_kinds``: light id → a
        :data:`LIGHT_KINDS` key (default ``color``)."""
        self.list_group_zero = list_group_zero
        self.host = host
        self._requested_port = port
        self.username = username
        self.enforce_rate_limits = enforce_rate_limits
        self._lock = threading.RLock()
        self._users: dict[str, str] = {username: "ketaroom#demo"}
        kinds = {int(lid): kind for lid, kind in (light_kinds or {}).items()}
        self._lights = {i: Light(i, kinds.get(i, "color")) for i in range(1, lights + 1)}
        for lid, mode in (startup_modes or {}).items():
            self._lights[int(lid)].startup_mode = mode
        if rooms is None:
            rooms = {"Treatment room": list(self._lights)}
        self._groups: dict[str, dict[str, Any]] = {
            str(gid): {"name": name, "lights": [str(i) for i in ids if i in self._lights],
                       "type": "Room", "class": "Living room", "action": {}}
            for gid, (name, ids) in enumerate(rooms.items(), start=1)
        }
        self._group0_action: dict[str, Any] = {}
        self._fault = Fault.NONE
        self._slow_ms = 0
        self._link_until = 0.0
        self._light_times: deque[float] = deque()
        self._group_times: deque[float] = deque()
        self._log: list[RequestRecord] = []
        self._http = BridgeServer(self)

    # ----------------------------------------------------------------- control

    def start(self) -> None:
        self._http.start(self.host, self._requested_port)

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> HueEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def press_link_button(self) -> None:
        """Open the 30 s pairing window."""
        with self._lock:
            self._link_until = time.monotonic() + PAIRING_WINDOW_S

    def set_fault(self, fault: Fault, slow_ms: int = 0) -> None:
        with self._lock:
            self._fault = fault
            self._slow_ms = int(slow_ms)

    @property
    def fault(self) -> Fault:
        with self._lock:
            return self._fault

    def fault_setting(self) -> tuple[Fault, int]:
        """The fault and its ``slow_ms``, as :meth:`set_fault` last set them together."""
        with self._lock:
            return self._fault, self._slow_ms

    @property
    def dripping(self) -> int:
        """How many answers are trickling out right now (fault ``drip``)."""
        return self._http.dripping

    def set_startup_mode(self, light_id: int, mode: str,
                         custom: Mapping[str, Any] | None = None) -> None:
        """Set a light's power-on behaviour as the Hue app would."""
        if mode not in STARTUP_MODES:
            raise ValueError(f"unknown power-on behaviour {mode!r}")
        with self._lock:
            light = self._lights[int(light_id)]
            light.startup_mode = mode
            light.custom = dict(custom or {})

    def power_cut(self, light_id: int) -> None:
        """The light is switched off at the wall: ``reachable`` false, commands ignored."""
        with self._lock:
            self._lights[int(light_id)].reachable = False

    def power_restore(self, light_id: int) -> None:
        """Power comes back: the light shows what its power-on behaviour says."""
        with self._lock:
            self._lights[int(light_id)].power_on(time.monotonic())

    def startup_mode(self, light_id: int) -> str:
        """A light's power-on behaviour (``safety``, ``powerfail`` or ``custom``)."""
        with self._lock:
            return self._lights[int(light_id)].startup_mode

    # ----------------------------------------------------------------- inspection

    def light_state(self, light_id: int) -> dict[str, Any]:
        """Modelled state *now* (mid-transition values interpolated): on, bri, ct, xy, colormode…"""
        with self._lock:
            return self._lights[int(light_id)].current(time.monotonic())

    def target_state(self, light_id: int) -> dict[str, Any]:
        """End state of the latest command for this light."""
        with self._lock:
            return copy.deepcopy(self._lights[int(light_id)].end)

    def groups(self) -> list[tuple[str, str, list[str]]]:
        """``[(group id, name, light ids), …]`` of the rooms (group 0 not included)."""
        with self._lock:
            return [(gid, g["name"], list(g["lights"])) for gid, g in self._groups.items()]

    def requests(self) -> list[RequestRecord]:
        """A copy of the request log."""
        with self._lock:
            return list(self._log)

    @property
    def request_log(self) -> list[RequestRecord]:
        return self.requests()

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ----------------------------------------------------------------- request handling

    def record_request(self, method: str, path: str, body: Any, status: int) -> None:
        """Append to the request log (also for what the HTTP layer answers by itself)."""
        with self._lock:
            self._log.append((time.monotonic(), method, path,
                              body if isinstance(body, dict) else None, status))
            if len(self._log) > MAX_LOG:
                del self._log[: MAX_LOG // 2]

    def _rate_ok(self, times: deque[float], limit: int) -> bool:
        now = time.monotonic()
        while times and times[0] <= now - 1.0:
            times.popleft()
        if self.enforce_rate_limits and len(times) >= limit:
            return False
        times.append(now)
        return True

    def handle(self, method: str, path: str, raw_body: bytes) -> tuple[int, Any]:
        """Route one request; returns (HTTP status, JSON-able answer). Caller holds no lock."""
        body: Any = None
        if raw_body:
            try:
                body = json.loads(raw_body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body = _INVALID
        parts = [p for p in path.split("?")[0].split("/") if p]
        with self._lock:
            status, answer = self._route(method, parts, body)
        self.record_request(method, path, body, status)
        return status, answer

    def _route(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        fault = self._fault
        if fault is Fault.STORM_429:
            return 429, None
        if not parts or parts[0] != "api":
            return 404, None
        address = "/" + "/".join(parts[2:])
        if fault is Fault.INTERNAL_ERROR:
            return 200, [hue_error(901, address, "Internal error, 404")]
        if body is _INVALID:
            return 200, [hue_error(2, address, "body contains invalid json")]
        if len(parts) == 1:
            if method == "POST":
                return 200, self._pair(body)
            return 200, [hue_error(4, "/", f"method, {method}, not available for resource, /")]
        if len(parts) == 2 and parts[1] == "config" and method == "GET":
            return 200, self._public_config()
        user = parts[1]
        if fault is Fault.UNAUTHORIZED or user not in self._users:
            if parts[2:] == ["config"] and method == "GET" and fault is not Fault.UNAUTHORIZED:
                return 200, self._public_config()  # like the real bridge
            return 200, [hue_error(1, address or "/", "unauthorized user")]
        rest = parts[2:]
        now = time.monotonic()
        if fault is Fault.EMPTY_READS:
            return 200, []
        if method == "GET":
            found = self._get(rest, now)
            if found is None:
                return 200, [hue_error(3, address, f"resource, {address}, not available")]
            return 200, found
        if method in ("PUT", "POST") and fault is Fault.EMPTY:
            return 200, []
        if method in ("PUT", "POST") and fault is Fault.OBJECT:
            return 200, {"result": "ok"}
        if method == "PUT" and fault is Fault.PARTIAL and isinstance(body, dict):
            refused = [k for k in COLOUR_PARAMS if k in body]
            allowed = {k: v for k, v in body.items() if k not in COLOUR_PARAMS}
            status, answer = self._command(method, rest, address, now, allowed)
            if status == 200 and isinstance(answer, list) and answer and "success" in answer[0]:
                answer += [hue_error(201, f"{address}/{k}",
                                     f"parameter, {k}, is not modifiable. Device is set to off.")
                           for k in refused]
            return status, answer
        return self._command(method, rest, address, now, body)

    def _command(self, method: str, rest: list[str], address: str, now: float, body: Any
                 ) -> tuple[int, Any]:
        if method == "PUT" and len(rest) == 3 and rest[0] == "lights" and rest[2] == "state":
            return self._put_light(rest[1], body, address, now)
        if method == "PUT" and len(rest) == 3 and rest[0] == "lights" and rest[2] == "config":
            return self._put_config(rest[1], body, address)
        if method == "PUT" and len(rest) == 3 and rest[0] == "groups" and rest[2] == "action":
            return self._put_group(rest[1], body, address, now)
        if method in ("PUT", "POST", "DELETE") and self._get(rest, now) is not None:
            return 200, [hue_error(4, address,
                                   f"method, {method}, not available for resource, {address}")]
        return 200, [hue_error(3, address, f"resource, {address}, not available")]

    def _pair(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("devicetype"), str):
            return [hue_error(5, "/", "invalid/missing parameters in body")]
        if time.monotonic() > self._link_until:
            return [hue_error(101, "", "link button not pressed")]
        username = secrets.token_hex(20)
        self._users[username] = body["devicetype"]
        return [{"success": {"username": username}}]

    def _public_config(self) -> dict[str, Any]:
        return {"name": "Ketaroom emulator", "datastoreversion": "131", "swversion": "1962097030",
                "apiversion": "1.63.0", "mac": "00:17:88:ee:ee:ee",
                "bridgeid": "001788FFFEEEEEEE", "factorynew": False, "replacesbridgeid": None,
                "modelid": "BSB002", "starterkitid": ""}

    def _config(self) -> dict[str, Any]:
        config = self._public_config()
        config.update(
            ipaddress=self.host, netmask="255.255.255.0", gateway=self.host, dhcp=True,
            UTC=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            linkbutton=time.monotonic() <= self._link_until, zigbeechannel=15,
            whitelist={u: {"name": d, "last use date": "", "create date": ""}
                       for u, d in self._users.items()},
        )
        return config

    def _group_info(self, gid: str, now: float) -> dict[str, Any] | None:
        if gid == "0":
            info: dict[str, Any] = {"name": "Group 0", "lights": [str(i) for i in self._lights],
                                    "type": "LightGroup", "action": dict(self._group0_action)}
        elif gid in self._groups:
            info = copy.deepcopy(self._groups[gid])
        else:
            return None
        states = [self._lights[int(i)].end for i in info["lights"]]
        info["state"] = {"all_on": bool(states) and all(s["on"] for s in states),
                         "any_on": any(s["on"] for s in states)}
        if states and not info["action"]:
            first = states[0]
            info["action"] = {k: copy.deepcopy(first[k])
                              for k in ("on", "bri", "hue", "sat", "xy", "ct", "colormode")}
        info["recycle"] = False
        return info

    def _get(self, rest: list[str], now: float) -> Any:
        lights = {str(i): light.describe(now) for i, light in self._lights.items()}
        if not rest:
            return {"lights": lights,
                    "groups": {g: self._group_info(g, now) for g in self._groups},
                    "config": self._config(), "schedules": {}, "scenes": {}, "rules": {},
                    "sensors": {}, "resourcelinks": {}}
        if rest == ["config"]:
            return self._config()
        if rest == ["lights"]:
            return lights
        if len(rest) == 2 and rest[0] == "lights":
            return lights.get(rest[1])
        if len(rest) == 3 and rest[0] == "lights" and rest[2] == "state" and rest[1] in lights:
            return lights[rest[1]]["state"]
        if rest == ["groups"]:
            listed = (["0"] if self.list_group_zero else []) + list(self._groups)
            return {g: self._group_info(g, now) for g in listed}
        if len(rest) == 2 and rest[0] == "groups":
            return self._group_info(rest[1], now)
        return None

    def _put_light(self, lid: str, body: Any, address: str, now: float) -> tuple[int, Any]:
        light = self._lights.get(int(lid)) if lid.isdigit() else None
        if light is None:
            return 200, [hue_error(3, f"/lights/{lid}", f"resource, /lights/{lid}, not available")]
        if not self._rate_ok(self._light_times, LIGHT_LIMIT_PER_S):
            return 429, None
        params, errors = validate_params(body, address)
        for key in [k for k in params if k in COLOUR_PARAMS and k not in light.kind.params]:
            del params[key]
            errors.append(hue_error(6, f"{address}/{key}", f"parameter, {key}, not available"))
        is_on = light.current(now)["on"] and light.end["on"]
        if not params.get("on", is_on):
            for key in ("bri", "ct", "xy", "hue", "sat"):
                if key in params:
                    del params[key]
                    errors.append(hue_error(201, f"{address}/{key}",
                                            f"parameter, {key}, is not modifiable. "
                                            "Device is set to off."))
        if light.reachable:  # an unreachable light never hears it; the bridge still says ok
            light.apply(params, now)
        return 200, [{"success": {f"{address}/{k}": v}} for k, v in params.items()] + errors

    def _put_config(self, lid: str, body: Any, address: str) -> tuple[int, Any]:
        """``{"startup": {"mode": …, "customsettings": {…}}}`` (firmware 1.50+)."""
        light = self._lights.get(int(lid)) if lid.isdigit() else None
        if light is None:
            return 200, [hue_error(3, f"/lights/{lid}", f"resource, /lights/{lid}, not available")]
        if not self._rate_ok(self._light_times, LIGHT_LIMIT_PER_S):
            return 429, None
        startup = body.get("startup") if isinstance(body, dict) else None
        if not isinstance(startup, dict) or startup.get("mode") not in STARTUP_MODES:
            return 200, [hue_error(7, f"{address}/startup/mode",
                                   "invalid value for parameter, startup/mode")]
        settings, errors = validate_params(startup.get("customsettings", {}),
                                           f"{address}/startup/customsettings")
        errors += [hue_error(6, f"{address}/startup/customsettings/{k}",
                             f"parameter, {k}, not available")
                   for k in settings if k in COLOUR_PARAMS and k not in light.kind.params]
        if errors or (startup["mode"] == "custom" and not settings):
            return 200, errors or [hue_error(7, f"{address}/startup/customsettings",
                                             "custom needs customsettings")]
        if not light.reachable:
            return 200, [hue_error(201, f"{address}/startup",
                                   "parameter, startup, is not modifiable. Device is unreachable.")]
        light.startup_mode = startup["mode"]
        light.custom = settings if startup["mode"] == "custom" else {}
        answer = [{"success": {f"{address}/startup/mode": light.startup_mode}}]
        if light.custom:
            answer.append({"success": {f"{address}/startup/customsettings": light.custom}})
        return 200, answer

    def _put_group(self, gid: str, body: Any, address: str, now: float) -> tuple[int, Any]:
        info = self._group_info(gid, now)
        if info is None:
            return 200, [hue_error(3, f"/groups/{gid}", f"resource, /groups/{gid}, not available")]
        if not self._rate_ok(self._group_times, GROUP_LIMIT_PER_S):
            return 429, None
        params, errors = validate_params(body, address)
        for lid in info["lights"]:
            light = self._lights[int(lid)]
            if not light.reachable:
                continue
            if params.get("on", light.end["on"]):
                light.apply(params, now)
            elif "on" in params:
                light.apply({k: v for k, v in params.items() if k in ("on", "transitiontime")},
                            now)
        action = {k: v for k, v in params.items() if k != "transitiontime"}
        if gid == "0":
            self._group0_action.update(action)
        else:
            self._groups[gid]["action"].update(action)
        return 200, [{"success": {f"{address}/{k}": v}} for k, v in params.items()] + errors
