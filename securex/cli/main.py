"""Command line: `run` (the gate loop, the default) and `read` (still images)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Optional, Sequence

# Refuse absurd image sizes before OpenCV loads (a 20000x20000 header would claim gigabytes).
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(100_000_000))
# OpenCV's own backend chatter ("[ERROR:0@0.1] ... Camera index out of range") would bury our one plain line.
os.environ.setdefault("OPENCV_LOG_LEVEL", "FATAL")
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's AV_LOG_QUIET, for the same reason

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from securex.cli.records import (day, export_command, prune_command, report_command, search_command,  # noqa: E402
                       verify_command, watchlist_command)
from securex.config.settings import ConfigError, Settings, load_settings  # noqa: E402

log = logging.getLogger("securex")
from securex.cli.records import EXIT_FAILED, EXIT_OK, EXIT_USAGE  # noqa: E402
PROGRESS_MIN_FILES = 5  # `read` shows a progress bar on a terminal from this many images
COMMANDS = ("run", "read", "verify", "export", "watchlist", "search", "report", "prune")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description="SecureX number plate recognition")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="watch a camera, video file or stream (the default)")
    run.add_argument("--source", help="camera index, video file or rtsp:// / http:// URL (default: CAMERA_INDEX)")
    run.add_argument("--headless", action="store_true", help="no window (servers, tests); stops at the end or Ctrl-C")
    run.add_argument("--realtime", action="store_true", help="pace a video file like a live camera")
    run.add_argument("--no-auto-save", action="store_true", help="start with auto-save off")
    run.add_argument("--loop", type=int, default=1, metavar="N",
                     help="play a video file N times over (soak tests, demonstrations)")
    _add_common(run)
    read = commands.add_parser("read", help="read the plates in still images")
    read.add_argument("images", nargs="+", help="image files")
    read.add_argument("--json", action="store_true", help="one JSON line per image")
    _add_common(read)
    verify = commands.add_parser("verify", help="check that no record was edited, inserted or deleted")
    _add_common(verify)
    export = commands.add_parser("export", help="rebuild the CSV from the database (optionally a date range)")
    export.add_argument("--from", dest="date_from", type=day, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=day, help="last day, YYYY-MM-DD")
    _add_common(export)
    _add_watchlist(commands)
    search = commands.add_parser("search", help="find past entries by a plate pattern (? one character, * any)")
    search.add_argument("pattern", help="plate or pattern, e.g. ABC*, A?C1234 (quote it in the shell)")
    search.add_argument("--from", dest="date_from", type=day, help="first day, YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", type=day, help="last day, YYYY-MM-DD")
    search.add_argument("--fuzzy", type=int, default=0, choices=range(0, 4), metavar="N",
                        help="also plates within N edits of the pattern (0-3; look-alike characters count as equal)")
    search.add_argument("--status", choices=("allowed", "flagged", "unknown"), help="only this watchlist standing")
    _add_common(search)
    report = commands.add_parser("report", help="entries, unique plates, flagged events, busiest hour, and a chart")
    report.add_argument("--date", type=day, help="one day, YYYY-MM-DD (default: today)")
    report.add_argument("--from", dest="date_from", type=day, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", type=day, help="last day, YYYY-MM-DD")
    _add_common(report)
    prune = commands.add_parser("prune", help="remove records and images older than RETENTION_DAYS")
    prune.add_argument("--days", type=int, help="keep this many days instead of RETENTION_DAYS")
    _add_common(prune)
    return parser


def _add_watchlist(commands) -> None:
    watchlist = commands.add_parser("watchlist", help="the allowed and flagged plates")
    actions = watchlist.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="put a plate on a list (replaces its earlier entry)")
    add.add_argument("plate")
    add.add_argument("--list", dest="kind", choices=("allowed", "flagged"), required=True)
    add.add_argument("--note", default="", help="shown with the alert, e.g. 'stolen 2026-11-02'")
    add.add_argument("--until", type=day, help="last day the entry counts, YYYY-MM-DD")
    remove = actions.add_parser("remove", help="take a plate off the lists")
    remove.add_argument("plate")
    show = actions.add_parser("list", help="show every entry")
    for parser in (add, remove, show):
        parser.add_argument("--watchlist", dest="watchlist_file", help="watchlist CSV (default: WATCHLIST_PATH)")
        parser.add_argument("--data-dir", help="use DIR/watchlist.csv, as `run --data-dir DIR` does")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database: a SQLite file path or a postgresql:// URL (default: DATABASE_URL)")
    parser.add_argument("--data-dir", help="keep the database, key, head log, CSV and images in this folder "
                                           "(trials, tests, a second site); the options below still win")
    parser.add_argument("--key", help="record signing key file (default: KEY_PATH)")
    parser.add_argument("--gate", help="this gate's name (default: GATE_NAME)")
    parser.add_argument("--csv", help="CSV file: the export (default: CSV_PATH; `export` with dates: a dated file "
                                      "beside it), or where `search` writes its matches")
    parser.add_argument("--images-dir", help="folder for plate images (default: IMAGES_DIR)")
    parser.add_argument("--engine", choices=("neural", "tesseract"), help="OCR engine (default: OCR_ENGINE)")
    parser.add_argument("--detector", choices=("text", "haar", "hybrid"), help="plate detector (default: DETECTOR)")


COMMON_OPTIONS = {  # setting: command-line option (dest)
    "database_url": "db", "key_path": "key", "gate_name": "gate", "csv_path": "csv", "images_dir": "images_dir",
    "ocr_engine": "engine", "detector": "detector", "watchlist_path": "watchlist_file",
}


def overrides_from(args: argparse.Namespace) -> dict:
    values = {}
    if getattr(args, "data_dir", None):
        folder = Path(args.data_dir).expanduser().absolute()
        values = {"database_url": str(folder / "plates.db"), "key_path": str(folder / "securex.key"),
                  "head_log_path": str(folder / "chain_head.log"), "csv_path": str(folder / "detected_plates.csv"),
                  "images_dir": str(folder / "saved_plates"), "watchlist_path": str(folder / "watchlist.csv"),
                  "reports_dir": str(folder / "reports")}
    explicit = {name: getattr(args, option, None) for name, option in COMMON_OPTIONS.items()}
    values.update({k: v for k, v in explicit.items() if v is not None})
    if getattr(args, "command", None) == "run":
        values.update(source=args.source, headless=args.headless, realtime=args.realtime, loops=args.loop)
        if args.no_auto_save:
            values["auto_save"] = False
    return values


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "run")
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(overrides_from(args))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")
    if args.command == "read":
        return read_command(settings, args.images, args.json)
    if args.command == "verify":
        return verify_command(settings)
    if args.command == "export":
        return export_command(settings, args.date_from, args.date_to, args.csv)
    if args.command == "watchlist":
        return watchlist_command(settings, args.action, getattr(args, "plate", None), getattr(args, "kind", None),
                                 getattr(args, "note", ""), getattr(args, "until", None))
    if args.command == "search":
        return search_command(settings, args.pattern, args.date_from, args.date_to, args.fuzzy, args.status,
                              args.csv)
    if args.command == "report":
        return report_command(settings, args.date, args.date_from, args.date_to)
    if args.command == "prune":
        return prune_command(settings, args.days)
    return run_command(settings)


# --- read ---------------------------------------------------------------------------------------------
def load_image(path: str) -> np.ndarray:
    """Decode an image file; raises ValueError with a plain reason. Works with any path on Windows."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ValueError(f"cannot open file ({exc.strerror or exc})") from None
    if data.size == 0:
        raise ValueError("empty file")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise ValueError("not a readable image (corrupt, truncated, too large or not an image)")
    return image


