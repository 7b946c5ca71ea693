"""Tamper evidence: every record is chained to the one before it with a keyed hash (HMAC-SHA256).

Each gate keeps its own chain: record `seq` n stores the hash of record n-1 (`prev_hash`) and
`hash = HMAC(key, fields of n + prev_hash)`. The key lives in a file outside the database, so a
row edited, inserted or deleted in the database no longer fits the chain. Deleting the newest rows
leaves a shorter chain that is still consistent, so the chain head (count and last hash) is also
appended to a separate head log after each record and shown on screen: `verify` compares the two.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from securex.core.domain import Record
from securex.records.appending import append_whole

log = logging.getLogger(__name__)
GENESIS = "0" * 64  # prev_hash of a gate's first record


def record_hash(key: bytes, record: Record) -> str:
    """HMAC-SHA256 over the record's fields and the previous record's hash (the id is the database's own).

    A record's kind and operator (schema version 2) are signed when set, and so are its lane and direction
    (version 3) and the record a correction corrects (version 4), each with the fields of the versions before
    it, so no value can move to another column unnoticed; a record without them is signed as before, so
    records written by an older SecureX keep verifying.
    """
    fields = [record.gate, record.seq, record.plate, record.confidence, record.detected_at, record.source,
              record.frame, record.image_path, record.image_sha256, record.list_status, record.listed_plate,
              record.list_distance, record.prev_hash]
    corrects = record.corrects is not None
    if record.kind or record.operator or record.lane or record.direction or corrects:
        fields += [record.kind, record.operator]
    if record.lane or record.direction or corrects:
        fields += [record.lane, record.direction]
    if corrects:
        fields.append(record.corrects)
    message = json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def file_sha256(path: Path) -> Optional[str]:
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


# --- the head log -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Head:
    gate: str
    seq: int
    hash: str


def _head_mac(key: bytes, gate: str, seq: int, last_hash: str) -> str:
    return hmac.new(key, f"head|{gate}|{seq}|{last_hash}".encode("utf-8"), hashlib.sha256).hexdigest()


class HeadLog:
    """Append-only file of chain heads, one JSON line per record written (each line signed)."""

    def __init__(self, path: Path, key: bytes):
        self.path, self._key = path, key

    def append(self, head: Head, when: str) -> None:
        line = json.dumps({"at": when, "gate": head.gate, "seq": head.seq, "hash": head.hash,
                           "mac": _head_mac(self._key, head.gate, head.seq, head.hash)}) + "\n"
        try:
            append_whole(self.path, line.encode("utf-8"))
        except OSError as exc:
            log.error("Head log %s not written (%s): deletion of the newest records cannot be proven",
                      self.path, exc.strerror or exc)

    def repair(self) -> None:
        """Cut off a last line left incomplete by a crash or power cut, so the next line starts clean."""
        try:
            with open(self.path, "rb+") as handle:
                data = handle.read()
                if not data or data.endswith(b"\n"):
                    return
                handle.truncate(data.rfind(b"\n") + 1)
        except FileNotFoundError:
            return
        except OSError as exc:
            log.error("Head log %s cannot be repaired (%s)", self.path, exc.strerror or exc)
            return
        log.warning("Head log %s: an incomplete last line (a crash while writing) was removed", self.path)

    def signed(self) -> tuple[dict[str, list[tuple[int, str]]], list[str]]:
        """Every signed head per gate (chain number, hash) in log order, and the problems in the log itself."""
        heads: dict[str, list[tuple[int, str]]] = {}
        problems: list[str] = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return heads, problems
        for number, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
                head = Head(str(item["gate"]), int(item["seq"]), str(item["hash"]))
                mac = str(item["mac"])
            except (ValueError, KeyError, TypeError):
                if number < len(lines):  # a torn last line is a crash mid-write, not tampering
                    problems.append(f"head log line {number}: unreadable (edited)")
                continue
            if not hmac.compare_digest(mac, _head_mac(self._key, head.gate, head.seq, head.hash)):
                problems.append(f"head log line {number}: signature does not match (edited)")
                continue
            heads.setdefault(head.gate, []).append((head.seq, head.hash))
        return heads, problems


# --- verification ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Anchor:
    """Where a gate's chain starts after old records were pruned: the last pruned record's seq and hash."""

    gate: str
    seq: int
    hash: str
    mac: str


def anchor_mac(key: bytes, gate: str, seq: int, last_hash: str) -> str:
    return hmac.new(key, f"anchor|{gate}|{seq}|{last_hash}".encode("utf-8"), hashlib.sha256).hexdigest()


def verify_chain(key: bytes, records: list[Record], anchor: Optional[Anchor]) -> list[str]:
    """Problems in one gate's chain (records in seq order): edited, inserted and deleted records."""
    problems = []
    seq, prev = 0, GENESIS
    if anchor is not None:
        if hmac.compare_digest(anchor.mac, anchor_mac(key, anchor.gate, anchor.seq, anchor.hash)):
            seq, prev = anchor.seq, anchor.hash
        else:
            problems.append(f"gate {anchor.gate}: prune anchor signature does not match (edited)")
    for i, record in enumerate(records):
        valid = hmac.compare_digest(record.hash, record_hash(key, record))
        if not valid:
            following = records[i + 1] if i + 1 < len(records) else None
            if following is not None and following.prev_hash == prev:
                problems.append(f"record {record.id}: inserted (not part of the chain)")
                continue
            problems.append(f"record {record.id}: edited (its signature does not match its fields)")
        elif record.seq != seq + 1:
            missing = record.seq - seq - 1
            what = f"{missing} record(s) deleted before it" if missing > 0 else "out of order"
            problems.append(f"record {record.id}: {what} (chain number {seq} then {record.seq})")
        elif record.prev_hash != prev:
            problems.append(f"record {record.id}: the record before it was altered (chain link broken)")
        seq, prev = record.seq, record.hash
    return problems


def verify_head(gate: str, records: list[Record], signed: list[tuple[int, str]],
                anchor: Optional[Anchor]) -> list[str]:
    """Every head-log line of a gate against its record: a chain number the log signed must be in the
    database with that hash, whatever was written after it (records before a prune anchor are gone)."""
    start = anchor.seq if anchor else 0
    last_seq = records[-1].seq if records else start
    known = {anchor.seq: (anchor.hash, f"gate {gate}: prune anchor")} if anchor else {}
    known.update({record.seq: (record.hash, f"record {record.id}") for record in records})
    missing, replaced = set(), set()
    for seq, digest in signed:
        if seq < start:
            continue  # pruned
        if seq not in known:
            missing.add(seq)
        elif known[seq][0] != digest:
            replaced.add(seq)
    problems = [f"{known[seq][1]}: chain number {seq} does not match the head log (the record signed with that "
                "number was deleted or replaced)" for seq in sorted(replaced)]
    missing = sorted(missing)
    if missing and missing[0] > last_seq:
        problems.append(f"gate {gate}: newest record(s) deleted (head log: {missing[-1]} records, database ends "
                        f"at chain number {last_seq})")
    elif missing:
        problems.append(f"gate {gate}: {len(missing)} record(s) in the head log are missing from the database "
                        f"(chain numbers {number_ranges(missing)})")
    return problems


def number_ranges(numbers: list[int]) -> str:
    """Sorted numbers as runs: [3, 4, 5, 9] -> "3-5, 9"."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def verify_images(records: Iterable[Record], resolve) -> list[str]:
    problems = []
    for record in records:
        if not record.image_path:
            continue
        digest = file_sha256(resolve(record.image_path))
        if digest is None:
            problems.append(f"record {record.id}: image missing ({record.image_path})")
        elif digest != record.image_sha256:
            problems.append(f"record {record.id}: image changed ({record.image_path})")
    return problems
