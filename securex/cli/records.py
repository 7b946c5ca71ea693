"""The record commands of the command line: verify, export, watchlist, search, report and prune."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterator, Optional

from securex.cli.onsite import movements_of
from securex.config import Config
from securex.core.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, SecureXError
from securex.core.plate_text import normalise_plate, plate_problem
from securex.gate.watchlist import Entry, read_entries, write_entries
from securex.records.audit import audit
from securex.records.chain import HeadLog
from securex.records.csvfile import write_csv
from securex.records.db import Database
from securex.records.keys import key_fingerprint
from securex.records.onsite import movement_lines, movements
from securex.records.reports import build_report, chart_name, correction_notes, found_line, hourly_chart, search
from securex.records.retention import Pruned, prune_before
from securex.records.storage import date_range_condition, fetch_records, open_records
from securex.records.witness import check_witness, read_witness
from securex.records.workbook import write_xlsx


def day(text: str) -> str:
    """argparse type for a date: YYYY-MM-DD, checked."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


@contextmanager
def _records(config: Config) -> Iterator[tuple[Database, bytes]]:
    """The database and signing key, closed afterwards; StorageError (one line) when they cannot be opened."""
    database, key = open_records(config.storage)
    try:
        yield database, key
    finally:
        database.close()


def _check_range(date_from: Optional[str], date_to: Optional[str]) -> None:
    if date_from and date_to and date_from > date_to:
        raise SecureXError(f"--from {date_from} is after --to {date_to}: give the earlier day first")


def _csv_out(text: str) -> Path:
    """A CSV file the user named: its folder must exist (a mistyped folder is never created)."""
    path = Path(text).expanduser()
    if not path.parent.is_dir():
        raise SecureXError(f"Folder {path.parent} does not exist: give --csv a file in an existing folder")
    return path


def records_between(config: Config, date_from: Optional[str], date_to: Optional[str], gate: Optional[str] = None):
    """The records of the period (of every gate, or of `gate`), in chain order per gate."""
    where, params = date_range_condition(date_from, date_to)
    if gate is not None:
        where, params = " AND ".join(filter(None, (where, "gate = ?"))), (*params, gate)
    with _records(config) as (database, _):
        return fetch_records(database, where, params)


def _write_file(path: Path, records, hint: str, write=write_csv) -> int:
    try:
        return write(path, records)
    except OSError as exc:
        raise SecureXError(f"Cannot write {path} ({exc.strerror or exc}): close it in Excel or {hint}",
                           EXIT_FAILED) from None


def verify_command(config: Config, witness: Optional[str] = None) -> int:
    """Check the records; with `witness`, also the events a receiver saved (a JSON-lines file) against them."""
    storage = config.storage
    witnessed = _read_witness(Path(witness).expanduser()) if witness else None
    with _records(config) as (database, key):
        result = audit(database, key, HeadLog(storage.head_log_path, key), storage.gate_name, storage.root)
        if witnessed is not None:
            result.problems += witnessed[1] + check_witness(database, witnessed[0])
            result.notes.append(f"{len(witnessed[0])} event(s) in {witness} checked against the records")
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.problems:
        print(f"PROBLEM: {problem}")
    print(f"OK: {result.records} records, chain intact" if result.ok
          else f"FAILED: {len(result.problems)} problem(s) in {result.records} records")
    print(f"Signing key fingerprint {key_fingerprint(key)} (compare it with the one you noted down)")
    return EXIT_OK if result.ok else EXIT_FAILED


