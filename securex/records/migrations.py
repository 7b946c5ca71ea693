"""Schema versions: every database records its version, and opening one made by an older SecureX
upgrades it in place, in one transaction, with its chain untouched.

Version 0 is the first signed-chain schema (tables `plates` and `chain_anchor`; SecureX before
schema versions wrote no version at all). A new database is made the same way an old one is
upgraded: the version 0 tables, then every step in `MIGRATIONS` in order. To change the schema,
append a step numbered one higher, in SQL that both SQLite and PostgreSQL accept (`{real}` is the
floating-point type's name), and never edit a step that has shipped. tests/test_migrations.py
upgrades a database written by the old code (tests/fixtures/schema_v0) through every step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from securex.core.errors import SecureXError

log = logging.getLogger(__name__)
Execute = Callable[[str, Sequence[Any]], list[tuple]]

VERSION_0 = (
    """CREATE TABLE IF NOT EXISTS plates (
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
)""",
    "CREATE INDEX IF NOT EXISTS plates_detected_at ON plates (detected_at)",
    "CREATE INDEX IF NOT EXISTS plates_plate ON plates (plate)",
    "CREATE TABLE IF NOT EXISTS chain_anchor (gate TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL, "
    "mac TEXT NOT NULL)",
)


@dataclass(frozen=True)
class Migration:
    version: int  # the schema version this step makes (one above the one before it)
    change: str  # what it adds, for the log
    statements: tuple[str, ...]


MIGRATIONS = (
    Migration(1, "the signing key's fingerprint, pinned with the chain",
              ("CREATE TABLE chain_key (fingerprint TEXT NOT NULL)",)),
    Migration(2, "record kinds (the barrier opened by hand) and the event outbox",
              ("ALTER TABLE plates ADD COLUMN kind TEXT NOT NULL DEFAULT ''",
               "ALTER TABLE plates ADD COLUMN operator TEXT NOT NULL DEFAULT ''",
               "CREATE TABLE events (id {id_column}, event_id TEXT NOT NULL UNIQUE, gate TEXT NOT NULL, "
               "kind TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL)",
               "CREATE INDEX events_gate ON events (gate, id)",
               "CREATE TABLE event_cursors (gate TEXT NOT NULL, receiver TEXT NOT NULL, sent_upto BIGINT NOT NULL, "
               "attempts INTEGER NOT NULL, last_error TEXT NOT NULL, PRIMARY KEY (gate, receiver))")),
    Migration(3, "the lane and direction (in, out) of each record",
              ("ALTER TABLE plates ADD COLUMN lane TEXT NOT NULL DEFAULT ''",
               "ALTER TABLE plates ADD COLUMN direction TEXT NOT NULL DEFAULT ''")),
    Migration(4, "corrections: the record a correction corrects",
              ("ALTER TABLE plates ADD COLUMN corrects BIGINT",)),
)
LATEST = MIGRATIONS[-1].version


class SchemaError(SecureXError):
    """The database's schema cannot be used by this SecureX."""


def upgrade(execute: Execute, types: dict[str, str], label: str) -> int:
    """Bring the schema to LATEST inside the caller's transaction (holding the schema lock); returns the
    version found. `types` names the backend's id column and floating-point type."""
    for statement in VERSION_0:
        execute(statement.format(**types), ())
    execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", ())
    rows = execute("SELECT version FROM schema_version", ())
    if not rows:
        execute("INSERT INTO schema_version (version) VALUES (0)", ())
    found = int(rows[0][0]) if rows else 0
    if found > LATEST:
        raise SchemaError(f"The database {label} was made by a newer SecureX (schema version {found}, this one "
                          f"knows up to {LATEST}): install that version or newer")
    for step in MIGRATIONS[found:]:
        for statement in step.statements:
            execute(statement.format(**types), ())
        execute("UPDATE schema_version SET version = ?", (step.version,))
        log.info("Database %s upgraded to schema version %d: %s", label, step.version, step.change)
    return found
