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

import logging
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Optional

import numpy as np

from securex.config import StorageConfig
from securex.core.domain import CORRECTION, Event, Record
from securex.core.errors import SecureXError
from securex.core.urls import hide_password
from securex.records.chain import GENESIS, Head, HeadLog, record_hash
from securex.records.csvfile import CsvCopy
from securex.records.db import RECORD_COLUMNS, Database, DatabaseError, open_database
from securex.records.journal import CatchUp, Journal
from securex.records.keys import KeyFileError, key_fingerprint, load_or_create_key, pin_key
from securex.records.migrations import Execute, SchemaError
from securex.records.outbox import insert_event
from securex.records.photos import PhotoFolder

log = logging.getLogger(__name__)
SELECT_RECORDS = "SELECT " + ", ".join(RECORD_COLUMNS) + " FROM plates"
JOURNAL_NAME = "waiting_records.jsonl"  # beside the head log: records waiting for the database
SIGNING_FIELDS = ("seq", "prev_hash", "hash", "id")  # given when a record is written to the database


class StorageError(SecureXError):
    """The record store cannot be opened or written; the message says what to do."""


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


def unique_plates_since(database: Database, gate: str, since_iso: str) -> int:
    """The gate's plates recorded since `since_iso`, each once (corrections not counted: their car is)."""
    rows = database.query("SELECT COUNT(DISTINCT plate) FROM plates WHERE gate = ? AND detected_at >= ? AND kind != ?",
                          (gate, since_iso, CORRECTION))
    return int(rows[0][0])


def fetch_records(database: Database, where: str = "", params: tuple = ()) -> list[Record]:
    """Records matching an SQL condition (with ? placeholders), in chain order per gate."""
    sql = SELECT_RECORDS + (f" WHERE {where}" if where else "") + " ORDER BY gate, seq"
    return [Record(*row) for row in database.query(sql, params)]


MOVEMENT = f"gate = ? AND kind IN ('', '{CORRECTION}') AND direction IN ('in', 'out')"  # entries, exits, corrections


def fetch_movements(database: Database, gate: str, date_to: Optional[str] = None) -> list[Record]:
    """The gate's entries and exits and their corrections only (up to the end of `date_to`), in time order: all
    that who is on site needs. Records of other gates, without a direction (a lane that records none, records
    made before lanes) or of the barrier opened by hand are left in the database."""
    where, params = MOVEMENT, (gate,)
    if date_to:
        where, params = f"{where} AND detected_at < ?", (gate, date_to + "T99")
    return [Record(*row) for row in database.query(f"{SELECT_RECORDS} WHERE {where} ORDER BY detected_at, seq",
                                                   params)]


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
        self.csv_path, self.images_dir = config.csv_path, config.images_dir
        self._photos = PhotoFolder(config.images_dir, config.root)
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
        database.set_timeout(config.database_timeout)  # a database that hangs is treated as one that is down
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
             image: Optional[np.ndarray], match: Optional[dict] = None, event: Optional[Event] = None,
             kind: str = "", operator: str = "", lane: str = "", direction: str = "",
             corrects: Optional[int] = None) -> Record:
        """Store one record, and its event in the same transaction: committed (returned with its id), or,
        while the database cannot be written, waiting in the journal (returned without an id). StorageError
        when it can be kept nowhere.

        A source URL is stored without its password (signed records can never be cleaned afterwards).
        """
        image_path, digest = self._photos.write(image, when) if image is not None else ("", "")
        record = Record(plate, round(float(confidence), 4), when.isoformat(timespec="milliseconds"),
                        hide_password(source), int(frame), image_path, self.gate, digest, **(match or {}),
                        kind=kind, operator=operator, lane=lane, direction=direction, corrects=corrects)
        return self._keep(record, event)

    def add_event(self, event: Event) -> None:
        """Store an event without a record (a camera outage, a plate not saved); StorageError if kept nowhere."""
        self._keep(None, event)

    def _keep(self, record: Optional[Record], event: Optional[Event]) -> Optional[Record]:
        if not len(self.journal):  # what waits goes first: the chain and the events keep their order
            try:
                return self._commit(record, event)
            except Exception as exc:  # disk full, database locked too long, server gone: lose nothing
                log.error("The database cannot be written (%s): records wait in %s and are written when it can",
                          exc, self.journal.path)
        return self._wait(record, event)

    def _commit(self, record: Optional[Record], event: Optional[Event]) -> Optional[Record]:
        """Sign the record into its gate's chain and commit it with its event; then the head log and the CSV.
        A record that waited in the journal keeps the gate it was made at, also if GATE_NAME changed since."""
        gate = record.gate if record is not None else self.gate
        with self.db.writing(gate) as execute:
            seq, last_hash = chain_end(execute, gate)
            if record is not None:
                record.seq, record.prev_hash = seq + 1, last_hash
                record.hash = record_hash(self._key, record)
                columns = [c for c in RECORD_COLUMNS if c != "id"]
                execute(f"INSERT INTO plates ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [getattr(record, c) for c in columns])  # no RETURNING: SQLite before 3.35 has none
                record.id = int(execute("SELECT id FROM plates WHERE gate = ? AND seq = ?", (gate, record.seq))[0][0])
                seq, last_hash = record.seq, record.hash
            if event is not None:
                insert_event(execute, replace(event, chain_seq=seq, chain_hash=last_hash, **(
                    {"record_id": record.id, "image": Path(record.image_path).name if record.image_path else ""}
                    if record is not None else {})))
        if record is not None:
            head = Head(gate, record.seq, record.hash)
            self._head = head if gate == self.gate else self._head
            self.head_log.append(head, record.detected_at)
            self.csv.add(record)
        return record

    def _wait(self, record: Optional[Record], event: Optional[Event]) -> Optional[Record]:
        entry = {k: v for k, v in asdict(record).items() if k not in SIGNING_FIELDS} if record is not None else {}
        if event is not None:
            entry["event"] = asdict(event)
        try:
            self.journal.append(entry)
        except OSError as exc:
            if record is None:
                raise StorageError(f"Event {event.kind} could not be written to the database nor kept in the "
                                   f"journal {self.journal.path} ({exc.strerror or exc})") from None
            self._photos.remove(record.image_path)  # no photo without a record
            raise StorageError(f"Record for {record.plate} could not be written to the database nor kept in the "
                               f"journal {self.journal.path} ({exc.strerror or exc})") from None
        if record is not None:
            record.seq, record.prev_hash, record.hash, record.id = 0, "", "", None
        self._catch_up.start()
        return record

    def _write_waiting(self, entry: dict) -> None:
        """Write one journal entry to the database (catch-up thread); one already there is not written twice."""
        entry = dict(entry)
        event = Event(**entry.pop("event")) if "event" in entry else None
        if not entry:
            self._commit(None, event)
            return
        record = Record(**entry)
        if not self.db.query("SELECT 1 FROM plates WHERE gate = ? AND detected_at = ? AND plate = ? AND frame = ? "
                             "AND image_sha256 = ?", (record.gate, record.detected_at, record.plate, record.frame,
                                                     record.image_sha256)):
            self._commit(record, event)
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

    def close(self) -> None:
        if len(self.journal) and not self._catch_up.finish():
            log.error("%d record(s) wait in %s for the database: they are written at the next start",
                      len(self.journal), self.journal.path)
        if not self.csv.flush():
            log.error("%d record(s) are in the database but not yet in %s: close the file in Excel and "
                      "run SecureX again (or: python main.py export)", self.csv.pending, self.csv_path)
        self.db.close()
