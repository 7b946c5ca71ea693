"""The record commands of the command line: verify, export (and the lists, search, reports, pruning)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .audit import audit
from .chain import HeadLog
from .settings import Settings, resolve_path
from .storage import StorageError, date_range_condition, fetch_records, open_records, write_csv

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def day(text: str) -> str:
    """argparse type for a date: YYYY-MM-DD, checked."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


def _open(settings: Settings):
    try:
        return open_records(settings)
    except StorageError as exc:
        print(str(exc), file=sys.stderr)
        return None


def verify_command(settings: Settings) -> int:
    opened = _open(settings)
    if opened is None:
        return EXIT_USAGE
    database, key = opened
    try:
        result = audit(database, key, HeadLog(resolve_path(settings.head_log_path), key), settings.gate_name)
    finally:
        database.close()
    for note in result.notes:
        print(f"note: {note}")
    if result.ok:
        print(f"OK: {result.records} records, chain intact")
        return EXIT_OK
    for problem in result.problems:
        print(f"PROBLEM: {problem}")
    print(f"FAILED: {len(result.problems)} problem(s) in {result.records} records")
    return EXIT_FAILED


def export_command(settings: Settings, date_from: str | None, date_to: str | None, out: str | None) -> int:
    """Rebuild a CSV from the database (the whole record, or a date range into its own file)."""
    opened = _open(settings)
    if opened is None:
        return EXIT_USAGE
    database, _ = opened
    where, params = date_range_condition(date_from, date_to)
    try:
        records = sorted(fetch_records(database, where, params), key=lambda r: r.id)
    finally:
        database.close()
    if out:
        path = Path(out).expanduser()
    elif date_from or date_to:
        path = resolve_path(settings.csv_path).with_name(f"plates_{date_from or 'start'}_{date_to or 'now'}.csv")
    else:
        path = resolve_path(settings.csv_path)
    try:
        count = write_csv(path, records)
    except OSError as exc:
        print(f"Cannot write {path} ({exc.strerror or exc}): close it in Excel or choose another file with "
              "--out", file=sys.stderr)
        return EXIT_FAILED
    print(f"Exported {count} records to {path}")
    return EXIT_OK
