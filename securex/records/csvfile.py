"""CSV files a guard may open in Excel: written so a reader never sees half a file or a torn row, and
cells Excel would run as a formula kept as text.

`CsvCopy` keeps the records CSV a copy of the database: rows it could not take (Excel holds a lock
on Windows, a full disk) are kept and written as soon as it is writable again; a CSV found torn or
of an older layout is rebuilt from the database.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Iterable, Sequence

from securex.core.domain import Record
from securex.records.appending import append_whole

log = logging.getLogger(__name__)
CSV_COLUMNS = ("id", "seq", "gate", "plate", "confidence", "detected_at", "source", "frame", "image_path",
               "image_sha256", "list_status", "listed_plate", "list_distance", "kind", "operator", "lane", "direction",
               "corrects")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def excel_safe(value: object) -> str:
    """A CSV cell Excel shows as text: cells it would run as a formula get a leading apostrophe."""
    text = "" if value is None else str(value)
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def from_excel_safe(text: str) -> str:
    """A cell as it was before `excel_safe`: the guard apostrophe in front of a formula character removed."""
    return text[1:] if text.startswith(GUARD) and text[1:].startswith(FORMULA_STARTS) else text


def replace_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write header and rows to a temporary file beside `path`, then put it in place in one step.

    UTF-8 with a byte-order mark, so Excel opens it as UTF-8. Raises OSError when it cannot.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(temporary, path)


def write_csv(path: Path, records: Iterable[Record], append: bool = False) -> int:
    """Write records as CSV rows (header first in a new file); a whole new file replaces the old at once."""
    rows = [[excel_safe(getattr(r, column)) for column in CSV_COLUMNS] for r in records]
    if append and path.exists() and path.stat().st_size > 0:
        text = io.StringIO(newline="")
        csv.writer(text).writerows(rows)
        append_whole(path, text.getvalue().encode("utf-8"))  # a full disk leaves no torn row
        return len(rows)
    replace_csv(path, CSV_COLUMNS, rows)
    return len(rows)


class CsvCopy:
    """The records CSV, kept up to date with the database (`all_records` reads every record of the gate)."""

    def __init__(self, path: Path, all_records: Callable[[], list[Record]]):
        self.path, self._all_records = path, all_records
        self._lock = threading.RLock()  # the catch-up thread adds rows too
        self._pending: list[Record] = self._rows_missing()

    @property
    def pending(self) -> int:
        """Rows in the database that the CSV has not taken yet."""
        return len(self._pending)

    def add(self, record: Record) -> None:
        with self._lock:
            self._pending.append(record)
            self.flush()

    def flush(self) -> bool:
        """Write the rows the CSV has not taken yet; False (rows kept) when the file is not writable."""
        with self._lock:
            if not self._pending:
                return True
            try:
                write_csv(self.path, self._pending, append=True)
            except OSError as exc:
                log.warning("CSV %s not writable (%s); %d row(s) kept and retried with the next record",
                            self.path, exc.strerror or exc, len(self._pending))
                return False
            self._pending.clear()
            return True

    def _rows_missing(self) -> list[Record]:
        """Database rows the CSV lacks (a crash, or a lock that outlived the last run): written next."""
        try:
            with open(self.path, newline="", encoding="utf-8-sig") as handle:
                text = handle.read()
        except FileNotFoundError:
            return self._all_records()
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("CSV %s could not be read (%s); it will be appended to as it is", self.path, exc)
            return []
        problem, last_id = _problem_and_last_id(text)
        if problem:
            log.warning("CSV %s has %s: rebuilt from the database", self.path, problem)
            try:
                write_csv(self.path, self._all_records())
            except OSError as exc:
                log.warning("CSV %s could not be rebuilt (%s): run `export` when it can", self.path,
                            exc.strerror or exc)
            return []
        return [r for r in self._all_records() if r.id > last_id]


def _problem_and_last_id(text: str) -> tuple[str, int]:
    """What is wrong with a records CSV's text ("" when nothing), and the last record id it holds."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames and tuple(reader.fieldnames) != CSV_COLUMNS:
            return "other columns (an older SecureX)", 0
        rows = list(reader)
    except csv.Error:
        return "rows that cannot be read", 0
    if (text and not text.endswith("\n")) or any(None in row or None in row.values() for row in rows):
        return "a torn row (a crash or a full disk while writing)", 0
    return "", max((int(r["id"]) for r in rows if (r.get("id") or "").isdigit()), default=0)
