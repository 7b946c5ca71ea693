"""Retention: remove records and images older than the kept period, without breaking `verify`.

Each gate's oldest records are removed as one unbroken run from the start of its chain, and the
last removed record's chain number and hash are kept, signed, as the gate's anchor: the remaining
chain is then checked from the anchor, so removing more (or other) old records is still caught.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from securex.config.loader import resolve
from securex.records.chain import anchor_mac
from securex.records.db import Database

log = logging.getLogger(__name__)


@dataclass
class Pruned:
    gate: str
    records: int
    images: int


def prune_before(database: Database, key: bytes, cutoff_iso: str, root: Path) -> list[Pruned]:
    """Remove every gate's records detected before `cutoff_iso` (a leading run of its chain) and their images."""
    results = []
    for (gate,) in database.query("SELECT DISTINCT gate FROM plates ORDER BY gate"):
        with database.writing(gate) as execute:
            rows = execute("SELECT seq, hash, detected_at, image_path FROM plates WHERE gate = ? ORDER BY seq",
                           (gate,))
            old = []
            for row in rows:
                if row[2] >= cutoff_iso:
                    break
                old.append(row)
            if not old:
                continue
            last_seq, last_hash = int(old[-1][0]), str(old[-1][1])
            execute("INSERT INTO chain_anchor (gate, seq, hash, mac) VALUES (?, ?, ?, ?) ON CONFLICT (gate) DO UPDATE "
                    "SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac",
                    (gate, last_seq, last_hash, anchor_mac(key, gate, last_seq, last_hash)))
            execute("DELETE FROM plates WHERE gate = ? AND seq <= ?", (gate, last_seq))
        images = sum(_remove(resolve(row[3], root)) for row in old if row[3])
        log.info("Pruned %d records of gate %s before %s", len(old), gate, cutoff_iso)
        results.append(Pruned(gate, len(old), images))
    return results


def _remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("Image %s could not be removed (%s)", path, exc.strerror or exc)
        return False
