"""The command line: `run` (the gate loop, the default), `read`, the record commands, and `new-config`.

Every problem a user can fix arrives here as a SecureXError and is printed as one plain line.
"""

from __future__ import annotations

import os

# Refuse absurd image sizes before OpenCV loads (a 20000x20000 header would claim gigabytes).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(100_000_000))
# OpenCV's own backend chatter ("[ERROR:0@0.1] ... Camera index out of range") would bury our one plain line.
os.environ.setdefault("OPENCV_LOG_LEVEL", "FATAL")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's AV_LOG_QUIET, for the same reason

import argparse  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Optional, Sequence  # noqa: E402

from securex.cli.events import events_command  # noqa: E402
from securex.cli.onsite import inside_command  # noqa: E402
from securex.cli.read import read_command  # noqa: E402
from securex.cli.records import (  # noqa: E402
    confirm,
    day,
    export_command,
    prune_command,
    report_command,
    search_command,
    verify_command,
    watchlist_command,
)
from securex.cli.run import RunOptions, run_command  # noqa: E402
from securex.config import Config, find_config_file, load_config  # noqa: E402
from securex.config.lanes import LaneConfig, lane_from_option  # noqa: E402
from securex.config.template import write_new_config  # noqa: E402
from securex.core.errors import EXIT_INTERRUPTED, EXIT_OK, SecureXError  # noqa: E402
from securex.gate.app import stop_name, stop_on_signal  # noqa: E402
from securex.pipeline.factory import DETECTORS, OCR_ENGINES  # noqa: E402

COMMANDS = ("run", "read", "verify", "events", "export", "watchlist", "search", "report", "inside", "prune",
            "new-config")
DATA_DIR_FILES = {"DATABASE_URL": "plates.db", "KEY_PATH": "securex.key", "HEAD_LOG_PATH": "chain_head.log",
                  "CSV_PATH": "detected_plates.csv", "IMAGES_DIR": "saved_plates",
                  "WATCHLIST_PATH": "watchlist.csv", "REPORTS_DIR": "reports"}
OPTION_SETTINGS = {"db": "DATABASE_URL", "key": "KEY_PATH", "gate": "GATE_NAME", "csv": "CSV_PATH",
                   "images_dir": "IMAGES_DIR", "engine": "OCR_ENGINE", "detector": "DETECTOR",
                   "watchlist_file": "WATCHLIST_PATH"}


def _program_name() -> str:
    name = Path(sys.argv[0]).name
    return {"main.py": "python main.py", "__main__.py": "python -m securex"}.get(name, "securex")


