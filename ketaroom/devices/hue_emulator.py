"""A Philips Hue bridge emulator (API v1) for demo mode, rehearsal and tests.

Owns: a stdlib ``ThreadingHTTPServer`` on a daemon thread that answers the small part of the
v1 API ketaroom (through phue) uses, with the real bridge's value ranges, error bodies, pairing
window, rate limits (HTTP 429) and transitions modelled over time, plus injectable faults.

Endpoints: ``POST /api`` (pairing), ``GET /api/config`` (public config), ``GET /api/<user>``,
``GET /api/<user>/config``, ``GET /api/<user>/lights[/]``, ``GET /api/<user>/lights/<id>``,
``PUT /api/<user>/lights/<id>/state``, ``GET /api/<user>/groups[/]``,
``GET /api/<user>/groups/<id>`` (``0`` = all lights; ``1``, ``2``… = the rooms given, by
default one "Treatment room"; ``list_group_zero`` also lists group ``0`` in ``GET /groups``,
as diyHue does),
``PUT /api/<user>/groups/<id>/action``, ``PUT /api/<user>/lights/<id>/config``
(power-on behaviour). Trailing slashes are accepted everywhere.

Lights are colour bulbs (``Extended color light``, gamut C) unless ``light_kinds`` makes some
colour-temperature (``ct``: no ``xy``/``hue``/``sat``; ``ct`` 153-454), colour-only (``xy``:
``Color light``, a Hue Bloom of gamut A: no ``ct``) or dimmable-only (``dimmable``: ``bri``
only) bulbs. Every light lists ``capabilities.control`` as a real bridge does (``ct``
``min``/``max``, ``colorgamuttype`` and ``colorgamut`` where it has them). Like a real
bridge, a light state command with a parameter the bulb lacks is answered error 6 for that
parameter (the rest applied); a group action applies to each bulb what it can take and
ignores the rest, without an error. A bulb given several colour parameters shows them by
the bridge's precedence, xy > ct > hue/sat.

Like firmware 1.50+, every light has ``config.startup`` (``mode``: ``safety`` — full bright
warm white after a power cut, the factory default —, ``powerfail`` — its last state —, or
``custom`` with ``customsettings``) and ``state.reachable``. Test hooks:
:meth:`HueEmulator.power_cut` (the light goes unreachable and ignores commands),
:meth:`HueEmulator.power_restore` (it comes back as its power-on behaviour says) and
:meth:`HueEmulator.set_startup_mode`.

Also the ``ketaroom bridge-emulator`` sub-command (:func:`add_arguments`, :func:`run_cli`),
which sets up the same real-room faults from the command line: ``--startup-mode``/``--startup
ID=MODE`` (power-on behaviour), ``--unreachable ID`` (switched off at the wall), ``--room``
(several rooms on one bridge), ``--light-kind ID=KIND`` (colour-temperature or dimmable-only
bulbs) and every :class:`Fault` (``--fault``).
"""

from __future__ import annotations

import argparse
import copy
import enum
import json
import secrets
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAIRING_WINDOW_S = 30.0
LIGHT_LIMIT_PER_S = 10
"""Light state commands accepted in any sliding 1 s window (across all lights)."""
GROUP_LIMIT_PER_S = 2
"""Group action commands accepted in any sliding 1 s window (1/s plus a burst of one)."""
DEFAULT_TRANSITION_DS = 4
MAX_LOG = 20_000
DRIP_INTERVAL_S = 1.0
HUGE_BODY_BYTES = 2 * 1024**3
_COLOUR = ("ct", "xy", "hue", "sat")
STARTUP_MODES = ("safety", "powerfail", "custom")
SAFETY_STATE = {"on": True, "bri": 254, "ct": 366, "colormode": "ct"}
"""What a light at power-on behaviour ``safety`` shows after a power cut."""
SAFETY_XY = (0.4573, 0.41)
"""That warm white (``ct`` 366) on a light that takes only ``xy``."""

