"""Database backends: SQLite for one gate (the default) or PostgreSQL for many gates on one record.

Both hold the same tables and answer the same SQL (written with `?` placeholders). Writers take the
gate's lock for the length of a transaction so a gate's chain never forks, also across processes:
SQLite by BEGIN IMMEDIATE (one writer per file), PostgreSQL by a transaction advisory lock per gate.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from securex.core.errors import SecureXError
from securex.core.urls import hide_password, hide_passwords_in

RECORD_COLUMNS = ("plate", "confidence", "detected_at", "source", "frame", "image_path", "gate", "image_sha256",
                  "list_status", "listed_plate", "list_distance", "seq", "prev_hash", "hash", "id")
from securex.config.loader import POSTGRES_PREFIXES  # noqa: E402

BUSY_TIMEOUT_MS = 30000  # how long a SQLite writer waits for another process's transaction
SCHEMA_LOCK = 73_910_001  # PostgreSQL advisory lock id held while creating the tables
_TABLES = """
CREATE TABLE IF NOT EXISTS plates (
    id {id_column},
    gate TEXT NOT NULL,
    seq BIGINT NOT NULL,
    plate TEXT NOT NULL,
    confidence {real} NOT NULL,
    detected_at TEXT NOT NULL,
    source TEXT NOT NULL,
    frame BIGINT NOT NULL,
    image_path TEXT NOT NULL,
    image_sha256 TEXT NOT NULL,
    list_status TEXT NOT NULL,
    listed_plate TEXT NOT NULL,
    list_distance INTEGER,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (gate, seq)
);
CREATE INDEX IF NOT EXISTS plates_detected_at ON plates (detected_at);
CREATE INDEX IF NOT EXISTS plates_plate ON plates (plate);
CREATE TABLE IF NOT EXISTS chain_anchor (
    gate TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    mac TEXT NOT NULL
);
"""

Execute = Callable[[str, Sequence[Any]], list[tuple]]


class DatabaseError(SecureXError):
    """The database cannot be opened or used; the message is one plain line."""


class Database:
    """One connection, shared by the threads of one process (calls are serialised)."""

    kind = ""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._run(sql, params)

    @contextmanager
    def writing(self, gate: str) -> Iterator[Execute]:
        """A transaction holding the gate's writer lock; committed on leaving, rolled back on an error."""
        with self._lock:
            with self._transaction(gate):
                yield self._run

    def _check_schema(self) -> None:
        try:
            self._run("SELECT " + ", ".join(RECORD_COLUMNS) + " FROM plates LIMIT 1", ())
        except Exception as exc:
            raise DatabaseError(f"The database {self.label} was made by an older SecureX (no record chain): "
                                f"move it aside and start again ({exc})") from None

    # implemented per backend
    label = ""

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        raise NotImplementedError

    def _transaction(self, gate: str):
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteDatabase(Database):
    kind = "sqlite"

    def __init__(self, path: Path):
        super().__init__()
        self.label = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute("PRAGMA journal_mode=WAL")  # a crash or kill keeps every committed row
            self._db.execute("PRAGMA synchronous=FULL")  # committed means on disk, also after a power cut
            self._db.executescript(_TABLES.format(id_column="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL"))
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"Cannot open the database at {path} ({exc}): check the folder exists and is "
                                "writable, or pass --db PATH") from None
        self._check_schema()

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self._db.execute(sql, tuple(params)).fetchall()

    @contextmanager
    def _transaction(self, gate: str):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


class PostgresDatabase(Database):
    kind = "postgresql"

    def __init__(self, url: str):
        super().__init__()
        self.label = hide_password(url)
        try:
            import psycopg
        except ImportError:
            raise DatabaseError("PostgreSQL needs the psycopg package: run the setup again "
                                "(pip install -r requirements.txt)") from None
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                for statement in _TABLES.format(id_column="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                                                real="DOUBLE PRECISION").split(";"):
                    if statement.strip():
                        self._db.execute(statement)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            reason = hide_passwords_in(reason, url)  # libpq may quote a part of the URL, e.g. a bad %-escape
            raise DatabaseError(f"Cannot use the PostgreSQL database {self.label} ({reason}): check "
                                "DATABASE_URL, the server and the password") from None
        self._check_schema()

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        cursor = self._db.execute(sql.replace("?", "%s"), tuple(params))
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def _transaction(self, gate: str):
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (gate,))
            yield

    def close(self) -> None:
        self._db.close()


def open_database(location: str) -> Database:
    """A `postgresql://...` URL, or the path of a SQLite file (resolved when the configuration was loaded)."""
    if location.startswith(POSTGRES_PREFIXES):
        return PostgresDatabase(location)
    return SqliteDatabase(Path(location))
