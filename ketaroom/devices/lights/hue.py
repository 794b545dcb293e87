"""Philips Hue adapter: :class:`HueLights` over phue, and :func:`pair`.

Owns: the one worker thread that owns the ``phue.Bridge``; the emergency sender thread; the
desired state per group (latest wins); pacing under the bridge limits; retries with
exponential back-off; reconciliation after the bridge comes back; health and reports. phue is
imported lazily (inside ``warnings.catch_warnings``) and its short-comings are patched here:
every request goes through :func:`~ketaroom.devices.lights.hue_http.request_json` (an overall
deadline and a size cap instead of phue's 10 s per read), and Hue errors / HTTP 429 / garbage
become our exceptions.

**The room's group** (:meth:`HueLights.use_group`; the session service sets it to the
group the session's lights use: the room's, else the preset's fallback, ``None`` = every
light only when the session itself uses every light) is the one group this adapter acts on
by itself: targets without a group, the emergency light, the reachability watch, and the
re-sends after the bridge or a light comes back. A group other than the room's is only
ever sent a target that names it; the room next door never gets our emergency or a stale
re-send.

The emergency light never waits behind another request: :meth:`HueLights.emergency_up`
hands it to its own thread, which sends it on its own connection (with its own deadline),
retries it until it lands, and says so at once when a try fails.

The idle probe (every ``probe_interval_s``, 10 s by default: one ``GET /lights``, far inside
the bridge's budget) also watches the room's lights: a light that becomes unreachable
(switched off at the wall) is reported once, and when it answers again (after a power cut
it may be full bright white) it is given the room's latest light again. Its first answer
for a group nothing was sent to yet is reported as that group's light (a ``light`` report,
read from the bridge: :func:`~ketaroom.devices.lights.conversions.lights_now`), so the
window shows the room as it is before the first phase. Whatever is re-sent
without the clinician or the session asking — to a light back after a power cut, or to the
room when the bridge answers again (its lights may have lost power with it) — fades over at
least :data:`~ketaroom.core.targets.RETURN_TRANSITION_S`, so nothing jumps.

Rooms of up to :data:`PER_LIGHT_MAX` lights are driven light by light
(``PUT /lights/<id>/state``, paced to at most 10 commands in any 1.05 s — the bridge allows
~10/s — with the reachability poll counted in that budget): the light whose state is oldest
goes first, so the first light follows a slider within a command or two and every light
within a round. Bigger rooms, group 0 and the emergency light keep the group command (~1/s).
The newest target always wins: a round interrupted by a newer target starts over with it.
Each light gets only what its ``type`` (from ``GET /lights``: read before the first command,
then with every reachability poll) says it takes: a dimmable-only bulb gets ``bri`` and no
``ct`` (a real bridge refuses it; diyHue stores it and then fails every ``GET /lights``); a
colour-temperature bulb gets a colour as the nearest white in its ``ct`` range, a
colour-only light a colour temperature as the nearest colour in its gamut (see
:func:`~ketaroom.devices.lights.conversions.fit_body`). A group command carries the same
for its lights (:func:`~ketaroom.devices.lights.conversions.fit_group_body`): a colour also
as ``ct`` when a member shows only whites, a colour temperature also as ``xy`` when a member
shows only colours — the bridge gives each light what it takes, ``xy`` before ``ct`` —, so
the emergency light brings every light of the room up warm whatever it can show. The
emergency reads nothing first: while the room's lights are not known yet it carries its
warm white both ways (:func:`~ketaroom.devices.lights.conversions.fit_emergency_body`). Each light
that shows a target approximately is said once in a ``note`` report (nothing is wrong: it
is recorded, not shown as a problem).

Threading contract: every public method of :class:`HueLights` returns at once (it only takes a
lock held for bookkeeping, never across network I/O), except :meth:`HueLights.flush` which
waits at most ``timeout_s`` and :meth:`HueLights.close` which waits at most about
``request_timeout_s`` for the threads. ``on_report`` is called **from a worker thread**; a
Qt caller must re-emit it as a queued signal. Exceptions raised by ``on_report`` are logged.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ketaroom.core.targets import EMERGENCY_LIGHT, LightTarget, returning
from ketaroom.devices.lights.base import (
    BridgeError,
    BridgeUnreachable,
    LightHealth,
    LightReport,
    LightsError,
    NotPaired,
    RateLimited,
    ReportCallback,
)
from ketaroom.devices.lights.conversions import (
    LightCaps,
    approximation,
    describe_light,
    describe_target,
    fit_body,
    fit_emergency_body,
    fit_group_body,
    light_caps,
    lights_now,
    percent_to_bri,
    target_to_body,
)
from ketaroom.devices.lights.hue_http import command_failures, request_json
from ketaroom.devices.lights.pacing import Backoff, Pacer
from ketaroom.logging_setup import register_secret

log = logging.getLogger(__name__)

ALL_LIGHTS_GROUP = "0"
_PROBE = object()
PER_LIGHT_MAX = 4
"""Rooms with at most this many lights get per-light commands (faster); bigger: group."""
EMERGENCY_RETRY_MAX_S = 2.0
"""The emergency light is tried again at least this often until it lands."""

Request = Callable[[str, str, Any], Any]
"""``(method, path, JSON body or None) -> answer``: a phue ``Bridge.request`` or the same on
the emergency sender's own connection."""
Shown = dict[str, str]
"""Light id → what it shows of a target it cannot show as asked (:func:`approximation`)."""


