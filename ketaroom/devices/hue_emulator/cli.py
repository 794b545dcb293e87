"""The ``ketaroom bridge-emulator`` sub-command: :func:`add_arguments`, :func:`run_cli`.

Sets up the same real-room faults as the tests do, from the command line:
``--startup-mode``/``--startup ID=MODE`` (power-on behaviour), ``--unreachable ID``
(switched off at the wall), ``--room`` (several rooms on one bridge), ``--light-kind
ID=KIND`` (colour-temperature, dimmable-only or colour-only bulbs) and every :class:`Fault`
(``--fault``). :func:`main` runs it standalone (``python -m ketaroom.devices.hue_emulator``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from ketaroom.devices.hue_emulator.faults import Fault
from ketaroom.devices.hue_emulator.light import LIGHT_KINDS, STARTUP_MODES


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
    from ketaroom.devices.hue_emulator.bridge import HueEmulator  # the server, when served

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