def read_command(settings: Settings, images: list[str], as_json: bool) -> int:
    from securex.pipeline.factory import build_reader

    reader = _build_or_exit(lambda: build_reader(settings))
    if reader is None:
        return EXIT_USAGE
    failures = 0
    if not as_json:
        print(f"{'IMAGE':40} {'PLATE':10} {'CONF':>5}  BOX")
    progress = _files_progress(len(images))
    for path in images:
        line: dict = {"image": path, "plates": []}
        try:
            reads = reader.read_image(load_image(path), settings.still_detect_side)
            line["plates"] = [{"text": r.text, "confidence": round(r.confidence, 4), "box": list(r.box)}
                              for r in reads]
        except ValueError as exc:
            line["error"] = str(exc)
            failures += 1
        for text in [json.dumps(line)] if as_json else _table_rows(line):
            if progress is not None:
                progress.write(text, file=sys.stdout)
            else:
                print(text, flush=True)
        if progress is not None:
            progress.update(1)
    if progress is not None:
        progress.close()
    return EXIT_OK if failures == 0 else EXIT_FAILED


def _files_progress(total: int):
    """A tqdm bar on a terminal for a batch of images (the results still go to stdout)."""
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="image", dynamic_ncols=True, file=sys.stderr)


def _table_rows(line: dict) -> list[str]:
    name = line["image"] if len(line["image"]) <= 40 else "..." + line["image"][-37:]
    if "error" in line:
        return [f"{name:40} error: {line['error']}"]
    if not line["plates"]:
        return [f"{name:40} {'-':10}"]
    return [f"{name:40} {p['text']:10} {p['confidence']:5.2f}  {p['box']}" for p in line["plates"]]