def _loops(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--loop {text} is not allowed: give 1 or more")
    return int(text)


def _lane(text: str) -> LaneConfig:
    try:
        return lane_from_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_program_name(), description="SecureX number plate recognition")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="watch a camera, video file or stream (the default)")
    run.add_argument("--source", help="camera index, video file or stream URL (rtsp://, rtsps://, rtmp://, "
                     "http(s)://, srt://...; ${NAME} is replaced by environment variable NAME) "
                     "(default: CAMERA_INDEX)")
    run.add_argument("--lane", dest="lanes", action="append", type=_lane, default=[], metavar="NAME:DIR=SOURCE",
                     help="a lane (repeat for more; instead of LANES): its name, direction in, out or both, and "
                          "camera, e.g. --lane entry:in=0 --lane exit:out=rtsp://10.0.0.6/stream")
    run.add_argument("--headless", action="store_true", help="no window (servers, tests); stops at the end or Ctrl-C")
    run.add_argument("--realtime", action="store_true", help="pace a video file like a live camera")
    run.add_argument("--no-auto-save", action="store_true", help="start with auto-save off")
    run.add_argument("--loop", type=_loops, default=1, metavar="N",
                     help="play a video file N times over (soak tests, demonstrations)")
    _add_common(run)
    read = commands.add_parser("read", help="read the plates in still images")
    read.add_argument("images", nargs="+", help="image files")
    read.add_argument("--json", action="store_true", help="one JSON line per image")
    read.add_argument("--show", action="store_true", help="also show each photo in the window, with its plates "
                                                          "and their standing (any key: next photo)")
    _add_common(read)
    verify = commands.add_parser("verify", help="check that no record was edited, inserted or deleted")
    verify.add_argument("--witness", metavar="FILE", help="also check the events a receiver saved (one JSON event "
                                                          "per line) against the records")
    _add_common(verify)
    events = commands.add_parser("events", help="the events sent to other systems (MQTT, webhooks, alert command)")
    which = events.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true", help="only events some receiver has not confirmed yet")
    which.add_argument("--failed", action="store_true", help="only events whose delivery failed (with the reason)")
    _add_common(events)
    export = commands.add_parser("export", help="rebuild the CSV from the database (optionally a date range)")
    export.add_argument("--from", dest="date_from", type=day, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=day, help="last day, YYYY-MM-DD")
    export.add_argument("--xlsx", metavar="FILE", help="write an Excel workbook FILE.xlsx instead of the CSV "
                                                      "(plates as text, real dates and numbers: for Excel)")
    _add_common(export)
    _add_watchlist(commands)
    search = commands.add_parser("search", help="find past entries by a plate pattern (? one character, * any)")
    search.add_argument("pattern", help="plate or pattern, e.g. ABC*, A?C1234 (quote it in the shell)")
    search.add_argument("--from", dest="date_from", type=day, help="first day, YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", type=day, help="last day, YYYY-MM-DD")
    search.add_argument("--fuzzy", type=int, default=0, choices=range(0, 4), metavar="N",
                        help="also plates within N edits of the pattern (0-3; look-alike characters count as equal)")
    search.add_argument("--status", choices=("allowed", "flagged", "unknown"), help="only this watchlist standing")
    _add_common(search, gate_help="only the records of this gate")
    report = commands.add_parser("report", help="entries, unique plates, flagged events, busiest hour, and a chart")
    report.add_argument("--date", type=day, help="one day, YYYY-MM-DD (default: today)")
    report.add_argument("--from", dest="date_from", type=day, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", type=day, help="last day, YYYY-MM-DD")
    _add_common(report, gate_help="only the records of this gate (default: every gate; ins and outs of GATE_NAME)")
    inside = commands.add_parser("inside", help="the vehicles that came in and have not gone out (time in, time "
                                                "on site, lane)")
    _add_common(inside, gate_help="the gate (default: GATE_NAME)")
    prune = commands.add_parser("prune", help="remove records and images older than RETENTION_DAYS")
    prune.add_argument("--days", type=int, help="keep this many days instead of RETENTION_DAYS")
    prune.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    prune.add_argument("--yes", action="store_true", help="do not ask first (scripts; prune asks on a terminal)")
    _add_common(prune)
    new_config = commands.add_parser("new-config", help="write a config file with every setting, its default "
                                                        "and help (a wheel install starts here)")
    new_config.add_argument("path", help="file to write, e.g. config.py (never overwritten)")
    return parser


def _add_watchlist(commands) -> None:
    watchlist = commands.add_parser("watchlist", help="the allowed and flagged plates")
    actions = watchlist.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="put a plate on a list (replaces its earlier entry)")
    add.add_argument("plate")
    add.add_argument("--list", dest="kind", choices=("allowed", "flagged"), required=True)
    add.add_argument("--note", default="", help="shown with the alert, e.g. 'stolen 2026-11-02'")
    add.add_argument("--until", type=day, help="last day the entry counts, YYYY-MM-DD (today or later)")
    add.add_argument("--replace", action="store_true",
                     help="confirm moving a plate from one list to the other (flagged to allowed or back)")
    remove = actions.add_parser("remove", help="take a plate off the lists")
    remove.add_argument("plate")
    show = actions.add_parser("list", help="show every entry")
    for parser in (add, remove, show):
        parser.add_argument("--watchlist", dest="watchlist_file", help="watchlist CSV (default: WATCHLIST_PATH)")
        parser.add_argument("--data-dir", help="use DIR/watchlist.csv, as `run --data-dir DIR` does")
        _add_config(parser)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="settings file (default: config.py beside main.py, else in the working folder)")