def _read_witness(path: Path) -> tuple[list[dict], list[str]]:
    try:
        return read_witness(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SecureXError(f"Witness file {path} cannot be read ({getattr(exc, 'strerror', None) or exc}): give the "
                           "file of events a receiver saved, one JSON event per line") from None


def export_command(config: Config, date_from: Optional[str], date_to: Optional[str], out: Optional[str],
                   xlsx: Optional[str] = None) -> int:
    """Rebuild a CSV from the database (the whole record, or a date range into its own file), or write a workbook."""
    _check_range(date_from, date_to)
    if xlsx:
        return _export_xlsx(config, date_from, date_to, Path(xlsx).expanduser())
    if out:
        path = _csv_out(out)
    elif date_from or date_to:
        path = config.storage.csv_path.with_name(f"plates_{date_from or 'start'}_{date_to or 'now'}.csv")
    else:
        path = config.storage.csv_path
    records = sorted(records_between(config, date_from, date_to), key=lambda r: r.id)
    count = _write_file(path, records, "choose another file with --csv")
    print(f"Exported {count} records to {path}")
    return EXIT_OK


def _export_xlsx(config: Config, date_from: Optional[str], date_to: Optional[str], path: Path) -> int:
    """The records (of a date range) as an Excel workbook with typed cells, for managers."""
    if path.suffix.lower() != ".xlsx":
        raise SecureXError(f"{path} does not end in .xlsx: give a workbook name such as plates.xlsx", EXIT_USAGE)
    if not path.parent.is_dir():
        raise SecureXError(f"Folder {path.parent} does not exist: create it or give --xlsx a file in another folder",
                           EXIT_USAGE)
    records = sorted(records_between(config, date_from, date_to), key=lambda r: r.id)
    count = _write_file(path, records, "choose another file with --xlsx", write_xlsx)
    print(f"Exported {count} records to {path} (dates and times in the gate's local time)")
    return EXIT_OK


# --- watchlist ----------------------------------------------------------------------------------------
def watchlist_command(config: Config, action: str, plate: Optional[str] = None, kind: Optional[str] = None,
                      note: str = "", until: Optional[str] = None, replace: bool = False) -> int:
    path = config.alerts.watchlist_path
    if path is None:
        raise SecureXError("No watchlist file is set: set WATCHLIST_PATH in config.py")
    entries = read_entries(path)
    if action == "list":
        return _print_watchlist(path, entries)
    wanted = normalise_plate(plate or "")
    if not wanted:
        raise SecureXError(f"{plate!r} is not a plate: give letters and digits")
    kept = [e for e in entries if e.plate != wanted]
    if action == "remove":
        if len(kept) == len(entries):
            print(f"{wanted} is not on the watchlist")
            return EXIT_FAILED
        write_entries(path, kept)
        print(f"Removed {wanted} from the watchlist")
        return EXIT_OK
    entry = Entry(wanted, kind, note.strip(), until)
    earlier = _check_new_entry(config, plate, entry, [e for e in entries if e.plate == wanted], replace)
    write_entries(path, kept + [entry])
    if earlier is not None and earlier.list != kind:
        print(f"Replaced {wanted}: was {_described(earlier)}, now {_described(entry)}")
    else:
        print(f"{'Updated' if earlier else 'Added'} {wanted}: {_described(entry)}")
    return EXIT_OK


def _check_new_entry(config: Config, typed: str, entry: Entry, earlier: list[Entry], replace: bool) -> Optional[Entry]:
    """Refuse an entry that can never match or never count, or that silently moves a plate to the other list.
    Returns the plate's earlier entry, if any."""
    rules = config.plates
    problem = plate_problem(entry.plate, rules.shortest, rules.lengths[1], rules.allowed_chars)
    if problem:
        raise SecureXError(f"{typed!r} is not a plate: {problem}")
    if entry.valid_until and entry.valid_until < date.today().isoformat():
        raise SecureXError(f"--until {entry.valid_until} is in the past: give today or a later day")
    moved = next((e for e in earlier if e.list != entry.list), None)
    if moved is not None and not replace:
        raise SecureXError(f"{entry.plate} is on the {moved.list} list{_note(moved)}: add --replace to put it "
                           f"on the {entry.list} list instead")
    return moved or (earlier[0] if earlier else None)


def _note(entry: Entry) -> str:
    return f" ({entry.note})" if entry.note else ""


def _described(entry: Entry) -> str:
    return entry.list + _note(entry) + (f", until {entry.valid_until}" if entry.valid_until else "")


def _print_watchlist(path: Path, entries: list[Entry]) -> int:
    if not entries:
        print(f"The watchlist {path} is empty")
        return EXIT_OK
    print(f"{'PLATE':10} {'LIST':8} {'UNTIL':10}  NOTE")
    for entry in sorted(entries, key=lambda e: (e.list, e.plate)):
        print(f"{entry.plate:10} {entry.list:8} {entry.valid_until or '-':10}  {entry.note}")
    return EXIT_OK


# --- search and report --------------------------------------------------------------------------------
def search_command(config: Config, pattern: str, date_from: Optional[str], date_to: Optional[str], fuzzy: int,
                   status: Optional[str], csv_out: Optional[str], gate: Optional[str] = None) -> int:
    _check_range(date_from, date_to)
    path = _csv_out(csv_out) if csv_out else None
    with _records(config) as (database, _):
        found = search(database, pattern, date_from, date_to, fuzzy, status, gate)
        notes = correction_notes(database, found)
    for record in found:
        print(found_line(record, notes.get(record.id)))
    print(f"{len(found)} record(s) match {pattern}")
    if path is not None:
        _write_file(path, found, "choose another file")
        print(f"Written to {csv_out}")
    return EXIT_OK


def report_command(config: Config, on: Optional[str], date_from: Optional[str], date_to: Optional[str],
                   gate: Optional[str] = None) -> int:
    """The period's figures of every gate, or of `gate` (as in search); ins and outs of `gate` or GATE_NAME."""
    if on:
        date_from = date_to = on
    elif not (date_from or date_to):
        date_from = date_to = date.today().isoformat()
    _check_range(date_from, date_to)
    records = records_between(config, date_from, date_to, gate)
    span = date_from if date_from == date_to else f"{date_from or 'start'} to {date_to or 'now'}"
    report = build_report(records)
    print(f"SecureX report, {span}" + (f", gate {gate}" if gate else ""))
    print(f"  entries          {report.entries}")
    print(f"  unique plates    {report.unique_plates}")
    print(f"  flagged events   {report.flagged}")
    busiest = report.busiest_hour
    hour = f"{busiest:02d}:00-{busiest + 1:02d}:00 ({report.per_hour[busiest]} entries)" if busiest is not None else "-"
    print(f"  busiest hour     {hour}")
    for name, count in sorted(report.per_gate.items()):
        print(f"  gate {name:11} {count} entries")
    moving = gate or config.storage.gate_name  # ins and outs of one gate: who was in before the first day counts
    for line in movement_lines(movements(movements_of(config, moving, date_to), date_from or "")):
        print(line)
    title = f"SecureX entries per hour, {span}" + (f", gate {gate}" if gate else "")
    try:
        chart = hourly_chart(report, title, config.storage.reports_dir / chart_name(date_from, date_to, gate))
    except OSError as exc:
        raise SecureXError(f"Chart not written ({exc.strerror or exc}): check REPORTS_DIR in config.py",
                           EXIT_FAILED) from None
    print(f"  chart            {chart}")
    return EXIT_OK


# --- retention ----------------------------------------------------------------------------------------
def confirm(question: str) -> bool:
    """Ask on the terminal; only y or yes agrees."""
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def prune_command(config: Config, days: Optional[int], dry_run: bool = False, yes: bool = False,
                  ask: Optional[Callable[[str], bool]] = None) -> int:
    """Remove old records once verify finds nothing wrong; `ask` is None when there is no terminal to ask on."""
    storage = config.storage
    days = days if days is not None else storage.retention_days
    if days is None:
        print("RETENTION_DAYS is None in config.py: records are kept for ever, nothing pruned "
              "(or give --days N)")
        return EXIT_OK
    if days < 1:
        raise SecureXError(f"--days {days} is not allowed: give the number of days of records to keep, 1 or more")
    if not (dry_run or yes or ask):
        raise SecureXError("prune removes records for good and asks first, but there is no terminal to ask on: "
                           "add --yes to prune from a script (--dry-run shows what it would remove)")
    cutoff = (date.today() - timedelta(days=days)).isoformat()
    with _records(config) as (database, key):
        result = audit(database, key, HeadLog(storage.head_log_path, key), storage.gate_name, storage.root)
        if not result.ok:
            raise SecureXError(f"Nothing pruned: verify finds {len(result.problems)} problem(s) in the records; "
                               "run verify, and prune once they are resolved")
        plan = prune_before(database, key, cutoff, storage.images_dir, storage.root, dry_run=True)
        if not plan:
            print(f"Nothing older than {cutoff} to prune")
            return EXIT_OK
        if dry_run or not yes:
            _print_pruned("Would prune", plan, cutoff)
        if dry_run:
            return EXIT_OK
        more = f" and {n} delivered events" if (n := sum(p.events for p in plan)) else ""
        if not yes and not ask(f"Remove these {sum(p.records for p in plan)} records{more} for good? [y/N] "):
            print("Nothing pruned")
            return EXIT_OK
        pruned = prune_before(database, key, cutoff, storage.images_dir, storage.root)
    _print_pruned("Pruned", pruned, cutoff)
    return EXIT_OK


def _print_pruned(verb: str, pruned: list[Pruned], cutoff: str) -> None:
    for item in pruned:
        left = f"; {item.left} image file(s) left in place (outside IMAGES_DIR, missing or changed)" \
            if item.left else ""
        print(f"{verb} gate {item.gate}: {item.records} records and {item.images} images"
              f"{f' and {item.events} delivered events' if item.events else ''} from before {cutoff}{left}")
