"""`verify --witness FILE`: the events a receiver saved, checked against the database.

Every event carries its gate's chain head (chain number and hash) as it was when the event was sent,
so each receiver holds an outside copy of the chain's progress that nobody at the gate can change.
A record deleted, replaced or re-signed after its event went out, or an event removed or edited in the
outbox, no longer fits what the receiver saw. The file holds one event per line, as JSON (the MQTT
payloads or webhook bodies, as received).
"""

from __future__ import annotations

import json
from pathlib import Path

from securex.records.db import Database

COMPARED = ("kind", "gate", "lane", "at", "plate", "list_status", "record_id", "chain_seq", "chain_hash", "corrects",
            "corrected_plate", "announced")


def read_witness(path: Path) -> tuple[list[dict], list[str]]:
    """The events in the file, and a problem per line that is no event. OSError when it cannot be read."""
    events, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            if not isinstance(event, dict) or not event.get("event_id"):
                raise ValueError
        except ValueError:
            problems.append(f"witness line {number}: not an event (one JSON event per line expected)")
            continue
        events.append(event)
    return events, problems


def check_witness(database: Database, events: list[dict]) -> list[str]:
    """Problems: witnessed events missing or changed in the outbox, chain heads the records no longer fit."""
    problems = []
    anchors = {g: (int(s), str(h)) for g, s, h in database.query("SELECT gate, seq, hash FROM chain_anchor")}
    for event in {e["event_id"]: e for e in events}.values():  # a receiver may have got one twice
        what = f"event {event['event_id']} ({event.get('kind')} {event.get('plate') or ''} at {event.get('at')})"
        rows = database.query("SELECT body FROM events WHERE event_id = ?", (event["event_id"],))
        if not rows and 0 < anchors.get(str(event.get("gate")), (0, ""))[0] >= int(event.get("chain_seq") or 0):
            continue  # pruned with the records up to the gate's anchor (retention.py)
        if not rows:
            problems.append(f"{what}: not in the database (deleted)")
        else:
            stored = json.loads(rows[0][0])
            changed = [k for k in COMPARED if stored.get(k) != event.get(k)]
            if changed:
                problems.append(f"{what}: changed in the database ({', '.join(changed)})")
        problems += _head_problems(database, anchors, what, str(event.get("gate")), int(event.get("chain_seq") or 0),
                                   str(event.get("chain_hash") or ""))
    return problems


def _head_problems(database: Database, anchors: dict, what: str, gate: str, seq: int, digest: str) -> list[str]:
    if seq <= 0:
        return []
    anchor_seq, anchor_hash = anchors.get(gate, (0, ""))
    if seq < anchor_seq:
        return []  # pruned since
    if seq == anchor_seq:
        return [] if anchor_hash == digest else [f"{what}: the prune anchor of gate {gate} does not fit it"]
    rows = database.query("SELECT hash FROM plates WHERE gate = ? AND seq = ?", (gate, seq))
    if not rows:
        return [f"{what}: gate {gate}'s record with chain number {seq} is gone (deleted)"]
    if rows[0][0] != digest:
        return [f"{what}: gate {gate}'s record with chain number {seq} is not the one the receiver saw "
                "(replaced or re-signed)"]
    return []
