"""Records: the database (the source of truth), a CSV copy for Excel, and the plate crop images.

Order of work per record: the image is written (never over another file) and hashed, the row is
signed into the gate's chain and committed (so a crash or kill keeps every committed row), the
chain head is appended to the head log, then the row is appended to the CSV. While the database
cannot be written (server down, disk full, I/O error) records wait in the journal beside the head
log and are written, in order, as soon as it can (see journal.py). The CSV is only a view: rows it
could not take (Excel holds a lock on Windows, disk full) are kept and written as soon as the file
is writable again; a CSV left torn is rebuilt from the database; `export` rebuilds it at any time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from securex.config import StorageConfig
from securex.config.loader import resolve
from securex.core.domain import Record
from securex.core.errors import SecureXError
from securex.core.urls import hide_password
from securex.records.chain import GENESIS, Head, HeadLog, record_hash
from securex.records.csvfile import CsvCopy
from securex.records.db import RECORD_COLUMNS, Database, DatabaseError, open_database
from securex.records.journal import CatchUp, Journal
from securex.records.keys import KeyFileError, key_fingerprint, load_or_create_key, pin_key
from securex.records.migrations import Execute, SchemaError

log = logging.getLogger(__name__)
JPEG_QUALITY = 95
SELECT_RECORDS = "SELECT " + ", ".join(RECORD_COLUMNS) + " FROM plates"
JOURNAL_NAME = "waiting_records.jsonl"  # beside the head log: records waiting for the database
SIGNING_FIELDS = ("seq", "prev_hash", "hash", "id")  # given when a record is written to the database


class StorageError(SecureXError):
    """The record store cannot be opened or written; the message says what to do."""


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
    except (DatabaseError, SchemaError) as exc:
        raise StorageError(str(exc)) from None
    path = config.key_path
    may_create = create_key and count_records(database) == 0  # a new key for signed records would forge them all
    try:
        key = load_or_create_key(path, create=may_create)
        pin_key(database, key, path)
    except KeyFileError as exc:
        database.close()
        refused = create_key and not may_create and not path.exists()
        raise StorageError(f"{exc}. The database already holds signed records, so a new key would make them "
                           "all look forged" if refused else str(exc)) from None
    return database, key


def chain_end(execute: Execute, gate: str) -> tuple[int, str]:
    """A gate's last chain number and hash: its newest record, else its prune anchor, else the start."""
    rows = execute("SELECT seq, hash FROM plates WHERE gate = ? ORDER BY seq DESC LIMIT 1", (gate,))
    rows = rows or execute("SELECT seq, hash FROM chain_anchor WHERE gate = ?", (gate,))
    return (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)


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
        self.key_fingerprint = key_fingerprint(key)
        self.csv_path, self.images_dir, self._root = config.csv_path, config.images_dir, config.root
        try:
            self.images_dir.mkdir(parents=True, exist_ok=True)
            self.csv_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot create the folders for {self.images_dir} and {self.csv_path} "
                               f"({exc.strerror or exc})") from None
        self.csv = CsvCopy(self.csv_path, self.records)
        self._head = Head(self.gate, *chain_end(self.db.query, self.gate))
        self.journal = Journal(head_log.path.with_name(JOURNAL_NAME))
        self._catch_up = CatchUp(self.journal, self._write_waiting, self.db.reconnect)
        if len(self.journal):
            log.warning("%d record(s) from an earlier run wait in %s: writing them", len(self.journal),
                        self.journal.path)
            self._catch_up.start()

    @classmethod
    def open(cls, config: StorageConfig) -> "RecordStore":
        database, key = open_records(config, create_key=True)
        head_log = HeadLog(config.head_log_path, key)
        head_log.repair()
        end = chain_end(database.query, config.gate_name)[0]
        signed_end = max((seq for seq, _ in head_log.signed()[0].get(config.gate_name, [])), default=0)
        if end < signed_end:  # writing on would reuse the deleted records' chain numbers
            database.close()
            raise StorageError(f"Records were deleted: the database {database.label} ends at chain number {end} for "
                               f"gate {config.gate_name}, but the head log {head_log.path} signed records up to "
                               f"{signed_end}. Restore the database from a backup; `verify` lists what is missing")
        return cls(database, key, config, head_log)

    def save(self, plate: str, confidence: float, when: datetime, source: str, frame: int,
             image: Optional[np.ndarray], match: Optional[dict] = None) -> Record:
        """Store one record: committed (returned with its id), or, while the database cannot be written,
        waiting in the journal (returned without an id). StorageError when it can be kept nowhere.

        A source URL is stored without its password (signed records can never be cleaned afterwards).
        """
        image_path, digest = self._write_image(image, when) if image is not None else ("", "")
        record = Record(plate, round(float(confidence), 4), when.isoformat(timespec="milliseconds"),
                        hide_password(source), int(frame), image_path, self.gate, digest, **(match or {}))
        if not len(self.journal):  # records that wait go first: the chain keeps their order
            try:
                return self._commit(record)
            except Exception as exc:  # disk full, database locked too long, server gone: lose nothing
                log.error("The database cannot be written (%s): records wait in %s and are written when it can",
                          exc, self.journal.path)
        return self._wait(record)

    def _commit(self, record: Record) -> Record:
        """Sign the record into the chain and commit it; then the head log and the CSV."""
        with self.db.writing(self.gate) as execute:
            record.seq, record.prev_hash = chain_end(execute, self.gate)
            record.seq += 1
            record.hash = record_hash(self._key, record)
            columns = [c for c in RECORD_COLUMNS if c != "id"]
            rows = execute(f"INSERT INTO plates ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                           "RETURNING id", [getattr(record, c) for c in columns])
            record.id = int(rows[0][0])
        self._head = Head(self.gate, record.seq, record.hash)
        self.head_log.append(self._head, record.detected_at)
        self.csv.add(record)
        return record

    def _wait(self, record: Record) -> Record:
        entry = {k: v for k, v in asdict(record).items() if k not in SIGNING_FIELDS}
        try:
            self.journal.append(entry)
        except OSError as exc:
            self._remove_image(record.image_path)  # no photo without a record
            raise StorageError(f"Record for {record.plate} could not be written to the database nor kept in the "
                               f"journal {self.journal.path} ({exc.strerror or exc})") from None
        record.seq, record.prev_hash, record.hash, record.id = 0, "", "", None
        self._catch_up.start()
        return record

    def _write_waiting(self, entry: dict) -> None:
        """Write one journal record to the database (catch-up thread); one already there is not written twice."""
        record = Record(**entry)
        if not self.db.query("SELECT 1 FROM plates WHERE gate = ? AND detected_at = ? AND plate = ? AND frame = ? "
                             "AND image_sha256 = ?", (record.gate, record.detected_at, record.plate, record.frame,
                                                     record.image_sha256)):
            self._commit(record)
            log.info("Saved %s (%.0f%%) frame %d -> record %d, after waiting for the database", record.plate,
                     100 * record.confidence, record.frame, record.id)

    @property
    def waiting(self) -> int:
        """Records kept in the journal until the database can take them."""
        return len(self.journal)

    @property
    def head(self) -> Head:
        """The gate's chain head after the last record written (for the engineer figures and the summary)."""
        return self._head

    def records(self) -> list[Record]:
        return fetch_records(self.db, "gate = ?", (self.gate,))

    def unique_plates_since(self, since_iso: str) -> int:
        rows = self.db.query("SELECT COUNT(DISTINCT plate) FROM plates WHERE gate = ? AND detected_at >= ?",
                             (self.gate, since_iso))
        return int(rows[0][0])

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
                path.unlink(missing_ok=True)  # no empty or partial photo left behind
                log.error("Plate image %s could not be written (%s); record saved without an image", path, exc)
                return "", ""
        log.error("Too many images named %s_*.jpg; record saved without an image", stem)
        return "", ""

    def _remove_image(self, image_path: str) -> None:
        if image_path:
            try:
                resolve(image_path, self._root).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("Plate image %s could not be removed (%s)", image_path, exc.strerror or exc)

    def close(self) -> None:
        if len(self.journal) and not self._catch_up.finish():
            log.error("%d record(s) wait in %s for the database: they are written at the next start",
                      len(self.journal), self.journal.path)
        if not self.csv.flush():
            log.error("%d record(s) are in the database but not yet in %s: close the file in Excel and "
                      "run SecureX again (or: python main.py export)", self.csv.pending, self.csv_path)
        self.db.close()