def _build_or_exit(build):
    try:
        return build()
    except Exception as exc:  # a model or cascade that will not load: one line, not a traceback
        print(f"Cannot start the plate reader: {exc}", file=sys.stderr)
        return None


# --- run ----------------------------------------------------------------------------------------------
def run_command(settings: Settings) -> int:
    from securex.gate.app import GateApp
    from securex.video.capture import SourceError, VideoSource, parse_source
    from securex.ui.dashboard import Window
    from securex.pipeline.factory import build_reader
    from securex.records.storage import RecordStore, StorageError

    source_text = settings.source if settings.source is not None else str(settings.camera_index)
    try:
        source = VideoSource(parse_source(source_text), settings.camera_width, settings.camera_height,
                             settings.camera_fps, settings.realtime, settings.reconnect_max_seconds, settings.loops)
    except SourceError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    reader = _build_or_exit(lambda: build_reader(settings))
    if reader is None:
        return EXIT_USAGE
    try:
        store = RecordStore.open(settings)
    except StorageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    window = None
    if not settings.headless:
        try:
            window = Window(settings.window_title)
        except cv2.error:
            print("No screen to open a window on: run with --headless, or start from the desktop",
                  file=sys.stderr)
            store.close()
            return EXIT_USAGE
    progress = _progress_bar(source) if settings.headless else None
    app = GateApp(settings, reader, store, source.start(), window, progress)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        summary = app.run()
    finally:
        source.close()
        if window is not None:
            window.close()
        store.close()
        if progress is not None:
            progress.close()
    print("\n".join(summary.lines()))
    return EXIT_OK


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


class _ProgressBar:
    """tqdm bar for a video file in a terminal: frames, frames/s and plates saved so far."""

    def __init__(self, total: int):
        from tqdm import tqdm

        self._bar = tqdm(total=total or None, unit="frame", dynamic_ncols=True, file=sys.stderr)
        self._last = -1

    def __call__(self, index: int, saved: int) -> None:
        self._bar.update(index - self._last)
        self._last = index
        self._bar.set_postfix(plates=saved, refresh=False)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(source) -> Optional[_ProgressBar]:
    if source.is_live or not sys.stderr.isatty():
        return None
    return _ProgressBar(source.frame_count)
