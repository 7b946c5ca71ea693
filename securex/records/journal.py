"""The waiting journal: records the database could not take yet, kept on disk until it can.

One JSON line per record (its fields, before signing) is appended and fsynced before the gate
goes on, so a database outage, a crash or a power cut loses nothing. When the database is back
the lines are written in order, signed into the chain, and taken off the journal. A line torn by a
crash while it was appended is dropped at the next start (its record was never reported kept).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Optional

from securex.records.appending import append_whole

log = logging.getLogger(__name__)


class Journal:
    """A list of waiting records on disk; safe to use from the gate loop and the catch-up thread."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._entries = self._load()

    def _load(self) -> list[dict]:
        try:
            data = self.path.read_bytes()
            if data and not data.endswith(b"\n"):  # a crash while appending: that record was never reported kept
                os.truncate(self.path, data.rfind(b"\n") + 1)
                data = data[:data.rfind(b"\n") + 1]
                log.warning("Journal %s: a line torn by a crash was cut off", self.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.error("Journal %s cannot be read (%s): its waiting records are not written until it can",
                      self.path, exc.strerror or exc)
            return []
        entries = []
        for line in filter(bytes.strip, data.split(b"\n")):
            try:
                entries.append(json.loads(line))
            except ValueError:
                log.warning("Journal %s: a line torn by a crash was dropped", self.path)
        return entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def first(self) -> Optional[dict]:
        with self._lock:
            return self._entries[0] if self._entries else None

    def append(self, entry: dict) -> None:
        """Add a record at the end, on disk before returning; OSError (the record is not kept) otherwise."""
        with self._lock:
            append_whole(self.path, (json.dumps(entry, ensure_ascii=True) + "\n").encode("ascii"))
            self._entries.append(entry)

    def drop(self, entry: dict) -> None:
        """Take `entry` off (it is in the database now), if it is still the oldest."""
        with self._lock:
            if not self._entries or self._entries[0] is not entry:
                return
            remaining = self._entries[1:]
            temporary = self.path.with_name(self.path.name + ".tmp")
            with open(temporary, "w", encoding="ascii", newline="\n") as handle:
                handle.writelines(json.dumps(e, ensure_ascii=True) + "\n" for e in remaining)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            self._entries = remaining


CATCH_UP_FIRST_WAIT = 1.0  # seconds before the first retry after the database failed; doubles up to the cap
CATCH_UP_MAX_WAIT = 30.0


class CatchUp:
    """Writes the journal's records to the database in order, in a thread of its own, retrying with back-off,
    so the gate loop never waits for a database that is down."""

    def __init__(self, journal: Journal, write: Callable[[dict], None], reconnect: Callable[[], None]):
        self._journal, self._write, self._reconnect = journal, write, reconnect
        self._stop = threading.Event()
        self._writing = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Begin retrying (no-op while already at it)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="catch-up", daemon=True)
            self._thread.start()

    def write_waiting(self) -> bool:
        """Write every waiting record, oldest first; True when none is left, False when the database failed.
        One writer at a time (the catch-up thread, or the last attempt at close)."""
        with self._writing:
            return self._write_all()

    def _write_all(self) -> bool:
        while (entry := self._journal.first()) is not None:
            try:
                self._write(entry)
            except Exception as exc:  # still down, locked or full: the record stays in the journal
                log.debug("Database still unavailable: %s", exc)
                return False
            try:
                self._journal.drop(entry)
            except OSError as exc:  # it is in the database; the next attempt sees it there and drops it again
                log.warning("Journal %s not updated (%s)", self._journal.path, exc.strerror or exc)
                return False
        return True

    def _attempt(self) -> bool:
        """Reconnect and write what waits; True when nothing waits any more."""
        try:
            self._reconnect()
        except Exception as exc:
            log.debug("Database not reachable yet: %s", exc)
            return False
        return self.write_waiting()

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            if self._attempt():
                log.warning("Database back: every waiting record is written")
                return
            wait = min(max(wait * 2, CATCH_UP_FIRST_WAIT), CATCH_UP_MAX_WAIT)

    def finish(self) -> bool:
        """Stop retrying in the background and make one last attempt; True when nothing waits."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            if self._thread.is_alive():  # still writing (a slow database): what is left goes at the next start
                return False
        return self._attempt()
