"""The ``ketaroom`` command: the GUI and its sub-commands (a contract: see docs/cli.md)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ketaroom

if TYPE_CHECKING:
    from ketaroom.store.course_report import CourseSource
    from ketaroom.store.journal import Journal
    from ketaroom.store.patients import Patient
    from ketaroom.store.session_records import RecordSource

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_UNRECORDED = 3
"""rehearse: the session ran, but some of its record never reached the disk."""
EXIT_INTERRUPTED = 130
"""Any interruption: Ctrl+C, SIGINT, SIGTERM or SIGHUP (see docs/cli.md)."""
MAX_SPEED = 1_000_000.0
"""rehearse --speed: a sane upper bound (nan and inf are refused, not run)."""


def _add_data_dir(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument(
        "--data-dir", metavar="DIR", default=None if top else argparse.SUPPRESS,
        help="where records and settings live (default: $KETAROOM_DATA_DIR or the user data dir)")


class _PrintVersion(argparse.Action):
    """``--version``: reads the package metadata only when asked (not at every start)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"ketaroom {ketaroom.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    from ketaroom.devices import hue_emulator

    parser = argparse.ArgumentParser(
        prog="ketaroom", description="Session room control for ketamine-therapy clinics.")
    parser.add_argument("--version", action=_PrintVersion, nargs=0,
                        help="show the version and exit")
    _add_data_dir(parser, top=True)
    _add_verbose(parser, top=True)
    parser.add_argument("--demo", action="store_true",
                        help="demo mode (built-in bridge emulator) even if a bridge is set")
    parser.add_argument("--mqtt", dest="gui_mqtt", metavar="HOST[:PORT]",
                        help="the window publishes the room's state to the nurse-station "
                             "board's MQTT broker")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = sub.add_parser("validate", help="check preset files; one file:line: message each")
    validate.add_argument("paths", nargs="+", metavar="PRESET",
                          help="a preset file, or a preset name (clinic, then shipped)")
    _add_data_dir(validate, top=False)

    rehearse = sub.add_parser("rehearse", help="run a preset headless, N times faster")
    rehearse.add_argument("preset", metavar="PRESET",
                          help="a preset file, or a preset name (clinic, then shipped)")
    rehearse.add_argument("--speed", type=float, default=1.0, metavar="N",
                          help="run N times faster (fades and light transitions too)")
    rehearse.add_argument("--bridge", metavar="HOST[:PORT]",
                          help="drive a Hue bridge (or `ketaroom bridge-emulator`)")
    rehearse.add_argument("--username", metavar="U", help="the bridge username (paired)")
    rehearse.add_argument("--group", metavar="G", help="Hue group name or id")
    rehearse.add_argument("--audio", choices=("dummy", "none", "default"), default="dummy",
                          help="libVLC silent output (default), no music, or the sound card")
    rehearse.add_argument("--json", action="store_true", help="one JSON object per line")
    rehearse.add_argument("--room", metavar="NAME",
                          help="the room's name, in the record and on the board (default "
                               "rehearse)")
    rehearse.add_argument("--mqtt", metavar="HOST[:PORT]",
                          help="publish the room's state to the nurse-station board's MQTT "
                               "broker (port 1883 by default)")
    rehearse.add_argument("--patient", metavar="CODE",
                          help="link the rehearsal to this patient (created if new; never "
                               "counted as a clinical session)")
    _add_verbose(rehearse, top=False)
    _add_data_dir(rehearse, top=False)

    room_check = sub.add_parser("room-check", help="check the room before a session")
    room_check.add_argument("--bridge", metavar="HOST[:PORT]",
                            help="the Hue bridge (default: this room's, from the settings)")
    room_check.add_argument("--username", metavar="U", help="the bridge username (paired)")
    room_check.add_argument("--group", metavar="G", help="Hue group name or id (default: 0)")
    room_check.add_argument("--audio", choices=("dummy", "none", "default"), default=None,
                            help="the audio output to check (default: the room's)")
    room_check.add_argument("--json", action="store_true",
                            help='one JSON object: {"ok": …, "checks": […]}')
    room_check.add_argument("--fix", nargs="?", const="powerfail", default=None,
                            choices=("powerfail", "custom"), metavar="MODE",
                            help="set the power-on behaviour of the room's lights (only "
                                 "those) to powerfail (default) or custom (dim warm)")
    room_check.add_argument("--test-sound", action="store_true",
                            help="also play a soft 3.5 s test sound on the room's output, at "
                                 "20 %% at most (never above the room's volume limit)")
    _add_data_dir(room_check, top=False)

    emulator = sub.add_parser("bridge-emulator", help="run the Hue bridge emulator")
    hue_emulator.add_arguments(emulator)
    _add_data_dir(emulator, top=False)

    sessions = sub.add_parser("sessions", help="list session records")
    sessions.add_argument("--json", action="store_true",
                          help="a JSON list of every session, rehearsals included (see kind)")
    sessions.add_argument("--include-rehearsals", action="store_true",
                          help="list rehearsals too (the JSON list always has them)")
    _add_postgres(sessions, "list every room's sessions from the clinic's records server")
    _add_data_dir(sessions, top=False)

    patients = sub.add_parser("patients", help="list patients and their course of care")
    patients.add_argument("--json", action="store_true", help="a JSON list, one object each")
    _add_data_dir(patients, top=False)

    export = sub.add_parser("export", help="export one session record, or a patient's course")
    export.add_argument("id", type=int, metavar="ID", nargs="?", help="the session")
    export.add_argument("--patient", metavar="CODE",
                        help="the patient's course report instead of one session")
    export.add_argument("--format", choices=("pdf", "csv", "json"), required=True)
    export.add_argument("-o", "--output", metavar="FILE")
    export.add_argument("--include-rehearsals", action="store_true",
                        help="course report: the patient's rehearsals too")
    _add_postgres(export, "export from the clinic's records server (ID as `sessions "
                          "--postgres` lists it)")
    _add_data_dir(export, top=False)

    install_desktop = sub.add_parser(
        "install-desktop", help="add ketaroom to the desktop's menu (for this user)")
    _add_data_dir(install_desktop, top=False)

    sync = sub.add_parser("sync", help="copy this room's records to the clinic's server")
    sync.add_argument("--postgres", metavar="DSN", required=True,
                      help="the server, e.g. postgresql://ketaroom@records.clinic:5432/clinic")
    sync.add_argument("--json", action="store_true", help="one JSON object with the counts")
    sync.add_argument("--batch-rows", type=int, default=None, metavar="N",
                      help="rows per server transaction (default 5000; smaller for slow links)")
    _add_data_dir(sync, top=False)

    music_scan = sub.add_parser("music-scan", help="measure the loudness of music files")
    music_scan.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                            help="files and folders (recursively; hidden ones skipped)")
    music_scan.add_argument("--json", action="store_true",
                            help="one JSON object per file and line, as each is measured")
    music_scan.add_argument("--target", type=float, default=-23.0, metavar="LUFS",
                            help="the loudness playback aims at (default -23 LUFS)")
    music_scan.add_argument("--jobs", type=int, default=None, metavar="N",
                            help="files measured at once (default: one per core)")
    _add_data_dir(music_scan, top=False)

    board = sub.add_parser("board", help="the nurse-station board: every room over MQTT")
    board.add_argument("--mqtt", required=True, metavar="HOST[:PORT]",
                       help="the clinic's MQTT broker (mosquitto), port 1883 by default")
    board.add_argument("--audio", choices=("dummy", "none", "default"), default="default",
                       help="where the emergency chime plays (default: the sound card)")
    _add_data_dir(board, top=False)
    return parser


