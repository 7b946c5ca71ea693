"""Database backends: SQLite for one gate (the default) or PostgreSQL for many gates on one record.

Both hold the same tables and answer the same SQL (written with `?` placeholders). Writers take the
gate's lock for the length of a transaction so a gate's chain never forks, also across processes:
SQLite by BEGIN IMMEDIATE (one writer per file), PostgreSQL by a transaction advisory lock per gate.
"""

from __future__ import annotations

import math
import socket
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from securex.config.loader import POSTGRES_PREFIXES
from securex.core.errors import SecureXError
from securex.core.urls import hide_password, hide_passwords_in
from securex.records.migrations import Execute, upgrade

RECORD_COLUMNS = ("plate", "confidence", "detected_at", "source", "frame", "image_path", "gate", "image_sha256",
                  "list_status", "listed_plate", "list_distance", "kind", "operator", "lane",
                  "direction", "corrects", "seq", "prev_hash", "hash", "id")

SQLITE_NEEDED = (3, 24, 0)  # INSERT ... ON CONFLICT DO UPDATE (the prune anchor)
BUSY_TIMEOUT_MS = 30000  # how long a SQLite writer waits for another process's transaction
CONNECT_TIMEOUT = 10  # seconds a PostgreSQL connection attempt may take
SCHEMA_LOCK = 73_910_001  # PostgreSQL advisory lock id held while creating or upgrading the tables


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

    def _prepare(self, types: dict[str, str]) -> None:
        """Create or upgrade the tables, then check they hold a record chain (in the schema transaction)."""
        upgrade(self._run, types, self.label)
        try:
            self._run("SELECT " + ", ".join(RECORD_COLUMNS) + " FROM plates LIMIT 1", ())
        except Exception as exc:
            raise DatabaseError(f"The database {self.label} was made by an older SecureX (no record chain): "
                                f"move it aside and start again ({exc})") from None

    # implemented per backend
    label = ""

    def set_timeout(self, seconds: float) -> None:
        """From now on a statement that takes longer than `seconds` (a server that hangs, a network that went
        silent, a file another program keeps locked) fails with an error, as if the database were down."""
        raise NotImplementedError

    def reconnect(self) -> None:
        """Make the connection usable again after a failure (the server restarted, the disk has room again)."""
        with self._lock:
            self._reconnect()

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        raise NotImplementedError

    def _transaction(self, gate: str):
        raise NotImplementedError

    def _reconnect(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteDatabase(Database):
    kind = "sqlite"

    def __init__(self, path: Path):
        super().__init__()
        self.label = str(path)
        if sqlite3.sqlite_version_info < SQLITE_NEEDED:
            raise DatabaseError(f"SecureX needs SQLite {'.'.join(map(str, SQLITE_NEEDED))} or newer; this Python has "
                                f"{sqlite3.sqlite_version}: install a newer Python (3.10 or later from python.org)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute("PRAGMA journal_mode=WAL")  # a crash or kill keeps every committed row
            self._db.execute("PRAGMA synchronous=FULL")  # committed means on disk, also after a power cut
            with self._transaction(""):
                self._prepare({"id_column": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL"})
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"Cannot open the database at {path} ({exc}): check the folder exists and is "
                                "writable, or pass --db PATH") from None
        except SecureXError:
            self._db.close()
            raise

    def set_timeout(self, seconds: float) -> None:
        with self._lock:
            self._db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        return self._db.execute(sql, tuple(params)).fetchall()

    @contextmanager
    def _transaction(self, gate: str):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._reconnect()
            raise

    def _reconnect(self) -> None:
        """End a transaction left open by a failed write or commit (a full disk, an I/O error)."""
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite has rolled it back itself

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
        self._url = url
        self._timeout: Optional[float] = None  # no limit until set_timeout (start-up, the record commands)
        self._watch = threading.Lock()
        self._statement, self._cut_statement = 0, -1
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                self._prepare({"id_column": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                               "real": "DOUBLE PRECISION"})
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            reason = hide_passwords_in(reason, url)  # libpq may quote a part of the URL, e.g. a bad %-escape
            raise DatabaseError(f"Cannot use the PostgreSQL database {self.label} ({reason}): check "
                                "DATABASE_URL, the server and the password") from None
        except SecureXError:
            self._db.close()
            raise

    def set_timeout(self, seconds: float) -> None:
        self._timeout = seconds

    def _run(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self._deadline():
            cursor = self._db.execute(sql.replace("?", "%s"), tuple(params))
            return cursor.fetchall() if cursor.description else []

    @contextmanager
    def _transaction(self, gate: str):
        self._run("BEGIN", ())  # each statement of the transaction, and its commit, within the timeout
        try:
            self._run("SELECT pg_advisory_xact_lock(hashtext(?))", (gate,))
            yield
            self._run("COMMIT", ())
        except BaseException:
            if not self._db.broken and not self._db.closed:
                try:
                    self._run("ROLLBACK", ())
                except Exception:
                    pass  # the connection is broken now: the server rolls back
            raise

    @contextmanager
    def _deadline(self) -> Iterator[None]:
        """A statement past the timeout has its connection cut (the server may have stopped answering without
        closing it: TCP alone would wait for ever) and fails with DatabaseError."""
        if self._timeout is None:
            yield
            return
        with self._watch:
            self._statement += 1
            statement = self._statement
        timer = threading.Timer(self._timeout, self._cut, (statement,))
        timer.daemon = True
        timer.start()
        try:
            yield
        except Exception as exc:
            if self._cut_statement == statement:
                raise DatabaseError(f"the PostgreSQL database {self.label} did not answer within {self._timeout:g} s "
                                    "(DATABASE_TIMEOUT_SECONDS)") from exc
            raise
        finally:
            with self._watch:
                self._statement += 1  # finished: a timer firing now cuts nothing
            timer.cancel()

    def _cut(self, statement: int) -> None:
        with self._watch:
            if statement != self._statement:
                return
            self._cut_statement = statement
            try:
                connection = socket.socket(fileno=self._db.pgconn.socket)  # libpq's own socket, not a copy
            except Exception:  # already closed
                return
            try:
                connection.shutdown(socket.SHUT_RDWR)  # the waiting driver sees the connection end
            except OSError:
                pass
            finally:
                connection.detach()  # libpq closes it

    def _reconnect(self) -> None:
        """A new connection when the old one broke (the server restarted, the network dropped, it was cut)."""
        if not self._db.broken and not self._db.closed:
            return
        import psycopg

        self._db.close()
        timeout = CONNECT_TIMEOUT if self._timeout is None else max(2, math.ceil(self._timeout))
        self._db = psycopg.connect(self._url, autocommit=True, connect_timeout=timeout)

    def close(self) -> None:
        self._db.close()


def open_database(location: str) -> Database:
    """A `postgresql://...` URL, or the path of a SQLite file (resolved when the configuration was loaded)."""
    if location.startswith(POSTGRES_PREFIXES):
        return PostgresDatabase(location)
    return SqliteDatabase(Path(location))