_bridge_class: type | None = None


def _make_bridge(address: str, username: str, config_file: Path, timeout_s: float) -> Any:
    """A ``phue.Bridge`` whose ``request`` has our timeout and raises our exceptions."""
    global _bridge_class
    if _bridge_class is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            import phue

        class _Bridge(phue.Bridge):  # type: ignore[misc, name-defined]
            timeout_s = 2.0

            def request(self, mode: str = "GET", address: str | None = None,
                        data: Any = None) -> Any:
                body = data if mode in ("PUT", "POST") else None
                return request_json(self.ip, mode, address or "/", body, self.timeout_s)

        _bridge_class = _Bridge
    # ip and username both given: phue's connect() returns without touching the network
    bridge = _bridge_class(address, username=username, config_file_path=str(config_file))
    bridge.timeout_s = timeout_s
    return bridge


def pair(address: str, devicetype: str = "ketaroom#pc", timeout_s: float = 2.0) -> str:
    """One pairing attempt; returns the new username.

    Raises :class:`NotPaired` while the link button has not been pressed (error 101),
    :class:`BridgeUnreachable` on connection errors and timeouts, :class:`LightsError` else.
    """
    answer = request_json(address, "POST", "/api", {"devicetype": devicetype}, timeout_s)
    if isinstance(answer, list):
        for entry in answer:
            if isinstance(entry, dict) and "success" in entry:
                username = entry["success"].get("username")
                if isinstance(username, str) and username:
                    register_secret(username)
                    return username
    raise LightsError(f"unexpected pairing answer from the bridge: {answer!r}"[:300])


def _shown(lights: dict[str, LightCaps], target: LightTarget, body: dict[str, Any]) -> Shown:
    """Which of ``lights`` show ``target`` only approximately when sent ``body``, and how."""
    return {lid: text for lid, caps in lights.items()
            if (text := approximation(target, fit_body(body, caps))) is not None}


# --------------------------------------------------------------------------- the adapter


def _group_key(group: str | int | None) -> str:
    """A group as the adapter keys it: its name or id, stripped; ``None`` or blank: group 0."""
    text = "" if group is None else str(group).strip()
    return text or ALL_LIGHTS_GROUP


@dataclass
class _Slot:
    """Desired and sent state of one group."""

    target: LightTarget | None = None
    seq: int = 0
    urgent: bool = False
    """The target is the emergency light: the emergency sender owns it until it lands."""
    sent_seq: int = -1
    """Seq of the last target the bridge accepted (reset to -1 to force a re-send)."""
    ok_seq: int = -1
    attempted_seq: int = -1
    """Seq of the last target whose send attempt finished, well or not."""
    dead_seq: int = -1
    """Seq of a target that can never succeed (e.g. invalid group): not retried."""
    retry_at: float = 0.0
    backoff: Backoff = field(default_factory=Backoff)
    light_sent: dict[str, int] = field(default_factory=dict)
    """Per-light path: seq of the target each light of the group last accepted."""
    fade: LightTarget | None = None
    """The last target the bridge took for this group, as sent (its fade may still run)."""
    fade_seq: int = -1
    fade_until: float = 0.0
    """``time.monotonic()`` when :attr:`fade` ends on the lights."""

    @property
    def pending(self) -> bool:
        return self.target is not None and self.seq > self.sent_seq and self.seq != self.dead_seq