RequestRecord = tuple[float, str, str, "dict[str, Any] | None", int]
"""(monotonic time, method, path, JSON body if it was an object, HTTP status; 0 = closed)."""


class Fault(enum.Enum):
    """What the emulated bridge does wrong."""

    NONE = "none"
    DOWN = "down"
    """Every connection is closed without an answer."""
    SLOW = "slow"
    """Every answer is delayed by ``slow_ms``."""
    STORM_429 = "storm_429"
    """HTTP 429 to everything (another app is flooding the bridge)."""
    UNAUTHORIZED = "unauthorized"
    """Error type 1 to every authenticated request (our user was removed); pairing still works."""
    INTERNAL_ERROR = "internal_error"
    """Error type 901 to everything."""
    DROP = "drop"
    """The command is processed, but the connection closes in the middle of the answer."""
    GARBAGE = "garbage"
    """HTTP 200 with a body that is not JSON."""
    DRIP = "drip"
    """The request is processed, then the answer (status line included) trickles out one
    byte per ``DRIP_INTERVAL_S``, to the end even if the fault is cleared meanwhile."""
    HUGE = "huge"
    """The request is processed, then the answer is an endless JSON-looking body (no
    Content-Length) of up to ``HUGE_BODY_BYTES``."""
    PARTIAL = "partial"
    """Commands apply ``on`` and ``bri`` only: colour parameters are answered with error 201
    (not modifiable), in the same answer as the successes."""
    EMPTY = "empty"
    """Commands are answered ``[]`` (and not applied)."""
    OBJECT = "object"
    """Commands are answered with an object instead of a list (and not applied)."""
    EMPTY_READS = "empty_reads"
    """Every authenticated request, reads included, is answered ``[]`` (and not applied)."""

    @classmethod
    def parse(cls, name: str) -> Fault:
        key = name.strip().lower().replace("-", "_")
        for fault in cls:
            if fault.value == key or fault.name.lower() == key:
                return fault
        raise ValueError(f"unknown fault {name!r}; one of: {', '.join(f.value for f in cls)}")


# --------------------------------------------------------------------------- light model

_NUMERIC = ("bri", "ct", "hue", "sat")


@dataclass(frozen=True)
class _Kind:
    """What a kind of bulb is called and which state parameters it has."""

    type: str
    modelid: str
    productname: str
    params: tuple[str, ...]
    """Of ``bri``, ``ct``, ``xy``, ``hue``, ``sat`` (``on`` every light has)."""
    control: dict[str, Any]


LIGHT_KINDS = {
    "color": _Kind("Extended color light", "LCT015", "Hue color lamp",
                   ("bri", "ct", "xy", "hue", "sat"),
                   {"mindimlevel": 1000, "maxlumen": 806, "colorgamuttype": "C",
                    "colorgamut": [[0.6915, 0.3083], [0.17, 0.7], [0.1532, 0.0475]],
                    "ct": {"min": 153, "max": 500}}),
    "ct": _Kind("Color temperature light", "LTW001", "Hue white ambiance lamp", ("bri", "ct"),
                {"mindimlevel": 1000, "maxlumen": 806, "ct": {"min": 153, "max": 454}}),
    "dimmable": _Kind("Dimmable light", "LWB010", "Hue white lamp", ("bri",),
                      {"mindimlevel": 5000, "maxlumen": 806}),
    "xy": _Kind("Color light", "LLC012", "Hue bloom", ("bri", "xy", "hue", "sat"),
                {"mindimlevel": 10000, "maxlumen": 120, "colorgamuttype": "A",
                 "colorgamut": [[0.704, 0.296], [0.2151, 0.7106], [0.138, 0.08]]}),
}
"""``light_kinds`` values: a colour bulb (the default), colour temperature, dimmable only,
colour only (no ``ct``)."""


