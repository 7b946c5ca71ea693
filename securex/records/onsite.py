"""Who is on site: each entry matched with its exit. Plain code over records, so tests check it with plain lists.

An exit closes the oldest open entry of the same plate: the same text, else one within one edit with the
characters OCR confuses counted as equal (core/plate_text), so a car read KA01AB12 going in and KA0IAB12
going out is one stay. An exit with no entry (a car in before the records began) closes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median
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


class OnSite:
    """The entries without an exit so far, kept up to date one record at a time (the panel's count)."""

    def __init__(self, records: Iterable[Record] = ()):
        self.open: list[Record] = []  # oldest first
        for record in sorted(records, key=lambda r: r.detected_at):
            self.add(record)

    def add(self, record: Record) -> Optional[Record]:
        """A new record; for an exit, the entry it closes (None when it closes none)."""
        if record.kind or record.direction not in (IN, OUT):
            return None
        if record.direction == IN:
            self.open.append(record)
            return None
        match = next((e for e in self.open if e.plate == record.plate), None) \
            or next((e for e in self.open if _alike(e.plate, record.plate)), None)
        if match is not None:
            self.open.remove(match)
        return match


def stays(records: Iterable[Record]) -> list[Stay]:
    """Every stay, in order of entry: the records in time order, each exit closing the entry it matches."""
    site, entries, exits = OnSite(), [], {}
    for record in sorted(records, key=lambda r: r.detected_at):
        closed = site.add(record)
        if closed is not None:
            exits[id(closed)] = record
        elif record is (site.open[-1] if site.open else None):
            entries.append(record)
    return [Stay(entry, exits.get(id(entry))) for entry in entries]


def _alike(a: str, b: str) -> bool:
    return edit_distance(fold_digit_lookalikes(a), fold_digit_lookalikes(b)) <= EXIT_MATCH_EDITS


def on_site(records: Iterable[Record]) -> list[Stay]:
    """The vehicles that came in and have not gone out, longest there first."""
    return [Stay(entry) for entry in OnSite(records).open]


def duration_text(seconds: float) -> str:
    """A time on site as a guard reads it: 45 min, 3 h 05 min, 2 d 4 h."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"


@dataclass
class Movements:
    """Ins and outs over a report's days: per hour of the day, and the time on site of the stays that ended."""

    ins: list[int]  # entries in each hour of the day, 0..23
    outs: list[int]
    on_site: list[int]  # the most vehicles on site at once in each hour of the day
    stays: list[float]  # seconds on site of each stay that ended in the period

    @property
    def median_stay(self) -> Optional[float]:
        return median(self.stays) if self.stays else None


def movements(records: Iterable[Record], since: str) -> Movements:
    """The movements from `since` (an ISO date or time) on; `records` may start earlier (who was already in)."""
    site, result = OnSite(), Movements([0] * 24, [0] * 24, [0] * 24, [])
    for record in sorted(records, key=lambda r: r.detected_at):
        closed = site.add(record)
        if record.detected_at < since or record.kind or record.direction not in (IN, OUT):
            continue
        hour = int(record.detected_at[11:13])
        (result.ins if record.direction == IN else result.outs)[hour] += 1
        result.on_site[hour] = max(result.on_site[hour], len(site.open))
        if closed is not None:
            result.stays.append(Stay(closed, record).seconds(datetime.now()))
    return result


def movement_lines(moved: Movements) -> list[str]:
    """The report's lines on ins, outs and time on site (none when no record has a direction)."""
    if not sum(moved.ins) + sum(moved.outs):
        return []
    lines = [f"  in / out         {sum(moved.ins)} / {sum(moved.outs)}"]
    if moved.stays:
        lines.append(f"  time on site     median {duration_text(moved.median_stay)}, longest "
                     f"{duration_text(max(moved.stays))} ({len(moved.stays)} stays ended)")
    lines.append("  hour   in  out  on site (most at once)")
    lines += [f"  {h:02d}:00 {moved.ins[h]:4d} {moved.outs[h]:4d} {moved.on_site[h]:8d}" for h in range(24)
              if moved.ins[h] or moved.outs[h]]
    return lines
