"""Who is on site: each entry matched with its exit. Plain code over records, so tests check it with plain lists.

An exit closes the oldest open entry of the same plate: the same text, else one within one edit with the
characters OCR confuses counted as equal (core/plate_text), so a car read KA01AB12 going in and KA0IAB12
going out is one stay. An exit with no entry (a car in before the records began) closes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from securex.core.domain import IN, OUT, Record
from securex.core.plate_text import edit_distance, fold_digit_lookalikes

EXIT_MATCH_EDITS = 1  # an exit read this many edits (look-alikes equal) from an entry is that car leaving


@dataclass(frozen=True)
class Stay:
    """One vehicle's time on site: its entry record and, once it left, its exit record."""

    entry: Record
    exit: Optional[Record] = None

    @property
    def entered(self) -> datetime:
        return datetime.fromisoformat(self.entry.detected_at)

    @property
    def left(self) -> Optional[datetime]:
        return datetime.fromisoformat(self.exit.detected_at) if self.exit is not None else None

    def seconds(self, now: datetime) -> float:
        """Time on site: until it left, or until `now` while it is still in."""
        return ((self.left or now) - self.entered).total_seconds()


def stays(records: Iterable[Record]) -> list[Stay]:
    """Every stay, in order of entry: vehicle records with a direction, in time order, entries matched to exits."""
    moves = sorted((r for r in records if not r.kind and r.direction in (IN, OUT)), key=lambda r: r.detected_at)
    entries: list[Record] = []
    exits: dict[int, Record] = {}  # position in `entries` -> its exit
    for record in moves:
        if record.direction == IN:
            entries.append(record)
            continue
        open_ = [n for n, entry in enumerate(entries) if n not in exits]
        match = next((n for n in open_ if entries[n].plate == record.plate), None)
        if match is None:
            match = next((n for n in open_ if _alike(entries[n].plate, record.plate)), None)
        if match is not None:
            exits[match] = record
    return [Stay(entry, exits.get(n)) for n, entry in enumerate(entries)]


def _alike(a: str, b: str) -> bool:
    return edit_distance(fold_digit_lookalikes(a), fold_digit_lookalikes(b)) <= EXIT_MATCH_EDITS


def on_site(records: Iterable[Record]) -> list[Stay]:
    """The vehicles that came in and have not gone out, longest there first."""
    return [stay for stay in stays(records) if stay.exit is None]


def duration_text(seconds: float) -> str:
    """A time on site as a guard reads it: 45 min, 3 h 05 min, 2 d 4 h."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"