def _error(kind: int, address: str, description: str) -> dict[str, Any]:
    return {"error": {"type": kind, "address": address, "description": description}}


class _Light:
    """One emulated bulb: target state plus a linear transition from where it was."""

    def __init__(self, light_id: int, kind: str = "color") -> None:
        self.light_id = light_id
        self.kind = LIGHT_KINDS[kind]
        self.name = f"{self.kind.productname} {light_id}"
        self.end: dict[str, Any] = {
            "on": False, "bri": 254, "ct": 366, "xy": list(SAFETY_XY), "hue": 8418, "sat": 140,
            "colormode": "ct" if "ct" in self.kind.params else "xy",
        }
        self.start: dict[str, Any] = copy.deepcopy(self.end)
        self.t0 = 0.0
        self.duration_s = 0.0
        self.reachable = True
        self.startup_mode = "safety"
        self.custom: dict[str, Any] = {}
        """``customsettings`` of power-on behaviour ``custom`` (``bri``, ``ct``…)."""

    def power_on(self, now: float) -> None:
        """Mains power comes back: the state the power-on behaviour says, at once."""
        last = self.current(now)
        if self.startup_mode == "safety":
            self.end = {**self.end, **SAFETY_STATE}
            if "ct" not in self.kind.params:  # a colour-only light: the same warm white in xy
                self.end.update(xy=list(SAFETY_XY), colormode="xy")
        elif self.startup_mode == "custom":
            self.end = {**self.end, "on": True, **self.custom}
            if "xy" in self.custom or "ct" in self.custom:
                self.end["colormode"] = "xy" if "xy" in self.custom else "ct"
        else:
            self.end = last
        self.start = copy.deepcopy(self.end)
        self.duration_s = 0.0
        self.reachable = True

    def current(self, now: float) -> dict[str, Any]:
        if self.duration_s <= 0 or now >= self.t0 + self.duration_s:
            return copy.deepcopy(self.end)
        frac = max(0.0, (now - self.t0) / self.duration_s)
        state = copy.deepcopy(self.end)
        for key in _NUMERIC:
            a, b = self.start[key], self.end[key]
            state[key] = round(a + (b - a) * frac)
        state["xy"] = [round(a + (b - a) * frac, 4)
                       for a, b in zip(self.start["xy"], self.end["xy"], strict=True)]
        if self.start["on"] and not self.end["on"]:
            state["on"] = True  # fading out: still lit until the transition ends
        return state

    def apply(self, params: dict[str, Any], now: float) -> None:
        """Apply validated ``params`` (those the bulb lacks are ignored); the transition starts
        from the current modelled state."""
        params = {k: v for k, v in params.items() if k not in _COLOUR or k in self.kind.params}
        current = self.current(now)
        was_on = current["on"]
        end = copy.deepcopy(self.end)
        for key in ("on", *_NUMERIC, "xy"):
            if key in params:
                end[key] = copy.deepcopy(params[key])
        if "xy" in params:
            end["colormode"] = "xy"
        elif "ct" in params:
            end["colormode"] = "ct"
        elif "hue" in params or "sat" in params:
            end["colormode"] = "hs"
        tt = int(params.get("transitiontime", DEFAULT_TRANSITION_DS))
        start = current
        if not was_on and end["on"]:
            start = {**current, "on": False, "bri": 1}  # fades up from the dimmest level
            if "bri" not in params:
                end["bri"] = current["bri"]
        if was_on and not end["on"] and tt > 0:
            end["bri"] = 1  # the real bridge reports bri 1 after an off-with-transition
        self.start, self.end = start, end
        self.t0, self.duration_s = now, tt / 10.0

    def describe(self, now: float) -> dict[str, Any]:
        state = {k: copy.deepcopy(self.end[k]) for k in ("on", *self.kind.params)}
        state.update(alert="none", mode="homeautomation", reachable=self.reachable)
        if {"ct", "xy"} & set(self.kind.params):  # a ct-only bulb stays in colormode ct
            state.update(effect="none", colormode=self.end["colormode"])
        startup: dict[str, Any] = {"mode": self.startup_mode, "configured": True}
        if self.startup_mode == "custom":
            startup["customsettings"] = copy.deepcopy(self.custom)
        return {
            "state": state, "type": self.kind.type, "name": self.name,
            "config": {"archetype": "sultanbulb", "function": "mixed",
                       "direction": "omnidirectional", "startup": startup},
            "modelid": self.kind.modelid, "manufacturername": "Signify Netherlands B.V.",
            "productname": self.kind.productname,
            "uniqueid": f"00:17:88:01:00:00:00:{self.light_id:02x}-0b", "swversion": "1.88.1",
            "capabilities": {"control": copy.deepcopy(self.kind.control)},
        }


