"""`verify`: check every gate's record chain, its head log entry, and the plate images."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from securex.config.loader import resolve
from securex.records.chain import Anchor, HeadLog, verify_chain, verify_head, verify_images
from securex.records.db import Database
from securex.records.storage import fetch_records


@dataclass
class AuditResult:
    records: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def audit(database: Database, key: bytes, head_log: HeadLog, local_gate: str, root: Path) -> AuditResult:
    """All problems found. Images are checked where they live: every gate's on SQLite, this gate's on a
    shared PostgreSQL (other gates' images are on their own PCs)."""
    result = AuditResult()
    heads, result.problems = head_log.signed()
    anchors = {row[0]: Anchor(*row) for row in database.query("SELECT gate, seq, hash, mac FROM chain_anchor")}
    gates = sorted({row[0] for row in database.query("SELECT DISTINCT gate FROM plates")} | set(anchors))
    for gate in gates:
        records = fetch_records(database, "gate = ?", (gate,))
        result.records += len(records)
        result.problems += verify_chain(key, records, anchors.get(gate))
        if gate in heads:
            result.problems += verify_head(gate, records, heads[gate], anchors.get(gate))
        elif gate == local_gate and records:
            result.problems.append(f"gate {gate}: no entry in the head log {head_log.path} (deleted or replaced): "
                                   "deletion of the newest records cannot be ruled out")
        else:
            result.notes.append(f"gate {gate}: not in this PC's head log; check its newest records on that gate's PC")
        if database.kind == "sqlite" or gate == local_gate:
            result.problems += verify_images(records, lambda p: resolve(p, root))
    for gate in sorted(set(heads) - set(gates)):
        result.problems += verify_head(gate, [], heads[gate], None)
    return result
