"""Records: the database (the source of truth), a CSV copy for Excel, and the plate crop images.

Order of work per record: the image is written (never over another file) and hashed, the row is
signed into the gate's chain and committed (so a crash or kill keeps every committed row), the
chain head is appended to the head log, then the row is appended to the CSV. The CSV is only a
view: rows it could not take (Excel holds a lock on Windows, disk full) are kept and written as
soon as the file is writable again, and `export` rebuilds it from the database at any time.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional

import cv2
import numpy as np

from securex.config import StorageConfig
from securex.core.domain import Record
from securex.core.errors import SecureXError
from securex.core.urls import hide_password
from securex.records.chain import GENESIS, Head, HeadLog, KeyFileError, load_or_create_key, record_hash
from securex.records.csvfile import excel_safe, replace_csv
from securex.records.db import RECORD_COLUMNS, Database, DatabaseError, open_database

log = logging.getLogger(__name__)
CSV_COLUMNS = ("id", "gate", "plate", "confidence", "detected_at", "source", "frame", "image_path", "image_sha256",
               "list_status", "listed_plate", "list_distance")
JPEG_QUALITY = 95
SELECT_RECORDS = "SELECT " + ", ".join(RECORD_COLUMNS) + " FROM plates"


class StorageError(SecureXError):
    """The record store cannot be opened or written; the message says what to do."""


def write_csv(path: Path, records: Iterable[Record], append: bool = False) -> int:
    """Write records as CSV rows (header first in a new file); a whole new file replaces the old at once."""
    rows = [[excel_safe(getattr(r, column)) for column in CSV_COLUMNS] for r in records]
    if append and path.exists() and path.stat().st_size > 0:
        with open(path, "a", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        return len(rows)
    replace_csv(path, CSV_COLUMNS, rows)
    return len(rows)


def stored_path(path: Path, root: Path) -> str:
    """Image paths are kept relative to the config file's folder when inside it, so the folder can be moved."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def open_records(config: StorageConfig, create_key: bool = False) -> tuple[Database, bytes]:
    """The configured database and signing key, or StorageError with one plain line."""
    try:
        database = open_database(config.database_url)
    except DatabaseError as exc:
        raise StorageError(str(exc)) from None
    path = config.key_path
    may_create = create_key and count_records(database) == 0  # a new key for signed records would forge them all
    try:
        return database, load_or_create_key(path, create=may_create)
    except KeyFileError as exc:
        database.close()
        refused = create_key and not may_create and not path.exists()
        raise StorageError(f"{exc}. The database already holds signed records, so a new key would make them "
                           "all look forged" if refused else str(exc)) from None


def count_records(database: Database) -> int:
    return int(database.query("SELECT COUNT(*) FROM plates")[0][0])


def fetch_records(database: Database, where: str = "", params: tuple = ()) -> list[Record]:
    """Records matching an SQL condition (with ? placeholders), in chain order per gate."""
    sql = SELECT_RECORDS + (f" WHERE {where}" if where else "") + " ORDER BY gate, seq"
    return [Record(*row) for row in database.query(sql, params)]


def date_range_condition(date_from: Optional[str], date_to: Optional[str]) -> tuple[str, tuple]:
    """SQL condition for records detected from the start of `date_from` to the end of `date_to` (YYYY-MM-DD)."""
    parts, params = [], []
    if date_from:
        parts.append("detected_at >= ?")
        params.append(date_from)
    if date_to:
        parts.append("detected_at < ?")
        params.append(date_to + "T99")  # sorts after every time of that day
    return " AND ".join(parts), tuple(params)