def _add_postgres(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--postgres", metavar="DSN", default=None, help=help_text)


def _add_verbose(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
        help="also log other libraries' messages (phue, apscheduler…); credentials never")


class CliError(Exception):
    """A problem to tell the user in one line (exit 1), never as a traceback."""


def _data_dir(args: argparse.Namespace) -> Path:
    from ketaroom.store.paths import data_dir

    try:
        return data_dir(args.data_dir)
    except OSError as exc:
        where = exc.filename or args.data_dir or "the data folder"
        raise CliError(f"cannot use the data folder {where}: {exc.strerror or exc}") from exc


def _playlist_dirs(data: Path) -> list[Path]:
    from ketaroom.store.paths import playlist_dirs

    return playlist_dirs(data)


def cmd_validate(args: argparse.Namespace) -> int:
    from ketaroom.core.validation import load_preset
    from ketaroom.store.preset_names import UnknownPresetError, find_preset

    data = _data_dir(args)
    dirs = _playlist_dirs(data)
    failed = False
    for name in args.paths:
        try:
            path = find_preset(name, data)
        except UnknownPresetError as exc:
            print(f"{name}: {exc}")
            failed = True
            continue
        result = load_preset(path, playlist_dirs=dirs)
        for problem in result.problems:
            print(problem)
        for warning in result.warnings:
            print(f"{warning} (warning)", file=sys.stderr)
        failed = failed or not result.ok
    return EXIT_PROBLEMS if failed else EXIT_OK


def cmd_rehearse(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ketaroom.core.board import parse_broker
    from ketaroom.core.validation import load_preset
    from ketaroom.session.loudness import LibraryLoudness
    from ketaroom.session.rehearse import (
        DEFAULT_ROOM,
        BoardOptions,
        EventPrinter,
        run_rehearsal,
    )
    from ketaroom.store.preset_names import UnknownPresetError, find_preset
    from ketaroom.store.settings import BridgeSettings, load_settings

    if not 0 < args.speed <= MAX_SPEED:  # also refuses nan and inf
        print(f"ketaroom rehearse: --speed must be a number above 0 and at most {MAX_SPEED:g}",
              file=sys.stderr)
        return EXIT_USAGE
    data = _data_dir(args)
    try:
        path = find_preset(args.preset, data)
    except UnknownPresetError as exc:
        print(f"ketaroom rehearse: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    result = load_preset(path, playlist_dirs=_playlist_dirs(data))
    if not result.ok or result.preset is None:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    bridge = None
    if args.bridge:
        if not args.username:
            print("ketaroom rehearse: --bridge needs --username (pair in the app first)",
                  file=sys.stderr)
            return EXIT_USAGE
        bridge = BridgeSettings(args.bridge, args.username, args.group)
    room = (args.room or "").strip() or DEFAULT_ROOM
    board = None
    if args.mqtt:
        try:
            board = BoardOptions(parse_broker(args.mqtt), room)
        except ValueError as exc:
            print(f"ketaroom rehearse: --mqtt {exc}", file=sys.stderr)
            return EXIT_USAGE
    journal = _open_journal(args)
    if journal is None:
        return EXIT_PROBLEMS
    loudness = LibraryLoudness(data, load_settings(data).loudness_target)
    try:
        patient = None
        if args.patient is not None:
            patient = _patient(journal, args.patient)
            if patient is None:
                return EXIT_USAGE
            if board is not None:  # the board gets the patient's code, never a name
                board = replace(board, patient=patient.code)
        outcome = run_rehearsal(
            result.preset, speed=args.speed, journal=journal, audio=args.audio, bridge=bridge,
            emit=EventPrinter(sys.stdout, args.json),
            warnings=[(w.area, str(w)) for w in result.warnings], room=room, board=board,
            patient_id=patient.id if patient else None,
            preferences=patient.preferences if patient else None, loudness=loudness)
    finally:
        loudness.close()
        journal.close()
    if outcome.interrupted_by is not None:
        return EXIT_INTERRUPTED
    if outcome.unwritten:
        return EXIT_UNRECORDED
    return EXIT_OK if outcome.status == "completed" else EXIT_PROBLEMS


def _patient(journal: Journal, code: str) -> Patient | None:
    """Patient ``code`` (created if new), or None after saying why not."""
    from ketaroom.core.clinical import ClinicalInputError
    from ketaroom.store.journal import JournalError
    from ketaroom.store.patients import PatientStore

    try:
        return PatientStore(journal).ensure_patient(code)
    except ClinicalInputError as exc:
        print(f"ketaroom: --patient: {exc}", file=sys.stderr)
    except JournalError as exc:
        print(f"ketaroom: cannot record the patient: {exc}", file=sys.stderr)
    return None


def _open_journal(args: argparse.Namespace) -> Journal | None:
    """The journal, or ``None`` after printing why it cannot be opened."""
    from ketaroom.store.journal import Journal, JournalError
    from ketaroom.store.paths import journal_path

    try:
        journal, message = Journal.open_or_recover(journal_path(_data_dir(args)))
    except (JournalError, OSError) as exc:
        print(f"ketaroom: cannot open the session records: {exc}", file=sys.stderr)
        return None
    if message:
        print(f"ketaroom: {message}", file=sys.stderr)
    return journal


def cmd_sessions(args: argparse.Namespace) -> int:
    """List sessions: JSON always has both kinds; the text leaves rehearsals out unless asked.

    With ``--postgres`` the clinic's server is read (every room); each JSON object then
    also has ``room_id`` and ``local_id`` (its id in its room's journal).
    """
    extra: dict[int, dict[str, object]] = {}
    if args.postgres:
        from ketaroom.store.central.reader import CentralRecords

        with CentralRecords(args.postgres) as central:
            records = central.sessions()
            for r in records:
                room_id, local_id = central.origin(r.id)
                extra[r.id] = {"room_id": room_id, "local_id": local_id}
    else:
        journal = _open_journal(args)
        if journal is None:
            return EXIT_PROBLEMS
        with journal:
            records = journal.sessions()
    if args.json:
        print(json.dumps([{**r.to_dict(with_yaml=False), **extra.get(r.id, {})}
                          for r in records], ensure_ascii=False, indent=1, default=str))
        return EXIT_OK
    shown = [r for r in records if args.include_rehearsals or r.kind == "clinical"]
    hidden = len(records) - len(shown)
    if not records:
        print("No sessions recorded yet.")
    elif shown:
        room_w = max(len("ROOM"), *(len(r.room) for r in shown))
        print(f"{'ID':>5}  {'STARTED':<32} {'ENDED':<32} {'STATUS':<12} {'KIND':<10} "
              f"{'ROOM':<{room_w}} PRESET")
        for r in shown:
            print(f"{r.id:>5}  {r.started_at:<32} {r.ended_at or '—':<32} {r.status:<12} "
                  f"{r.kind:<10} {r.room or '—':<{room_w}} {r.preset}")
    if hidden:
        print(f"{hidden} rehearsal{'s' if hidden != 1 else ''} not shown "
              "(--include-rehearsals lists them).")
    return EXIT_OK


def cmd_patients(args: argparse.Namespace) -> int:
    """One line (or JSON object) per patient: sessions, rehearsals, first/last, next due."""
    from ketaroom.store.patients import PatientStore

    journal = _open_journal(args)
    if journal is None:
        return EXIT_PROBLEMS
    with journal:
        summaries = PatientStore(journal).summaries()
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not summaries:
        print("No patients recorded yet.")
        return EXIT_OK
    code_w = max(len("PATIENT"), *(len(s.code) for s in summaries))
    print(f"{'PATIENT':<{code_w}}  {'SESSIONS':>8}  {'REHEARSALS':>10}  {'FIRST':<10}  "
          f"{'LAST':<10}  NEXT DUE")
    for s in summaries:
        print(f"{s.code:<{code_w}}  {s.sessions:>8}  {s.rehearsals:>10}  "
              f"{(s.first_session or '—')[:10]:<10}  {(s.last_session or '—')[:10]:<10}  "
              f"{s.next_due.isoformat() if s.next_due else '—'}")
    return EXIT_OK


def _export_course(args: argparse.Namespace, source: Journal | CourseSource) -> int:
    """``export --patient CODE``: the course report to -o FILE or (csv, json) stdout, from
    this room's journal or (``--postgres``) every room's records on the server."""
    from ketaroom.store import course_report, export

    try:
        if args.output is not None:
            warnings = export.export_course(source, args.patient, args.format,
                                            Path(args.output),
                                            include_rehearsals=args.include_rehearsals)
        elif args.format == "pdf":
            print("ketaroom export: a PDF needs -o FILE", file=sys.stderr)
            return EXIT_USAGE
        else:
            report = course_report.load_course(source, args.patient,
                                               include_rehearsals=args.include_rehearsals)
            render = course_report.course_json if args.format == "json" else \
                course_report.course_csv
            sys.stdout.write(render(report))
            return EXIT_OK
    except KeyError:
        print(f"ketaroom export: no patient {args.patient.strip()}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        return _export_failed(args.output, exc)
    return _export_written(warnings)


def _export_failed(output: str, exc: OSError) -> int:
    print(f"ketaroom export: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_PROBLEMS


def _export_written(warnings: Sequence[str]) -> int:
    """The export is on disk; what the fonts could not draw is said on stderr (exit 0)."""
    for warning in warnings:
        print(f"ketaroom export: warning: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from ketaroom.store import export

    if (args.id is None) == (args.patient is None):
        print("ketaroom export: give a session ID or --patient CODE (one of them)",
              file=sys.stderr)
        return EXIT_USAGE
    if args.patient is not None and args.postgres:
        from ketaroom.store.central.reader import CentralPatients, CentralRecords

        with CentralRecords(args.postgres) as central:
            return _export_course(args, CentralPatients(central))
    if args.patient is not None:
        course_journal = _open_journal(args)
        if course_journal is None:
            return EXIT_PROBLEMS
        with course_journal:
            return _export_course(args, course_journal)
    if args.postgres:
        from ketaroom.store.central.reader import CentralRecords

        source: contextlib.AbstractContextManager[RecordSource] = CentralRecords(args.postgres)
    else:
        opened = _open_journal(args)
        if opened is None:
            return EXIT_PROBLEMS
        source = opened
    with source as journal:
        try:
            journal.session(args.id)
        except LookupError:
            print(f"ketaroom export: no session with id {args.id}", file=sys.stderr)
            return EXIT_PROBLEMS
        if args.output is None:
            if args.format == "pdf":
                print("ketaroom export: a PDF needs -o FILE", file=sys.stderr)
                return EXIT_USAGE
            text = (export.export_json if args.format == "json" else export.export_csv)(
                journal, args.id)
            sys.stdout.write(text)
            return EXIT_OK
        try:
            warnings = export.export_session(journal, args.id, args.format, Path(args.output))
        except OSError as exc:
            return _export_failed(args.output, exc)
    return _export_written(warnings)


def cmd_sync(args: argparse.Namespace) -> int:
    """Copy what the clinic's server lacks; one line on failure (nothing written).

    Patients' names and years of birth go only when the room's settings share them."""
    from ketaroom.store.central.sync import sync
    from ketaroom.store.paths import journal_path
    from ketaroom.store.settings import load_settings

    if args.batch_rows is not None and args.batch_rows < 1:
        print("ketaroom sync: --batch-rows must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    options = {} if args.batch_rows is None else {"batch_rows": args.batch_rows}
    data_dir = _data_dir(args)
    result = sync(journal_path(data_dir), args.postgres,
                  share_names=load_settings(data_dir).central_share_names, **options)
    if args.json:
        print(json.dumps({"room_id": result.room_id, "sent": result.sent,
                          "batches": result.batches, "seconds": round(result.seconds, 3)}))
    else:
        print(f"synced: {result.total} row(s) sent in {result.batches} batch(es) "
              f"({', '.join(f'{n} {t}' for t, n in result.sent.items())})")
    return EXIT_OK


def cmd_music_scan(args: argparse.Namespace) -> int:
    """Measure loudness, peak and gain of every audio file under the PATHs (cached)."""
    from ketaroom.music_library import report

    if not -70.0 < args.target < 0.0 or (args.jobs is not None and args.jobs < 1):
        print("ketaroom music-scan: --target must be between -70 and 0 LUFS and --jobs at "
              "least 1", file=sys.stderr)
        return EXIT_USAGE
    return report.run(args.paths, _data_dir(args), target_lufs=args.target, jobs=args.jobs,
                      as_json=args.json)


def cmd_board(args: argparse.Namespace) -> int:
    from ketaroom.core.board import parse_broker

    try:
        address = parse_broker(args.mqtt)
    except ValueError as exc:
        print(f"ketaroom board: --mqtt {exc}", file=sys.stderr)
        return EXIT_USAGE
    from ketaroom.board.app import run_board

    return run_board(address, args.audio)


def cmd_room_check(args: argparse.Namespace) -> int:
    """Check bridge, lights, audio, disk and clock; exit 1 when a check is an error."""
    from ketaroom.core.room_check import RoomCheckResult
    from ketaroom.session.room_check import RoomCheckRequest, check_room, fix_power_on
    from ketaroom.store.settings import load_settings

    data = _data_dir(args)
    room = load_settings(data).room
    if args.bridge:
        if not args.username:
            print("ketaroom room-check: --bridge needs --username (pair in the app first)",
                  file=sys.stderr)
            return EXIT_USAGE
        bridge, username, group = args.bridge, args.username, args.group
    elif room.bridge is not None and not args.demo:
        bridge, username = room.bridge.address, room.bridge.username
        group = args.group or room.bridge.group
    else:
        bridge, username, group = None, "", None
    request = RoomCheckRequest(
        data, bridge, username, group, audio=args.audio or room.audio,
        audio_device=room.audio_device if args.audio in (None, "default") else None,
        unreachable_blocks=room.unreachable_blocks_start, test_sound=args.test_sound,
        max_volume_pct=room.max_volume_pct)
    fixed = fix_power_on(request, args.fix) if args.fix else None
    result = check_room(request)
    if fixed is not None:
        result = RoomCheckResult((*result.checks, fixed))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        for check in result.checks:
            print(f"{check.status.upper():<8} {check.name:<10} {check.message}")
        print("room ready" if result.ok else "room NOT ready")
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def cmd_install_desktop(args: argparse.Namespace) -> int:
    from ketaroom.install import desktop_entry

    try:
        installed = desktop_entry.install()
    except OSError as exc:
        raise CliError(f"cannot install the menu entry: {exc}") from exc
    print(f"menu entry: {installed.desktop_file}")
    print(f"icon: {installed.icon_file}")
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from ketaroom.app import run_gui
    from ketaroom.core.board import parse_broker

    board = None
    if args.gui_mqtt:
        try:
            board = parse_broker(args.gui_mqtt)
        except ValueError as exc:
            print(f"ketaroom: --mqtt {exc}", file=sys.stderr)
            return EXIT_USAGE
    return run_gui(data_dir=_data_dir(args), force_demo=args.demo, board=board)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ketaroom.logging_setup import configure_logging

    # the window logs what ketaroom does; the sub-commands only its warnings
    configure_logging(verbose=args.verbose,
                      app_level=logging.INFO if args.command is None else logging.WARNING)
    if args.data_dir:
        os.environ["KETAROOM_DATA_DIR"] = str(Path(args.data_dir).resolve())
    commands = {"validate": cmd_validate, "rehearse": cmd_rehearse,
                "sessions": cmd_sessions, "export": cmd_export, "patients": cmd_patients,
                "music-scan": cmd_music_scan, "install-desktop": cmd_install_desktop,
                "sync": cmd_sync, "board": cmd_board, "room-check": cmd_room_check}
    if args.command == "bridge-emulator":
        from ketaroom.devices import hue_emulator

        return hue_emulator.run_cli(args) or EXIT_OK
    try:
        code = commands.get(args.command, cmd_gui)(args)
        sys.stdout.flush()  # a closed pipe is said here, not in Python's exit
        return code
    except CliError as exc:
        print(f"ketaroom: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except BrokenPipeError:  # `ketaroom … --json | head`: the reader has had enough
        # Python flushes stdout again at exit: point it at /dev/null so that says nothing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEMS
    except Exception as exc:
        from ketaroom.store.central import CentralError

        if not isinstance(exc, CentralError):
            raise
        print(f"ketaroom {args.command}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
