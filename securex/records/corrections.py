"""Corrections: a record of kind CORRECTION gives an earlier record's plate as the rest of its visit read it.

A signed record is never changed. When the later, closer reads of a recorded car settle on another plate, that
plate is written as a record of its own, signed into the chain after the one it corrects and naming it by its
chain number (`corrects`: signed, so no edit can point a correction at another record). What counts vehicles
(who is on site, the report) takes each record as corrected; the CSV, the workbook and `search` show both rows.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from securex.core.domain import CORRECTION, Record


def corrected(record: Record, correction: Record) -> Record:
    """`record` as its correction says: the correction's plate and its standing on the lists."""
    return replace(record, plate=correction.plate, list_status=correction.list_status,
                   listed_plate=correction.listed_plate, list_distance=correction.list_distance)


def as_corrected(records: Iterable[Record]) -> list[Record]:
    """The records, in the order given, each corrected one as its correction says; the corrections left out."""
    records = list(records)
    corrections = {(r.gate, r.corrects): r for r in records if r.kind == CORRECTION}  # the last one of each stands
    return [corrected(r, corrections[r.gate, r.seq]) if (r.gate, r.seq) in corrections else r for r in records
            if r.kind != CORRECTION]