class RecordStore:
    """Writes one gate's records: image, signed database row, head log line, CSV row."""

    def __init__(self, database: Database, key: bytes, config: StorageConfig, head_log: HeadLog):
        self.db, self._key, self.gate, self.head_log = database, key, config.gate_name, head_log
        self.csv_path, self.images_dir, self._root = config.csv_path, config.images_dir, config.root
        try:
            self.images_dir.mkdir(parents=True, exist_ok=True)
            self.csv_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create the folders for {self.images_dir} and {self.csv_path} "
                               f"({exc.strerror or exc})") from None
        self._pending_csv: list[Record] = self._rows_missing_from_csv()

    @classmethod
    def open(cls, config: StorageConfig) -> "RecordStore":
        database, key = open_records(config, create_key=True)
        head_log = HeadLog(config.head_log_path, key)
        head_log.repair()
        return cls(database, key, config, head_log)

    def save(self, plate: str, confidence: float, when: datetime, source: str, frame: int,
             image: Optional[np.ndarray], match: Optional[dict] = None) -> Record:
        """Store one record; returns it with its id once committed. Raises StorageError when it cannot.

        A source URL is stored without its password (signed records can never be cleaned afterwards).
        """
        image_path, digest = self._write_image(image, when) if image is not None else ("", "")
        record = Record(plate, round(float(confidence), 4), when.isoformat(timespec="milliseconds"),
                        hide_password(source), int(frame), image_path, self.gate, digest, **(match or {}))
        try:
            with self.db.writing(self.gate) as execute:
                record.seq, record.prev_hash = self._chain_end(execute)
                record.seq += 1
                record.hash = record_hash(self._key, record)
                columns = [c for c in RECORD_COLUMNS if c != "id"]
                rows = execute(f"INSERT INTO plates ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                               "RETURNING id", [getattr(record, c) for c in columns])
                record.id = int(rows[0][0])
        except Exception as exc:  # disk full, database locked too long, server gone: say so, lose nothing
            raise StorageError(f"Record for {plate} could not be written to the database ({exc})") from None
        self.head_log.append(Head(self.gate, record.seq, record.hash), record.detected_at)
        self._pending_csv.append(record)
        self.flush_csv()
        return record

    def _chain_end(self, execute) -> tuple[int, str]:
        """The gate's last chain number and hash: its newest record, else its prune anchor, else the start."""
        rows = execute("SELECT seq, hash FROM plates WHERE gate = ? ORDER BY seq DESC LIMIT 1", (self.gate,))
        rows = rows or execute("SELECT seq, hash FROM chain_anchor WHERE gate = ?", (self.gate,))
        return (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)

    def head(self) -> Head:
        """The gate's chain head as it stands (for the dashboard and the summary)."""
        return Head(self.gate, *self._chain_end(self.db.query))

    def records(self) -> list[Record]:
        return fetch_records(self.db, "gate = ?", (self.gate,))

    def unique_plates_since(self, since_iso: str) -> int:
        rows = self.db.query("SELECT COUNT(DISTINCT plate) FROM plates WHERE gate = ? AND detected_at >= ?",
                             (self.gate, since_iso))
        return int(rows[0][0])

    def _rows_missing_from_csv(self) -> list[Record]:
        """Database rows the CSV lacks (a crash, or a lock that outlived the last run): written next."""
        last_id = 0
        try:
            with open(self.csv_path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                if reader.fieldnames and tuple(reader.fieldnames) != CSV_COLUMNS:
                    log.warning("CSV %s has other columns (an older SecureX): rebuilt from the database", self.csv_path)
                    handle.close()
                    write_csv(self.csv_path, self.records())
                    return []
                for row in reader:
                    if (row.get("id") or "").isdigit():
                        last_id = max(last_id, int(row["id"]))
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            log.warning("CSV %s could not be read (%s); it will be appended to as it is", self.csv_path, exc)
            return []
        return [r for r in self.records() if r.id > last_id]

    @property
    def pending_csv_rows(self) -> int:
        return len(self._pending_csv)

    def flush_csv(self) -> bool:
        """Write the rows the CSV has not taken yet; False (rows kept) when the file is not writable."""
        if not self._pending_csv:
            return True
        try:
            write_csv(self.csv_path, self._pending_csv, append=True)
        except OSError as exc:
            log.warning("CSV %s not writable (%s); %d row(s) kept and retried with the next record",
                        self.csv_path, exc.strerror or exc, len(self._pending_csv))
            return False
        self._pending_csv.clear()
        return True

    def _write_image(self, image: np.ndarray, when: datetime) -> tuple[str, str]:
        """Save the crop as plate_YYYYMMDD_HHMMSS[_n].jpg, never replacing a file; returns (path, SHA-256)."""
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            log.error("Plate image could not be encoded; record saved without an image")
            return "", ""
        data = encoded.tobytes()
        stem = when.strftime("plate_%Y%m%d_%H%M%S")
        for n in range(10000):
            path = self.images_dir / (f"{stem}.jpg" if n == 0 else f"{stem}_{n}.jpg")
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())  # on disk before the record that names it is committed
                return stored_path(path, self._root), hashlib.sha256(data).hexdigest()
            except FileExistsError:
                continue
            except OSError as exc:
                log.error("Plate image %s could not be written (%s); record saved without an image", path, exc)
                return "", ""
        log.error("Too many images named %s_*.jpg; record saved without an image", stem)
        return "", ""

    def close(self) -> None:
        if not self.flush_csv():
            log.error("%d record(s) are in the database but not yet in %s: close the file in Excel and "
                      "run SecureX again (or: python main.py export)", len(self._pending_csv), self.csv_path)
        self.db.close()
