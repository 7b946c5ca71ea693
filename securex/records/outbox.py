"""The event outbox: every event the gate tells other systems, kept in the database until each receiver has it.

An event is inserted in the same transaction as its record (or, for an event without a record, in one
of its own under the gate's writer lock), so a committed record always has its event and a crash
loses neither. Each receiver has a cursor per gate: the row number of the last event it confirmed.
Events are delivered oldest first, one receiver at a time, and the cursor moves on only after the
receiver confirmed, so delivery is at least once and in order; receivers de-duplicate by event id.
A receiver seen for the first time starts at the newest event: it is not sent the site's history.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Optional

from securex.core.domain import Event
from securex.records.db import Database
from securex.records.migrations import Execute

ERROR_CHARS = 300  # how much of a delivery error is kept


def event_json(event: Event) -> str:
    """The event as the receivers get it: one JSON object, keys in a fixed order."""
    return json.dumps(asdict(event), ensure_ascii=False, separators=(",", ":"))


def insert_event(execute: Execute, event: Event) -> None:
    """Add an event inside the caller's transaction (once: an event id already there is left alone)."""
    if not execute("SELECT 1 FROM events WHERE event_id = ?", (event.event_id,)):
        execute("INSERT INTO events (event_id, gate, kind, created_at, body) VALUES (?, ?, ?, ?, ?)",
                (event.event_id, event.gate, event.kind, event.at, event_json(event)))


@dataclass(frozen=True)
class Waiting:
    """An event not yet confirmed by a receiver."""

    row: int  # its place in the outbox (delivery order)
    receiver: str
    body: dict
    attempts: int  # failed deliveries of the oldest waiting event so far (0 for the others)
    last_error: str


class Outbox:
    """One gate's events and its receivers' cursors. Every method is one short database call."""

    def __init__(self, database: Database, gate: str):
        self._db, self.gate = database, gate

    def join(self, receiver: str) -> None:
        """Give a receiver its cursor (at the newest event) if it has none yet."""
        with self._db.writing(self.gate) as execute:
            if not execute("SELECT 1 FROM event_cursors WHERE gate = ? AND receiver = ?", (self.gate, receiver)):
                newest = execute("SELECT MAX(id) FROM events WHERE gate = ?", (self.gate,))[0][0] or 0
                execute("INSERT INTO event_cursors (gate, receiver, sent_upto, attempts, last_error) "
                        "VALUES (?, ?, ?, 0, '')", (self.gate, receiver, int(newest)))

    def waiting(self, receiver: str, limit: int = 50) -> list[Waiting]:
        """The receiver's next events, oldest first."""
        cursor = self._cursor(receiver)
        rows = self._db.query("SELECT id, body FROM events WHERE gate = ? AND id > ? ORDER BY id LIMIT ?",
                              (self.gate, cursor[0], limit))
        return [Waiting(int(row), receiver, json.loads(body), cursor[1] if n == 0 else 0, cursor[2] if n == 0 else "")
                for n, (row, body) in enumerate(rows)]

    def count_waiting(self, receiver: str) -> int:
        return int(self._db.query("SELECT COUNT(*) FROM events WHERE gate = ? AND id > ?",
                                  (self.gate, self._cursor(receiver)[0]))[0][0])

    def sent(self, receiver: str, row: int) -> None:
        """The receiver confirmed the event at `row` (and so every one before it)."""
        self._db.query("UPDATE event_cursors SET sent_upto = ?, attempts = 0, last_error = '' "
                       "WHERE gate = ? AND receiver = ?", (row, self.gate, receiver))

    def failed(self, receiver: str, error: str) -> int:
        """A delivery of the receiver's oldest waiting event failed; returns how many times it has so far."""
        self._db.query("UPDATE event_cursors SET attempts = attempts + 1, last_error = ? WHERE gate = ? "
                       "AND receiver = ?", (error[:ERROR_CHARS], self.gate, receiver))
        return self._cursor(receiver)[1]

    def _cursor(self, receiver: str) -> tuple[int, int, str]:
        rows = self._db.query("SELECT sent_upto, attempts, last_error FROM event_cursors WHERE gate = ? "
                              "AND receiver = ?", (self.gate, receiver))
        if not rows:
            raise LookupError(f"receiver {receiver} has not joined the outbox")
        return int(rows[0][0]), int(rows[0][1]), str(rows[0][2])


def listed_events(database: Database, gate: str, receivers: list[str], since: Optional[str] = None,
                  limit: int = 1000) -> list[tuple[dict, list[str], dict[str, str]]]:
    """The gate's events, newest last: (event, receivers still waiting for it, receiver: error of a failing
    delivery). `since` (ISO date) keeps the newer ones only."""
    cursors = {str(r): (int(s), int(a), str(e)) for r, s, a, e in database.query(
        "SELECT receiver, sent_upto, attempts, last_error FROM event_cursors WHERE gate = ?", (gate,))}
    rows = database.query("SELECT id, body FROM events WHERE gate = ? AND created_at >= ? ORDER BY id DESC LIMIT ?",
                          (gate, since or "", limit))
    listed = []
    for row, body in reversed(rows):
        waiting = [r for r in receivers if r in cursors and cursors[r][0] < row]
        failing = {r: cursors[r][2] for r in waiting
                   if cursors[r][1] and row == _first_waiting(database, gate, cursors[r][0])}
        listed.append((json.loads(body), waiting, failing))
    return listed


def _first_waiting(database: Database, gate: str, sent_upto: int) -> Optional[int]:
    rows = database.query("SELECT MIN(id) FROM events WHERE gate = ? AND id > ?", (gate, sent_upto))
    return int(rows[0][0]) if rows and rows[0][0] is not None else None
