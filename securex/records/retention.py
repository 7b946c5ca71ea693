"""Retention: remove records and images older than the kept period, without breaking `verify`.

Each gate's oldest records are removed as one unbroken run from the start of its chain, and the
last removed record's chain number and hash are kept, signed, as the gate's anchor: the remaining
chain is then checked from the anchor, so removing more (or other) old records is still caught.
A record's photo is removed only when it is inside the images folder and still the photo the record
was signed with (its SHA-256 matches): an edited path never deletes another file.

Events in the outbox go too once they are older than the kept period, every receiver with a cursor at
their gate has confirmed them, and the chain head they carry is at or before the gate's anchor: an
undelivered event is never removed, and `verify --witness` knows a witnessed event missing at or
before the anchor as pruned.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from securex.config.loader import resolve
from securex.records.chain import anchor_mac, file_sha256
from securex.records.db import Database
from securex.records.migrations import Execute

log = logging.getLogger(__name__)


@dataclass
class Pruned:
    gate: str
    records: int
    images: int  # photos removed (or, for a dry run, that would be)
    left: int  # image paths left alone: outside the images folder, missing, or not the record's photo
    events: int = 0  # delivered events removed from the outbox (or, for a dry run, that would be)


def prune_before(database: Database, key: bytes, cutoff_iso: str, images_dir: Path, root: Path,
                 dry_run: bool = False) -> list[Pruned]:
    """Remove every gate's records detected before `cutoff_iso` (a leading run of its chain) and their photos;
    with `dry_run`, only count what would be removed."""
    results = []
    gates = {g for (g,) in database.query("SELECT DISTINCT gate FROM plates")}
    gates |= {g for (g,) in database.query("SELECT gate FROM chain_anchor")}  # all its records pruned before
    for gate in sorted(gates):
        with database.writing(gate) as execute:
            rows = execute("SELECT seq, hash, detected_at, image_path, image_sha256 FROM plates WHERE gate = ? "
                           "ORDER BY seq", (gate,))
            old = []
            for row in rows:
                if row[2] >= cutoff_iso:
                    break
                old.append(row)
            anchored = execute("SELECT seq FROM chain_anchor WHERE gate = ?", (gate,))
            events = delivered_events_before(execute, gate, cutoff_iso, int(old[-1][0]) if old else
                                             int(anchored[0][0]) if anchored else 0)
            if not old and not events:
                continue
            named = [(resolve(row[3], root), row[4]) for row in old if row[3]]
            photos = [path for path, digest in named if _is_photo(path, digest, images_dir)]
            if not dry_run and old:
                last_seq, last_hash = int(old[-1][0]), str(old[-1][1])
                execute("INSERT INTO chain_anchor (gate, seq, hash, mac) VALUES (?, ?, ?, ?) ON CONFLICT (gate) "
                        "DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
                        (gate, last_seq, last_hash, anchor_mac(key, gate, last_seq, last_hash)))
                execute("DELETE FROM plates WHERE gate = ? AND seq <= ?", (gate, last_seq))
            if not dry_run:
                _delete_events(execute, events)
        if not dry_run:
            photos = [path for path in photos if _remove(path)]
            log.info("Pruned %d records and %d events of gate %s before %s", len(old), len(events), gate, cutoff_iso)
        results.append(Pruned(gate, len(old), len(photos), len(named) - len(photos), len(events)))
    return results


def delivered_events_before(execute: Execute, gate: str, cutoff_iso: str, anchor_seq: int) -> list[int]:
    """Rows of the gate's events made before `cutoff_iso` that every receiver with a cursor at the gate has
    confirmed and whose chain head is at or before `anchor_seq` (the gate's pruned chain start)."""
    if anchor_seq <= 0:
        return []
    confirmed = execute("SELECT MIN(sent_upto) FROM event_cursors WHERE gate = ?", (gate,))[0][0]
    rows = execute("SELECT id, body FROM events WHERE gate = ? AND created_at < ? AND id <= ? ORDER BY id",
                   (gate, cutoff_iso, int(confirmed) if confirmed is not None else 2**62))
    return [int(row) for row, body in rows if int(json.loads(body).get("chain_seq") or 0) <= anchor_seq]


def _delete_events(execute: Execute, rows: Sequence[int], batch: int = 500) -> None:
    for start in range(0, len(rows), batch):
        part = rows[start:start + batch]
        execute(f"DELETE FROM events WHERE id IN ({', '.join('?' * len(part))})", tuple(part))


def _is_photo(path: Path, digest: str, images_dir: Path) -> bool:
    """The file is in the images folder and has the bytes the record was signed with."""
    return path.resolve().is_relative_to(images_dir.resolve()) and file_sha256(path) == digest


def _remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("Image %s could not be removed (%s)", path, exc.strerror or exc)
        return False