class HueLights:
    """Drives Hue light groups toward the newest target, within the bridge's limits.

    ``group`` is the room's group (name or id; see :meth:`use_group`); ``None`` means group
    0 (all lights). ``time_scale`` > 1 shortens transitions (rehearsal). See the module
    docstring for the threading contract. Retries never stop while a target is not applied;
    the bridge is probed every ``probe_interval_s`` when idle, and all desired states are
    re-sent when it comes back from unreachable / not paired. Every request ends within
    ``request_timeout_s``.
    """

    def __init__(self, address: str, username: str, group: str | int | None = None, *,
                 time_scale: float = 1.0, on_report: ReportCallback | None = None,
                 request_timeout_s: float = 2.0, config_dir: Path | None = None,
                 probe_interval_s: float = 10.0, backoff_initial_s: float = 0.5,
                 backoff_max_s: float = 8.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.address = address
        self.username = username
        register_secret(username)
        self.default_group = _group_key(group)
        """The room's group (:meth:`use_group`); read and written under the lock."""
        self.time_scale = time_scale
        self.request_timeout_s = request_timeout_s
        self.probe_interval_s = probe_interval_s
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._on_report = on_report
        folder = config_dir if config_dir is not None else Path(tempfile.gettempdir())
        self._config_file = folder / "ketaroom-phue.json"  # phue never writes it: see pair()
        self._cond = threading.Condition()
        self._slots: dict[str, _Slot] = {}
        self._seq = 0
        self._health = LightHealth.OK
        self._health_known = False
        self._closing = False
        self._pacer = Pacer()
        self._light_pacer = Pacer(min_interval_s=0.1, window_s=1.0, burst=10)
        """Per-light commands and the reachability poll: ≤ 10 in any 1.05 s (bridge: ~10/s)."""
        self._probe_backoff = Backoff(backoff_initial_s, backoff_max_s)
        self._next_probe = 0.0  # probe at once: initial health
        self._episode: tuple[type, LightHealth] | None = None
        self._group_ids: dict[str, int] = {}
        self._members: dict[str, list[str]] = {}
        """Light ids of a group, by group key (read once, for the reachability watch)."""
        self._caps: dict[str, LightCaps] = {}
        """What each light takes and shows (:func:`light_caps`; a light not on the bridge:
        unknown, all of it), from the last ``GET /lights``."""
        self._noted: set[str] = set()
        """Lights already told to show an approximated colour (said once; this adapter
        lives one session)."""
        self._unreachable: set[str] = set()
        """The room's lights seen unreachable (reported once each)."""
        self._in_flight: str | None = None
        """Group key of the worker's request under way (``None``: idle or probing)."""
        self._emergency_told = False
        """A failed try of the current emergency was already reported."""
        self._room_read: str | None = None
        """The group whose lights' state, read from the bridge, was reported (once)."""
        self._thread = threading.Thread(target=self._run, name="hue-lights", daemon=True)
        self._thread.start()
        self._emergency_thread = threading.Thread(target=self._run_emergency,
                                                  name="hue-emergency", daemon=True)
        self._emergency_thread.start()

    # ----------------------------------------------------------------- public API

    @property
    def health(self) -> LightHealth:
        with self._cond:
            return self._health

    def apply(self, target: LightTarget) -> None:
        with self._cond:
            if self._closing:
                log.warning("apply() after close() ignored")
                return
            key = self._key(target.group)
            slot = self._slots.setdefault(key, self._new_slot())
            self._seq += 1
            slot.target, slot.seq, slot.urgent = target, self._seq, False
            self._cond.notify_all()

    def use_group(self, group: str | int | None) -> None:
        """The room's group from now on (name or id; ``None``: every light on the bridge).

        Targets without a group, the emergency light, the reachability watch and the re-sends
        after the bridge or a light comes back go to it, and to no other group. Targets
        already given keep the group they named."""
        key = _group_key(group)
        with self._cond:
            if key == self.default_group:
                return
            self.default_group = key
            self._unreachable = set()  # the new group's lights are watched afresh
            self._next_probe = 0.0
            self._cond.notify_all()

    def emergency_up(self) -> None:
        """The room's group (:meth:`use_group`) to :data:`EMERGENCY_LIGHT`, and no other,
        ahead of anything pending, on the emergency sender's own connection (never behind a
        request under way), using the bridge's burst allowance; retried until it lands."""
        with self._cond:
            if self._closing:
                return
            key = self.default_group
            slot = self._slots.setdefault(key, self._new_slot())
            self._seq += 1
            slot.target = replace(EMERGENCY_LIGHT,
                                  group=None if key == ALL_LIGHTS_GROUP else key)
            slot.seq, slot.urgent, slot.retry_at = self._seq, True, 0.0
            slot.backoff.reset()
            self._emergency_told = False
            self._cond.notify_all()
        log.warning("emergency light requested for %s", self._group_label(key))

    def flush(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            wanted = {k: s.seq for k, s in self._slots.items() if s.target is not None}

            def done() -> bool:
                return all(self._slots[k].attempted_seq >= seq or self._slots[k].dead_seq >= seq
                           for k, seq in wanted.items())

            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closing:
                    return False
                self._cond.wait(remaining)
            return all(self._slots[k].ok_seq >= seq for k, seq in wanted.items())

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in (self._thread, self._emergency_thread):
            if thread is not threading.current_thread():
                thread.join(timeout=self.request_timeout_s + 1.0)

    def __enter__(self) -> HueLights:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- helpers

    def _new_slot(self) -> _Slot:
        return _Slot(backoff=Backoff(*self._backoff))

    def _key(self, group: str | int | None) -> str:
        """The slot key of a target's group (under the lock: no group = the room's)."""
        if group is None or str(group).strip() == "":
            return self.default_group
        return str(group).strip()

    def _report(self, kind: str, message: str, target: LightTarget | None,
                health: LightHealth, *, emergency: bool = False) -> None:
        report = LightReport(kind, message, target, health, time.time(), emergency)
        level = logging.WARNING if kind in ("device_error", "warning") else logging.INFO
        log.log(level, "%s: %s", kind, message)
        if self._on_report is None:
            return
        try:
            self._on_report(report)
        except Exception:
            log.exception("on_report callback failed")

    def _direct_request(self, method: str, path: str, body: Any) -> Any:
        return request_json(self.address, method, path, body, self.request_timeout_s)

    # ----------------------------------------------------------------- worker

    def _run(self) -> None:
        try:
            self._bridge = _make_bridge(self.address, self.username, self._config_file,
                                        self.request_timeout_s)
        except Exception as exc:  # phue missing or broken: report, stay alive for flush()
            log.exception("cannot create the Hue bridge client")
            self._report("device_error", f"Hue support unavailable: {exc}", None,
                         LightHealth.UNREACHABLE)
            with self._cond:
                self._health, self._closing = LightHealth.UNREACHABLE, True
                self._cond.notify_all()
            return
        while True:
            with self._cond:
                while True:
                    if self._closing:
                        return
                    key, wait = self._next_work(time.monotonic())
                    if key is not None:
                        break
                    self._cond.wait(wait)
                if key is _PROBE:
                    job: tuple[str, LightTarget, int] | None = None
                else:
                    slot = self._slots[key]
                    assert slot.target is not None
                    job = (key, self._keep_pace(slot, slot.target, time.monotonic()),
                           slot.seq)
                    self._in_flight = key
            if job is None:
                self._probe()
            else:
                self._send(*job)

    def _next_work(self, now: float) -> tuple[Any, float | None]:
        """(slot key | _PROBE | None, seconds to wait when None). Called under the lock.

        Emergency targets are the emergency sender's, not this worker's."""
        best_key, best_at = None, float("inf")
        for key, slot in self._slots.items():
            if not slot.pending or slot.urgent:
                continue
            pacer = self._light_pacer if self._cached_per_light(key) else self._pacer
            ready_at = max(slot.retry_at, now + pacer.wait_s())
            if ready_at < best_at:
                best_key, best_at = key, ready_at
        if best_key is not None:
            if best_at <= now:
                return best_key, None
            return None, max(0.005, best_at - now)
        if now >= self._next_probe:
            wait = self._light_pacer.wait_s()
            if wait > 0:
                return None, max(0.005, wait)
            return _PROBE, None
        return None, max(0.005, self._next_probe - now)

    def _keep_pace(self, slot: _Slot, target: LightTarget, now: float) -> LightTarget:
        """``target`` as it is to be sent: a change that keeps the brightness of the fade
        under way — only the warmth or colour moves, as when the clinician touches the
        warmth slider during a phase's slow fade — must not hurry that fade (one command
        carries one transition: over 1 s the light would jump to the fade's end), so it is
        sent over the fade's remaining time at least. Under the lock."""
        fade = slot.fade
        if fade is None:
            return target
        remaining_s = (slot.fade_until - now) * self.time_scale
        if remaining_s <= target.transition_s or \
                percent_to_bri(target.brightness_pct) != percent_to_bri(fade.brightness_pct):
            return target
        return replace(target, transition_s=round(remaining_s, 1))

    def _took(self, slot: _Slot, target: LightTarget, seq: int, at: float) -> None:
        """The bridge took ``target`` (``seq``) for ``slot`` at ``at``: its fade runs from
        then (a light-by-light round counts from its first light). Under the lock."""
        if slot.fade_seq != seq:
            slot.fade, slot.fade_seq = target, seq
            slot.fade_until = at + target.transition_s / self.time_scale

    def _cached_per_light(self, key: str) -> list[str] | None:
        """The group's lights when it is driven light by light (known members only; no I/O).
        Called under the lock."""
        members = self._members.get(key)
        if key == ALL_LIGHTS_GROUP or members is None or not 0 < len(members) <= PER_LIGHT_MAX:
            return None
        return members

    def _next_light(self, key: str, seq: int) -> tuple[list[str], str | None] | None:
        """Per-light path: (the group's lights, the light to send ``seq`` to next: the one
        whose state is oldest; ``None`` when all have it); ``None``: use the group command.
        Reads the group's lights once (I/O, without the lock); raises :class:`LightsError`."""
        if key != ALL_LIGHTS_GROUP:
            self._group_members(key, self._bridge.request)
        with self._cond:
            members = self._cached_per_light(key)
            unknown = members is not None and any(lid not in self._caps for lid in members)
        if unknown:
            self._read_lights(self._bridge.request)
            with self._cond:
                self._light_pacer.record(time.monotonic())  # a poll: the per-light budget
        with self._cond:
            members = self._cached_per_light(key)
            if members is None:
                return None
            sent = self._slots[key].light_sent
            behind = [lid for lid in members if sent.get(lid, -1) < seq]
            return members, min(behind, key=lambda lid: sent.get(lid, -1), default=None)

    def _put_light(self, light_id: str, target: LightTarget) -> tuple[list[str], Shown]:
        """Send ``target`` to one light as it can take it: (parameters refused, what its
        colour was shown as when the light could not show it as asked)."""
        with self._cond:
            caps = self._caps.get(light_id, LightCaps())
        body = fit_body(target_to_body(target, self.time_scale), caps)
        answer = self._bridge.request(
            "PUT", f"/api/{self.username}/lights/{light_id}/state", body)
        return command_failures(answer), _shown({light_id: caps}, target, body)

    def _group_id(self, key: str, request: Request) -> int:
        if key.isdigit():
            return int(key)
        with self._cond:
            known = self._group_ids.get(key)
        if known is not None:
            return known
        groups = request("GET", f"/api/{self.username}/groups", None)
        if not isinstance(groups, dict):
            raise BridgeError("the bridge answered the group list with something unexpected")
        found = {str(g["name"]): int(gid) for gid, g in groups.items()
                 if isinstance(g, dict) and "name" in g and str(gid).isdigit()}
        match = found.get(key)
        if match is None:
            folded = {name.casefold(): gid for name, gid in found.items()}
            match = folded.get(key.casefold())
        if match is None:
            names = ", ".join(sorted(found)) or "none"
            raise BridgeError(f"no light group named {key!r} on the bridge "
                              f"(groups: {names})", 3, transient=False)
        with self._cond:
            self._group_ids[key] = match
        return match

    def _put_group(self, key: str, target: LightTarget, request: Request, *,
                   emergency: bool = False) -> tuple[list[str], Shown]:
        """Send ``target`` to group ``key``, fitted to what its lights can show
        (:func:`fit_group_body`: the bridge gives each light what it takes of it): (what
        the bridge did not apply — see :func:`command_failures` —, what each light that
        cannot show it as asked shows instead).

        The ``emergency`` light reads nothing first: it is fitted to the lights as far as
        they are known, and while they are not, it carries its colour for any kind of light
        (:func:`fit_emergency_body`)."""
        group_id = self._group_id(key, request)
        body = target_to_body(target, self.time_scale)
        if emergency:
            known = self._known_group_caps(key)
            body = fit_emergency_body(body, None if known is None else known.values())
            members = known or {}
        else:
            members = self._group_caps(key, request)
            body = fit_group_body(body, members.values())
        answer = request("PUT", f"/api/{self.username}/groups/{group_id}/action", body)
        return command_failures(answer), _shown(members, target, body)

    def _group_caps(self, key: str, request: Request) -> dict[str, LightCaps]:
        """What each light of group ``key`` (group 0: every light) can show; read from the
        bridge with ``request`` only while not known (the probe reads it at start)."""
        members = self._known_group_caps(key)
        if members is None:
            self._group_members(key, request)
            self._read_lights(request)
            members = self._known_group_caps(key)
        return members or {}

    def _known_group_caps(self, key: str) -> dict[str, LightCaps] | None:
        """What each light of group ``key`` can show, as far as already read; ``None``
        while its members or any of their kinds are not known yet."""
        with self._cond:
            members = (list(self._caps) if key == ALL_LIGHTS_GROUP
                       else self._members.get(key))
            if not self._caps or members is None or any(lid not in self._caps
                                                        for lid in members):
                return None
            return {lid: self._caps[lid] for lid in members}

    def _attempt(self, key: str, target: LightTarget, request: Request, *,
                 emergency: bool = False) -> tuple[list[str], Shown, LightsError | None]:
        """One group send: (parameters refused, lights that show it approximately, error);
        never raises."""
        try:
            return *self._put_group(key, target, request, emergency=emergency), None
        except LightsError as exc:
            return [], {}, exc
        except Exception as exc:  # a bug or a phue surprise: never kill a worker
            log.exception("unexpected error sending to the Hue bridge")
            return [], {}, BridgeError(f"unexpected error: {exc}", transient=True)

    def _send(self, key: str, target: LightTarget, seq: int) -> None:
        plan: tuple[list[str], str | None] | None = None
        refused: list[str] = []
        shown: Shown = {}
        error: LightsError | None = None
        try:
            plan = self._next_light(key, seq)
        except LightsError as exc:
            error = exc
        light = plan[1] if plan is not None else None
        if error is None and plan is not None and light is not None:
            try:
                refused, shown = self._put_light(light, target)
            except LightsError as exc:
                error = exc
            except Exception as exc:  # a bug or a phue surprise: never kill a worker
                log.exception("unexpected error sending to the Hue bridge")
                error = BridgeError(f"unexpected error: {exc}", transient=True)
        elif error is None and plan is None:
            refused, shown, error = self._attempt(key, target, self._bridge.request)
        finished = time.monotonic()
        with self._cond:
            self._in_flight = None
            (self._light_pacer if plan is not None else self._pacer).record(finished)
            slot = self._slots[key]
            round_done = True
            if plan is not None and error is None and light is not None:
                slot.light_sent[light] = max(slot.light_sent.get(light, -1), seq)
                round_done = all(slot.light_sent.get(lid, -1) >= seq for lid in plan[0])
            if error is None and (light is not None or plan is None):
                self._took(slot, target, seq, finished)
            if round_done or error is not None:
                slot.attempted_seq = max(slot.attempted_seq, seq)
            if error is None and round_done:
                slot.sent_seq = max(slot.sent_seq, seq)
                slot.ok_seq = max(slot.ok_seq, seq)
            elif isinstance(error, BridgeError) and not error.transient:
                slot.dead_seq = max(slot.dead_seq, seq)
                if error.hue_type == 3:
                    self._group_ids.pop(key, None)
            if not slot.urgent:  # else the emergency sender owns this slot's retries now
                if error is None:
                    slot.backoff.reset()
                    slot.retry_at = 0.0
                elif getattr(error, "transient", True):
                    slot.retry_at = finished + slot.backoff.next_delay()
            self._cond.notify_all()
        if error is None:
            self._note_once(shown, target)
        if error is None and not round_done:
            self._on_success(sent_key=key)
            if refused:
                self._report("warning", f"Hue bridge at {self.address}: light {light} took "
                                        f"the change except: {'; '.join(refused)}", target,
                             LightHealth.OK)
            return
        self._after_send(key, target, refused, error, emergency=False)

    def _after_send(self, key: str, target: LightTarget, refused: list[str],
                    error: LightsError | None, *, emergency: bool) -> None:
        """Health and reports after one send (called without the lock)."""
        if error is not None:
            self._on_failure(error, target, emergency=emergency)
            return
        self._on_success(sent_key=key)
        what = "Emergency light" if emergency else "Lights"
        self._report("light", f"{what} {describe_target(target)} "
                              f"(group {self._group_label(key)})", target, LightHealth.OK,
                     emergency=emergency)
        if refused:
            self._report("warning", f"Hue bridge at {self.address} applied the light change "
                                    f"to group {self._group_label(key)} except: "
                                    f"{'; '.join(refused)}", target, LightHealth.OK)

    def _note_once(self, shown: Shown, target: LightTarget) -> None:
        """Say, once per light, that it shows the phase's colour approximately."""
        with self._cond:
            new = {lid: text for lid, text in shown.items() if lid not in self._noted}
            self._noted.update(new)
        for light, text in sorted(new.items()):
            self._report("note", f"Light {light} cannot show it exactly: {text}", target,
                         LightHealth.OK)

    def _group_label(self, key: str) -> str:
        return "all lights" if key == ALL_LIGHTS_GROUP else key

    def _probe(self) -> None:
        """Is the bridge there, and are the room's lights reachable?"""
        error: LightsError | None = None
        reachable: dict[str, bool] = {}
        lights: dict[str, Any] = {}
        with self._cond:
            key = self.default_group
        try:
            lights = self._read_lights(self._bridge.request)
            reachable = self._reachability(key, lights)
        except LightsError as exc:
            error = exc
        except Exception as exc:
            log.exception("unexpected error probing the Hue bridge")
            error = BridgeError(f"unexpected error: {exc}")
        with self._cond:
            now = time.monotonic()
            self._light_pacer.record(now)  # the poll shares the per-light budget
            if error is None:
                self._probe_backoff.reset()
                self._next_probe = now + self.probe_interval_s
            else:
                self._next_probe = now + self._probe_backoff.next_delay()
        if error is None:
            self._on_success()
            self._watch(key, reachable)
            self._tell_room_light(key, lights, reachable)
        else:
            self._on_failure(error, None)

    def _tell_room_light(self, key: str, lights: dict[str, Any],
                         reachable: dict[str, bool]) -> None:
        """Before anything is sent to the room's group ``key``, say once what its lights
        show now, as read from the bridge: the panel shows the room's real level from the
        start instead of nothing (or, worse, a level from before)."""
        with self._cond:
            slot = self._slots.get(key)
            if (self._room_read == key or key != self.default_group
                    or (slot is not None and slot.target is not None)):
                return
            self._room_read = key
        states = [info.get("state") for lid, info in lights.items()
                  if reachable.get(str(lid)) and isinstance(info, dict)]
        shown = lights_now(states)
        if shown is not None:
            self._report("light", f"The room's lights show {describe_light(shown)} "
                                  f"(read from the bridge, group {self._group_label(key)})",
                         shown, LightHealth.OK)

    def _read_lights(self, request: Request) -> dict[str, Any]:
        """One ``GET /lights``: every light's entry, by id; what each takes is noted (a light
        not listed: unknown, sent everything)."""
        lights = request("GET", f"/api/{self.username}/lights", None)
        if not isinstance(lights, dict):
            raise BridgeError("the bridge answered the light list with something unexpected")
        caps = {str(lid): light_caps(info) for lid, info in lights.items()}
        with self._cond:
            for members in self._members.values():
                self._caps.update({lid: LightCaps() for lid in members if lid not in caps})
            self._caps.update(caps)
        return lights

    def _reachability(self, key: str, lights: dict[str, Any]) -> dict[str, bool]:
        """``{light id: reachable}`` of group ``key``, from one ``GET /lights``."""
        members = self._group_members(key, self._bridge.request)
        found = {}
        for lid, info in lights.items():
            if members is not None and str(lid) not in members:
                continue
            state = info.get("state") if isinstance(info, dict) else None
            found[str(lid)] = not (isinstance(state, dict) and state.get("reachable") is False)
        return found

    def _group_members(self, key: str, request: Request) -> list[str] | None:
        """The light ids of group ``key`` (``None``: group 0, every light); read once."""
        if key == ALL_LIGHTS_GROUP:
            return None
        with self._cond:
            known = self._members.get(key)
        if known is not None:
            return known
        group_id = self._group_id(key, request)
        info = request("GET", f"/api/{self.username}/groups/{group_id}", None)
        lights = info.get("lights") if isinstance(info, dict) else None
        if not isinstance(lights, list):
            raise BridgeError("the bridge answered the group with something unexpected")
        members = [str(i) for i in lights]
        with self._cond:
            self._members[key] = members
        return members

    def _watch(self, key: str, reachable: dict[str, bool]) -> None:
        """Report a light of the room's group ``key`` lost once; give a light that is back
        the room's light again, gently."""
        with self._cond:
            if key != self.default_group:
                return  # the room's group changed during the probe: the next one watches it
            lost = sorted(lid for lid, ok in reachable.items()
                          if not ok and lid not in self._unreachable)
            back = sorted(lid for lid in self._unreachable if reachable.get(lid, False))
            self._unreachable = (self._unreachable | set(lost)) - set(back)
            if back:
                self._resend_room(back)
        for lid in lost:
            self._report("warning", f"Light {lid} is unreachable (switched off at the wall?); "
                                    "the other lights go on", None, LightHealth.OK)
        for lid in back:
            self._report("warning", f"Light {lid} is back: it gets the phase's light again",
                         None, LightHealth.OK)

    def _resend_room(self, lights: list[str] | None) -> None:
        """Send the room's latest light again to ``lights`` (``None``: all of them), fading
        over at least :data:`~ketaroom.core.targets.RETURN_TRANSITION_S` (they may be full
        bright after a power cut). Under the lock. Other groups' slots are not the room's:
        never re-sent. An emergency light still on its way is the emergency sender's (it
        reaches them all)."""
        slot = self._slots.get(self.default_group)
        if slot is None or slot.target is None or slot.urgent:
            return
        slot.target = returning(slot.target)
        slot.sent_seq = -1  # pending again: the worker sends it, paced
        for lid in (list(slot.light_sent) if lights is None else lights):
            slot.light_sent.pop(lid, None)
        self._cond.notify_all()

    # ----------------------------------------------------------------- emergency sender

    def _run_emergency(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._closing:
                        return
                    job, wait = self._next_emergency(time.monotonic())
                    if job is not None:
                        break
                    self._cond.wait(wait)
            self._send_emergency(*job)

    def _next_emergency(self, now: float) -> tuple[tuple[str, LightTarget, int] | None,
                                                   float | None]:
        """(job, seconds to wait when there is none; ``None``: until notified). Under the
        lock. The group tried longest ago goes first."""
        due = [(slot.retry_at, key, slot) for key, slot in self._slots.items()
               if slot.urgent and slot.pending]
        if not due:
            return None, None
        retry_at, key, slot = min(due, key=lambda item: item[0])
        ready_at = max(retry_at, now + self._pacer.wait_s(urgent=True))
        if ready_at > now:
            return None, max(0.005, ready_at - now)
        assert slot.target is not None
        return (key, slot.target, slot.seq), None

    def _send_emergency(self, key: str, target: LightTarget, seq: int) -> None:
        refused, shown, error = self._attempt(key, target, self._direct_request,
                                              emergency=True)
        finished = time.monotonic()
        with self._cond:
            self._pacer.record(finished)
            slot = self._slots[key]
            slot.attempted_seq = max(slot.attempted_seq, seq)
            first_failure = False
            if error is None:
                slot.ok_seq = max(slot.ok_seq, seq)
                self._took(slot, target, seq, finished)
                if self._in_flight != key:
                    # else the worker's older request may land after ours: it sends this again
                    slot.sent_seq = max(slot.sent_seq, seq)
                if slot.seq == seq:
                    slot.urgent = False
                slot.backoff.reset()
                slot.retry_at = 0.0
            else:
                if isinstance(error, BridgeError) and not error.transient:
                    slot.dead_seq = max(slot.dead_seq, seq)
                slot.retry_at = finished + min(EMERGENCY_RETRY_MAX_S, slot.backoff.next_delay())
                first_failure = not self._emergency_told
                self._emergency_told = True
            self._cond.notify_all()
        if error is not None and not first_failure:
            return  # told once per emergency; still trying
        self._after_send(key, target, refused, error, emergency=True)
        if error is None:
            self._note_once(shown, target)

    # ----------------------------------------------------------------- health

    def _on_success(self, sent_key: str | None = None) -> None:
        with self._cond:
            previous, known = self._health, self._health_known
            self._health, self._health_known, self._episode = LightHealth.OK, True, None
            self._next_probe = time.monotonic() + self.probe_interval_s
            if previous in (LightHealth.UNREACHABLE, LightHealth.NOT_PAIRED) \
                    and sent_key != self.default_group:
                self._resend_room(None)  # reconcile: the lights may have lost power too
        if previous is not LightHealth.OK or not known:
            self._report("health", f"Hue bridge at {self.address}: connected",
                         None, LightHealth.OK)

    def _on_failure(self, error: LightsError, target: LightTarget | None, *,
                    emergency: bool = False) -> None:
        if isinstance(error, BridgeUnreachable):
            health = LightHealth.UNREACHABLE
            message = (f"Hue bridge at {self.address} is not answering ({error}); "
                       "retrying — the lights stay as they are")
        elif isinstance(error, NotPaired):
            health = LightHealth.NOT_PAIRED
            message = f"Hue bridge at {self.address}: {error}"
        elif isinstance(error, RateLimited):
            health = LightHealth.DEGRADED
            message = (f"Hue bridge at {self.address} is overloaded ({error}); "
                       "backing off and retrying")
        else:
            health = LightHealth.DEGRADED
            retry = "retrying" if getattr(error, "transient", True) else "not retried"
            message = f"Hue bridge at {self.address}: {error}; {retry}"
        if emergency:
            message = (f"Emergency light NOT confirmed by the Hue bridge at {self.address} "
                       f"({error}); still trying — bring the room light up by hand")
        with self._cond:
            previous, known = self._health, self._health_known
            self._health, self._health_known = health, True
            episode = (type(error), health)
            new_episode = episode != self._episode
            self._episode = episode
            if not getattr(error, "transient", True):
                self._episode = None  # a permanent error is reported for each target
        if new_episode or emergency:
            self._report("device_error", message, target, health, emergency=emergency)
        if previous is not health or not known:
            self._report("health", f"Hue bridge: {health.value}", None, health)