def _validate(params: Any, prefix: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Split a state/action body into valid params and real-bridge error entries."""
    if not isinstance(params, dict):
        return {}, [_error(2, prefix, "body contains invalid json")]
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
            errors.append(_error(6, address, f"parameter, {key}, not available"))
            continue
        if valid:
            ok[key] = value
        else:
            errors.append(_error(7, address, f"invalid value, {value}, for parameter, {key}"))
    return ok, errors


# --------------------------------------------------------------------------- the emulator


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
        self._lights = {i: _Light(i, kinds.get(i, "color")) for i in range(1, lights + 1)}
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
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._dripping = 0

    # ----------------------------------------------------------------- control

    def start(self) -> None:
        if self._server is not None:
            return
        self._stopping.clear()
        server = _QuietServer((self.host, self._requested_port), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="hue-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # ends drips and huge bodies still being written
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def __enter__(self) -> HueEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

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

    @property
    def dripping(self) -> int:
        """How many answers are trickling out right now (fault ``drip``)."""
        with self._lock:
            return self._dripping

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

    def _record(self, method: str, path: str, body: Any, status: int) -> None:
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
        self._record(method, path, body, status)
        return status, answer

    def _route(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        fault = self._fault
        if fault is Fault.STORM_429:
            return 429, None
        if not parts or parts[0] != "api":
            return 404, None
        address = "/" + "/".join(parts[2:])
        if fault is Fault.INTERNAL_ERROR:
            return 200, [_error(901, address, "Internal error, 404")]
        if body is _INVALID:
            return 200, [_error(2, address, "body contains invalid json")]
        if len(parts) == 1:
            if method == "POST":
                return 200, self._pair(body)
            return 200, [_error(4, "/", f"method, {method}, not available for resource, /")]
        if len(parts) == 2 and parts[1] == "config" and method == "GET":
            return 200, self._public_config()
        user = parts[1]
        if fault is Fault.UNAUTHORIZED or user not in self._users:
            if parts[2:] == ["config"] and method == "GET" and fault is not Fault.UNAUTHORIZED:
                return 200, self._public_config()  # like the real bridge
            return 200, [_error(1, address or "/", "unauthorized user")]
        rest = parts[2:]
        now = time.monotonic()
        if fault is Fault.EMPTY_READS:
            return 200, []
        if method == "GET":
            found = self._get(rest, now)
            if found is None:
                return 200, [_error(3, address, f"resource, {address}, not available")]
            return 200, found
        if method in ("PUT", "POST") and fault is Fault.EMPTY:
            return 200, []
        if method in ("PUT", "POST") and fault is Fault.OBJECT:
            return 200, {"result": "ok"}
        if method == "PUT" and fault is Fault.PARTIAL and isinstance(body, dict):
            refused = [k for k in _COLOUR if k in body]
            status, answer = self._command(method, rest, address, now,
                                           {k: v for k, v in body.items() if k not in _COLOUR})
            if status == 200 and isinstance(answer, list) and answer and "success" in answer[0]:
                answer += [_error(201, f"{address}/{k}", f"parameter, {k}, is not modifiable. "
                                                         "Device is set to off.")
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
            return 200, [_error(4, address, f"method, {method}, not available for resource, "
                                             f"{address}")]
        return 200, [_error(3, address, f"resource, {address}, not available")]

    def _pair(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("devicetype"), str):
            return [_error(5, "/", "invalid/missing parameters in body")]
        if time.monotonic() > self._link_until:
            return [_error(101, "", "link button not pressed")]
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
            return 200, [_error(3, f"/lights/{lid}", f"resource, /lights/{lid}, not available")]
        if not self._rate_ok(self._light_times, LIGHT_LIMIT_PER_S):
            return 429, None
        params, errors = _validate(body, address)
        for key in [k for k in params if k in _COLOUR and k not in light.kind.params]:
            del params[key]
            errors.append(_error(6, f"{address}/{key}", f"parameter, {key}, not available"))
        is_on = light.current(now)["on"] and light.end["on"]
        if not params.get("on", is_on):
            for key in ("bri", "ct", "xy", "hue", "sat"):
                if key in params:
                    del params[key]
                    errors.append(_error(201, f"{address}/{key}",
                                         f"parameter, {key}, is not modifiable. "
                                         "Device is set to off."))
        if light.reachable:  # an unreachable light never hears it; the bridge still says ok
            light.apply(params, now)
        return 200, [{"success": {f"{address}/{k}": v}} for k, v in params.items()] + errors

    def _put_config(self, lid: str, body: Any, address: str) -> tuple[int, Any]:
        """``{"startup": {"mode": …, "customsettings": {…}}}`` (firmware 1.50+)."""
        light = self._lights.get(int(lid)) if lid.isdigit() else None
        if light is None:
            return 200, [_error(3, f"/lights/{lid}", f"resource, /lights/{lid}, not available")]
        if not self._rate_ok(self._light_times, LIGHT_LIMIT_PER_S):
            return 429, None
        startup = body.get("startup") if isinstance(body, dict) else None
        if not isinstance(startup, dict) or startup.get("mode") not in STARTUP_MODES:
            return 200, [_error(7, f"{address}/startup/mode",
                                "invalid value for parameter, startup/mode")]
        settings, errors = _validate(startup.get("customsettings", {}),
                                     f"{address}/startup/customsettings")
        errors += [_error(6, f"{address}/startup/customsettings/{k}",
                          f"parameter, {k}, not available")
                   for k in settings if k in _COLOUR and k not in light.kind.params]
        if errors or (startup["mode"] == "custom" and not settings):
            return 200, errors or [_error(7, f"{address}/startup/customsettings",
                                          "custom needs customsettings")]
        if not light.reachable:
            return 200, [_error(201, f"{address}/startup",
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
            return 200, [_error(3, f"/groups/{gid}", f"resource, /groups/{gid}, not available")]
        if not self._rate_ok(self._group_times, GROUP_LIMIT_PER_S):
            return 429, None
        params, errors = _validate(body, address)
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


_INVALID = object()


def _make_handler(emulator: HueEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            with emulator._lock:
                fault, slow_ms = emulator._fault, emulator._slow_ms
            if fault is Fault.DOWN:
                emulator._record(self.command, self.path, _safe_json(raw), 0)
                self.close_connection = True
                return
            if fault is Fault.SLOW and slow_ms > 0:
                time.sleep(slow_ms / 1000.0)
            if fault is Fault.GARBAGE:
                emulator._record(self.command, self.path, _safe_json(raw), 200)
                self._send(200, b"<html><body>502 Bad Gateway</body></html>\x00\xff",
                           "text/html")
                return
            status, answer = emulator.handle(self.command, self.path, raw)
            if fault is Fault.HUGE:
                self._send_huge()
                return
            if status == 429:
                self._send(429, b"Too Many Requests", "text/plain")
                return
            if status == 404:
                self._send(404, b"Not Found", "text/plain")
                return
            data = json.dumps(answer).encode("utf-8")
            if fault is Fault.DRIP:
                self._drip(status, data)
                return
            if fault is Fault.DROP:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, data, "application/json")

        def _drip(self, status: int, data: bytes) -> None:
            """The whole answer, status line included, one byte at a time."""
            head = (f"HTTP/1.0 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n").encode("ascii")
            self.close_connection = True
            with emulator._lock:
                emulator._dripping += 1
            try:
                for byte in head + data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if emulator._stopping.wait(DRIP_INTERVAL_S):
                        return
            finally:
                with emulator._lock:
                    emulator._dripping -= 1

        def _send_huge(self) -> None:
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()  # no Content-Length: the body ends when the connection does
            chunk = b"a" * (1024 * 1024)
            self.wfile.write(b'[{"success": {"/groups/0/action/on": "')
            for _ in range(HUGE_BODY_BYTES // len(chunk)):
                if emulator._stopping.is_set():
                    return
                self.wfile.write(chunk)

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = _serve

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (timeout) before the answer is normal here: no traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        super().handle_error(request, client_address)


def _safe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``ketaroom bridge-emulator``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0 = pick a free one)")
    parser.add_argument("--lights", type=int, default=3, help="number of emulated lights")
    parser.add_argument("--fault", default="none", type=Fault.parse,
                        help="inject a fault: " + ", ".join(f.value for f in Fault))
    parser.add_argument("--slow-ms", type=int, default=0,
                        help="answer delay for --fault slow (milliseconds)")
    parser.add_argument("--link-button", action="store_true",
                        help="press the link button at start (30 s pairing window)")
    parser.add_argument("--username", default="ketaroom-demo", help="pre-paired username")
    parser.add_argument("--no-rate-limits", action="store_true",
                        help="never answer HTTP 429")
    parser.add_argument("--room", action="append", default=[], type=_room_arg,
                        metavar="NAME=ID,ID…",
                        help="a light group (repeatable), e.g. 'Room A=1,2'; default: one "
                             "group 'Treatment room' with every light")
    parser.add_argument("--list-group-zero", action="store_true",
                        help="also list group 0 (all lights) in the group list, as diyHue does")
    parser.add_argument("--startup-mode", choices=STARTUP_MODES, default="safety",
                        help="every light's power-on behaviour (default safety: full bright "
                             "white after a power cut, as bulbs leave the factory)")
    parser.add_argument("--startup", action="append", default=[], type=_startup_arg,
                        metavar="ID=MODE",
                        help="one light's power-on behaviour (repeatable), e.g. 2=powerfail")
    parser.add_argument("--light-kind", action="append", default=[], type=_kind_arg,
                        metavar="ID=KIND",
                        help="one light's kind (repeatable): color (default), ct (colour "
                             "temperature only), dimmable (brightness only) or xy (colour "
                             "only, no colour temperature), e.g. 2=dimmable")
    parser.add_argument("--unreachable", action="append", default=[], type=_light_id_arg,
                        metavar="ID",
                        help="a light switched off at the wall (repeatable): reachable false, "
                             "commands ignored while the bridge still answers success")


def _room_arg(text: str) -> tuple[str, list[int]]:
    name, sep, ids = text.rpartition("=")
    try:
        lights = [int(i) for i in ids.split(",") if i.strip()]
    except ValueError:
        lights = []
    if not sep or not name.strip() or not lights:
        raise argparse.ArgumentTypeError(f"expected NAME=ID,ID… (e.g. 'Room A=1,2'), got {text!r}")
    return name.strip(), lights


def _light_id_arg(text: str) -> int:
    try:
        light_id = int(text)
    except ValueError:
        light_id = 0
    if light_id < 1:
        raise argparse.ArgumentTypeError(f"expected a light id (1, 2, …), got {text!r}")
    return light_id


def _light_choice(text: str, name: str, choices: Sequence[str], example: str
                  ) -> tuple[int, str]:
    """``ID=VALUE`` of a light option, ``VALUE`` one of ``choices`` (``name`` in the
    message, e.g. ``MODE``)."""
    light, sep, value = text.partition("=")
    value = value.strip().lower()
    if not sep or value not in choices:
        raise argparse.ArgumentTypeError(
            f"expected ID={name} with {name} one of {', '.join(choices)} (e.g. {example}), "
            f"got {text!r}")
    return _light_id_arg(light.strip()), value


def _startup_arg(text: str) -> tuple[int, str]:
    return _light_choice(text, "MODE", STARTUP_MODES, "2=powerfail")


def _kind_arg(text: str) -> tuple[int, str]:
    return _light_choice(text, "KIND", LIGHT_KINDS, "2=dimmable")


def _real_room_faults(args: argparse.Namespace) -> tuple[dict[int, str], list[int]]:
    """``--startup-mode``/``--startup``, ``--light-kind`` and ``--unreachable``, checked
    against ``--lights``: (light id → power-on behaviour, the unreachable light ids)."""
    named = ({lid for lid, _mode in args.startup} | {lid for lid, _kind in args.light_kind}
             | set(args.unreachable))
    unknown = sorted(named - set(range(1, args.lights + 1)))
    if unknown:
        raise ValueError(f"no light {', '.join(map(str, unknown))}: the emulator has lights "
                         f"1–{args.lights} (--lights)")
    modes = {lid: args.startup_mode for lid in range(1, args.lights + 1)}
    modes.update(dict(args.startup))
    return modes, sorted(set(args.unreachable))


def run_cli(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C (or SIGTERM); prints the address and the demo username first.

    Exit 2 (nothing served) when ``--startup``/``--light-kind``/``--unreachable`` name a light
    the emulator does not have."""
    try:
        startup_modes, unreachable = _real_room_faults(args)
    except ValueError as exc:
        print(f"ketaroom bridge-emulator: {exc}", file=sys.stderr)
        return 2
    emulator = HueEmulator(host=args.host, port=args.port, lights=args.lights,
                           username=args.username,
                           enforce_rate_limits=not args.no_rate_limits,
                           rooms=dict(args.room) or None,
                           list_group_zero=args.list_group_zero,
                           startup_modes=startup_modes,
                           light_kinds=dict(args.light_kind))
    for light_id in unreachable:
        emulator.power_cut(light_id)
    emulator.start()
    fault = args.fault if isinstance(args.fault, Fault) else Fault.parse(str(args.fault))
    emulator.set_fault(fault, args.slow_ms)
    if args.link_button:
        emulator.press_link_button()
    print(f"Hue bridge emulator at {emulator.address}", flush=True)
    print(f"username: {emulator.username}", flush=True)
    for gid, name, lights in emulator.groups():
        print(f"group {gid}: {name} (lights {', '.join(lights)})", flush=True)
    if fault is not Fault.NONE:
        print(f"fault: {fault.value}", flush=True)
    for mode in STARTUP_MODES:
        lights = [str(lid) for lid, m in startup_modes.items() if m == mode]
        if lights:
            print(f"power-on {mode}: lights {', '.join(lights)}", flush=True)
    for kind in LIGHT_KINDS:
        lights = [str(lid) for lid, k in args.light_kind if k == kind]
        if lights:
            print(f"{kind}: lights {', '.join(lights)}", flush=True)
    if unreachable:
        print(f"unreachable: lights {', '.join(map(str, unreachable))}", flush=True)
    print("Ctrl+C to stop.", flush=True)
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ketaroom bridge-emulator",
                                     description="Emulated Philips Hue bridge (API v1).")
    add_arguments(parser)
    return run_cli(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
