"""Allow and deny lists: which plates may enter, which must raise an alert.

The list is a CSV file (plate, list, note, valid_until) a guard can also edit in Excel; the gate
reloads it when it changes. A read matches a listed plate exactly, or within a few edits once
characters OCR confuses (0/O/D/Q, 1/I, 2/Z, 5/S, 6/G, 8/B) are treated as the same, so a plate
read with one wrong character is still stopped. The closest listed plate wins; at equal distance an
exact one, then a flagged one.

Cells a spreadsheet would run as a formula (a note such as `=HYPERLINK(...)`) are written with the
records CSV's guard apostrophe, read back without it, and only ever used as plain text.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from securex.core.domain import FLAGGED, UNKNOWN
from securex.core.errors import EXIT_FAILED, SecureXError
from securex.core.plate_text import edit_distance, fold_digit_lookalikes, normalise_plate
from securex.records.csvfile import excel_safe, from_excel_safe, replace_csv

log = logging.getLogger(__name__)
COLUMNS = ("plate", "list", "note", "valid_until")
LISTS = ("allowed", "flagged")


class WatchlistError(SecureXError):
    """The watchlist file cannot be read or written; one plain line."""

    exit_code = EXIT_FAILED


@dataclass(frozen=True)
class Entry:
    plate: str
    list: str
    note: str = ""
    valid_until: Optional[str] = None  # YYYY-MM-DD, last day the entry counts

    def valid_on(self, day: date) -> bool:
        return self.valid_until is None or day.isoformat() <= self.valid_until


@dataclass(frozen=True)
class Match:
    """A read's standing: allowed, flagged or unknown, and the listed plate it matched (if any)."""

    status: str
    listed_plate: str = ""
    distance: Optional[int] = None
    note: str = ""

    def record_fields(self) -> dict:
        return {"list_status": self.status, "listed_plate": self.listed_plate, "list_distance": self.distance}


def parse_entry(row: dict) -> Entry:
    """One CSV row as an entry; ValueError with the reason when it is not usable.

    Every cell is plain text: the guard apostrophe `write_entries` adds is taken off, and a note is
    shown as written (a formula stays its text; control characters become spaces).
    """
    row = {name: from_excel_safe(row.get(name) or "") for name in COLUMNS}
    plate = normalise_plate(row["plate"])
    kind = row["list"].strip().lower()
    until = row["valid_until"].strip() or None
    if not plate:
        raise ValueError("no plate")
    if kind not in LISTS:
        raise ValueError(f"list {kind!r} is not allowed or flagged")
    if until is not None:
        try:
            until = date.fromisoformat(until).isoformat()
        except ValueError:
            raise ValueError(f"valid_until {until!r} is not a date (YYYY-MM-DD)") from None
    return Entry(plate, kind, "".join(c if c.isprintable() else " " for c in row["note"]).strip(), until)


def read_entries(path: Path) -> list[Entry]:
    """The entries of a watchlist file; bad rows are skipped with one warning each."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WatchlistError(f"Watchlist {path} cannot be read ({exc}): fix or remove the file") from None
    entries = []
    for number, row in enumerate(rows, 2):
        try:
            entries.append(parse_entry(row))
        except ValueError as exc:
            log.warning("Watchlist %s line %d skipped: %s", path, number, exc)
    return entries


def write_entries(path: Path, entries: list[Entry]) -> None:
    """Replace the watchlist file at once (a half-written list is never read); formulas are kept as text."""
    try:
        replace_csv(path, COLUMNS, ([excel_safe(cell) for cell in (e.plate, e.list, e.note, e.valid_until)]
                                    for e in entries))
    except OSError as exc:
        raise WatchlistError(f"Watchlist {path} cannot be written ({exc.strerror or exc}): close it in Excel "
                             "and try again") from None


class Watchlist:
    """The lists in use at the gate, reloaded when the file changes."""

    def __init__(self, path: Optional[Path], max_distance: int):
        self.path, self.max_distance = path, max_distance
        self._entries: list[Entry] = []
        self._stamp: Optional[tuple[float, int]] = None
        self.reload_if_changed()

    @property
    def size(self) -> int:
        return len(self._entries)

    def reload_if_changed(self) -> None:
        if self.path is None:
            return
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime, stat.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._entries = read_entries(self.path)
        except WatchlistError as exc:
            log.error("%s; the previous list stays in use", exc)
            return
        log.info("Watchlist %s: %d entries", self.path, len(self._entries))

    def match(self, plate: str, today: Optional[date] = None) -> Optional[Match]:
        """The read's standing, or None when no list is in use."""
        if not self._entries:
            return None
        today = today or date.today()
        folded = fold_digit_lookalikes(plate)
        best: Optional[tuple[tuple[int, bool, bool], Entry]] = None
        for entry in self._entries:
            if not entry.valid_on(today):
                continue
            distance = edit_distance(folded, fold_digit_lookalikes(entry.plate))
            if distance > self.max_distance:
                continue
            rank = (distance, entry.plate != plate, entry.list != FLAGGED)  # closest, exact, then flagged first
            if best is None or rank < best[0]:
                best = (rank, entry)
        if best is None:
            return Match(UNKNOWN)
        (distance, _, _), entry = best
        return Match(entry.list, entry.plate, distance, entry.note)
