"""The record commands of the command line: verify, export, watchlist, search, report and prune."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from securex.records.audit import audit
from securex.records.chain import HeadLog
from securex.records.reports import build_report, hourly_chart, search
from securex.records.retention import prune_before
from securex.config.settings import Settings, resolve_path
from securex.records.storage import StorageError, date_range_condition, fetch_records, open_records, write_csv
from securex.gate.watchlist import Entry, WatchlistError, normalise_plate, read_entries, write_entries

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def day(text: str) -> str:
    """argparse type for a date: YYYY-MM-DD, checked."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


_FAILED = object()


def _with_records(settings: Settings, work):
    """Open the database and key, run `work(database, key)`, close; _FAILED (reason printed) if it cannot open."""
    try:
        database, key = open_records(settings)
    except StorageError as exc:
        print(str(exc), file=sys.stderr)
        return _FAILED
    try:
        return work(database, key)
    finally:
        database.close()


def _records_between(settings: Settings, date_from: str | None, date_to: str | None):
    where, params = date_range_condition(date_from, date_to)
    return _with_records(settings, lambda database, _: fetch_records(database, where, params))


def verify_command(settings: Settings) -> int:
    head_log = resolve_path(settings.head_log_path)
    result = _with_records(settings, lambda database, key: audit(database, key, HeadLog(head_log, key),
                                                                  settings.gate_name))
    if result is _FAILED:
        return EXIT_USAGE
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
    records = _records_between(settings, date_from, date_to)
    if records is _FAILED:
        return EXIT_USAGE
    records.sort(key=lambda r: r.id)
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
              "--csv", file=sys.stderr)
        return EXIT_FAILED
    print(f"Exported {count} records to {path}")
    return EXIT_OK


# --- watchlist ----------------------------------------------------------------------------------------
def _watchlist_path(settings: Settings) -> Path | None:
    if not settings.watchlist_path:
        print("No watchlist file is set: set WATCHLIST_PATH in config.py", file=sys.stderr)
        return None
    return resolve_path(settings.watchlist_path)


def watchlist_command(settings: Settings, action: str, plate: str | None = None, kind: str | None = None,
                      note: str = "", until: str | None = None) -> int:
    path = _watchlist_path(settings)
    if path is None:
        return EXIT_USAGE
    try:
        entries = read_entries(path)
        if action == "list":
            return _print_watchlist(path, entries)
        wanted = normalise_plate(plate or "")
        if not wanted:
            print(f"{plate!r} is not a plate: give letters and digits", file=sys.stderr)
            return EXIT_USAGE
        kept = [e for e in entries if e.plate != wanted]
        if action == "remove":
            if len(kept) == len(entries):
                print(f"{wanted} is not on the watchlist")
                return EXIT_FAILED
            write_entries(path, kept)
            print(f"Removed {wanted} from the watchlist")
            return EXIT_OK
        write_entries(path, kept + [Entry(wanted, kind, note.strip(), until)])
    except WatchlistError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    print(f"{'Updated' if len(kept) < len(entries) else 'Added'} {wanted}: {kind}"
          + (f" ({note.strip()})" if note.strip() else "") + (f", until {until}" if until else ""))
    return EXIT_OK


def _print_watchlist(path: Path, entries: list[Entry]) -> int:
    if not entries:
        print(f"The watchlist {path} is empty")
        return EXIT_OK
    print(f"{'PLATE':10} {'LIST':8} {'UNTIL':10}  NOTE")
    for entry in sorted(entries, key=lambda e: (e.list, e.plate)):
        print(f"{entry.plate:10} {entry.list:8} {entry.valid_until or '-':10}  {entry.note}")
    return EXIT_OK


# --- search and report --------------------------------------------------------------------------------
def search_command(settings: Settings, pattern: str, date_from: str | None, date_to: str | None, fuzzy: int,
                   status: str | None, csv_out: str | None) -> int:
    found = _with_records(settings, lambda database, _: search(database, pattern, date_from, date_to, fuzzy, status))
    if found is _FAILED:
        return EXIT_USAGE
    for record in found:
        print(f"{record.detected_at[:19].replace('T', ' ')}  {record.gate:10} {record.plate:10} "
              f"{record.confidence:5.2f}  {record.list_status or '-':8} {record.image_path or '-'}")
    print(f"{len(found)} record(s) match {pattern}")
    if csv_out:
        try:
            write_csv(Path(csv_out).expanduser(), found)
        except OSError as exc:
            print(f"Cannot write {csv_out} ({exc.strerror or exc}): close it in Excel or choose another file",
                  file=sys.stderr)
            return EXIT_FAILED
        print(f"Written to {csv_out}")
    return EXIT_OK


def report_command(settings: Settings, on: str | None, date_from: str | None, date_to: str | None) -> int:
    if on:
        date_from = date_to = on
    elif not (date_from or date_to):
        date_from = date_to = date.today().isoformat()
    records = _records_between(settings, date_from, date_to)
    if records is _FAILED:
        return EXIT_USAGE
    span = date_from if date_from == date_to else f"{date_from or 'start'} to {date_to or 'now'}"
    report = build_report(records)
    print(f"SecureX report, {span}")
    print(f"  entries          {report.entries}")
    print(f"  unique plates    {report.unique_plates}")
    print(f"  flagged events   {report.flagged}")
    busiest = report.busiest_hour
    hour = f"{busiest:02d}:00-{busiest + 1:02d}:00 ({report.per_hour[busiest]} entries)" if busiest is not None else "-"
    print(f"  busiest hour     {hour}")
    for gate, count in sorted(report.per_gate.items()):
        print(f"  gate {gate:11} {count} entries")
    name = f"report_{date_from or 'start'}" + ("" if date_from == date_to else f"_{date_to or 'now'}") + ".png"
    try:
        chart = hourly_chart(report, f"SecureX entries per hour, {span}", resolve_path(settings.reports_dir) / name)
    except OSError as exc:
        print(f"Chart not written ({exc.strerror or exc}): check REPORTS_DIR in config.py", file=sys.stderr)
        return EXIT_FAILED
    print(f"  chart            {chart}")
    return EXIT_OK


# --- retention ----------------------------------------------------------------------------------------
def prune_command(settings: Settings, days: int | None) -> int:
    days = days if days is not None else settings.retention_days
    if days is None:
        print("RETENTION_DAYS is None in config.py: records are kept for ever, nothing pruned "
              "(or give --days N)")
        return EXIT_OK
    cutoff = (date.today() - timedelta(days=days)).isoformat()
    pruned = _with_records(settings, lambda database, key: prune_before(database, key, cutoff, resolve_path))
    if pruned is _FAILED:
        return EXIT_USAGE
    if not pruned:
        print(f"Nothing older than {cutoff} to prune")
    for item in pruned:
        print(f"Pruned gate {item.gate}: {item.records} records and {item.images} images from before {cutoff}")
    return EXIT_OK