def _add_common(parser: argparse.ArgumentParser, gate_help: str = "this gate's name (default: GATE_NAME)") -> None:
    _add_config(parser)
    parser.add_argument("--db", help="database: a SQLite file path or a postgresql:// URL (default: DATABASE_URL)")
    parser.add_argument("--data-dir", help="keep the database, key, head log, CSV and images in this folder "
                                           "(trials, tests, a second site); the options below still win")
    parser.add_argument("--key", help="record signing key file (default: KEY_PATH)")
    parser.add_argument("--gate", help=gate_help)
    parser.add_argument("--csv", help="CSV file: the export (default: CSV_PATH; `export` with dates: a dated file "
                                      "beside it), or where `search` writes its matches")
    parser.add_argument("--images-dir", help="folder for plate images (default: IMAGES_DIR)")
    parser.add_argument("--engine", choices=list(OCR_ENGINES), help="OCR engine (default: OCR_ENGINE)")
    parser.add_argument("--detector", choices=list(DETECTORS), help="plate detector (default: DETECTOR)")


def overrides_from(args: argparse.Namespace) -> dict:
    """The settings the command line sets for this run, by their config.py names."""
    values = {}
    if getattr(args, "data_dir", None):
        folder = Path(args.data_dir).expanduser().absolute()
        values = {name: str(folder / file) for name, file in DATA_DIR_FILES.items()}
    values.update({name: getattr(args, option) for option, name in OPTION_SETTINGS.items()
                   if getattr(args, option, None) is not None})
    if getattr(args, "no_auto_save", False):
        values["AUTO_SAVE"] = False
    return values


def main(argv: Optional[Sequence[str]] = None) -> int:
    before = signal.signal(signal.SIGTERM, stop_on_signal)  # a service stop ends SecureX as Ctrl-C does
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    try:
        args = build_parser().parse_args(argv)
        if args.command == "new-config":
            write_new_config(Path(args.path))
            print(f"Written {args.path}: edit it, then start with --config {args.path}")
            return EXIT_OK
        config = load_config(overrides_from(args), path=find_config_file(args.config))
        logging.basicConfig(level=config.window.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s",
                            datefmt="%H:%M:%S")
        return _dispatch(args, config)
    except SecureXError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as stop:  # `run` ends itself; this is another command, or loading its settings
        print(f"Stopped by {stop_name(stop)}", file=sys.stderr)
        return EXIT_OK if argv[0] == "run" else EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, before)


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "read":
        return read_command(config, args.images, args.json, args.show)
    if args.command == "verify":
        return verify_command(config, args.witness)
    if args.command == "events":
        return events_command(config, args.pending, args.failed)
    if args.command == "export":
        return export_command(config, args.date_from, args.date_to, args.csv, args.xlsx)
    if args.command == "watchlist":
        return watchlist_command(config, args.action, getattr(args, "plate", None), getattr(args, "kind", None),
                                 getattr(args, "note", ""), getattr(args, "until", None),
                                 getattr(args, "replace", False))
    if args.command == "search":
        return search_command(config, args.pattern, args.date_from, args.date_to, args.fuzzy, args.status, args.csv,
                              args.gate)
    if args.command == "report":
        return report_command(config, args.date, args.date_from, args.date_to, args.gate)
    if args.command == "inside":
        return inside_command(config)
    if args.command == "prune":
        return prune_command(config, args.days, args.dry_run, args.yes, confirm if sys.stdin.isatty() else None)
    if args.lanes and args.source is not None:
        raise SecureXError("Give either --source (one lane) or --lane (one or more lanes), not both")
    return run_command(config, RunOptions(args.source, args.headless, args.realtime, args.loop, tuple(args.lanes)))
