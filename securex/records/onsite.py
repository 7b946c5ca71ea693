"""Who is on site: each entry matched with its exit. Plain code over records, so tests check it with plain lists.

An exit closes the oldest open entry of the same plate: the same text, else one within one edit with the
characters OCR confuses counted as equal (core/plate_text), so a car read KA01AB12 going in and KA0IAB12
going out is one stay. An exit with no entry (a car in before the records began) closes nothing. A correction
(records/corrections.py) gives an open entry its corrected plate; it closes the entry of its plate when it
corrects an exit that closed nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from statistics import median
from typing import Iterable, Optional

from securex.core.domain import CORRECTION, IN, OUT, Record
from securex.core.plate_text import edit_distance, fold_digit_lookalikes
from securex.records.corrections import corrected

LONE_EXITS_KEPT = 100  # the latest exits that closed no entry, kept for a correction (it comes within the visit)
EXIT_MATCH_EDITS = 1  # an exit read this many edits (look-alikes equal) from an entry is that car leaving
# (OnSite's index finds the entries within one edit: a larger number needs another index)


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
    """The entries without an exit so far, kept up to date one record at a time (the panel's count).

    Open entries are indexed by their text, and, once an exit matches no text, by the keys two texts one edit
    apart share (core/plate_text look-alikes folded), so an exit finds its entry without going through every
    open one: `inside` over years of records stays linear, also with many entries whose exit was missed."""

    def __init__(self, records: Iterable[Record] = ()):
        self._open: dict[int, tuple[Record, Optional[set[str]]]] = {}  # number (time order) -> entry, near keys
        self._by_text: dict[str, dict[int, None]] = defaultdict(dict)  # plate -> its open entries' numbers
        self._by_key: dict[str, set[int]] = defaultdict(set)  # near key -> open entries' numbers
        self._unkeyed: dict[int, None] = {}  # open entries not in _by_key yet (most close by their own text)
        self._by_chain: dict[tuple[str, int], int] = {}  # (gate, chain number) -> open entry's number (corrections)
        self._lone_exits: dict[tuple[str, int], None] = {}  # (gate, chain number) of the latest exits that closed
        # no entry, oldest first
        self._numbers = count()
        for record in sorted(records, key=lambda r: r.detected_at):
            self.add(record)

    @property
    def open(self) -> list[Record]:
        """The open entries, oldest first."""
        return [self._open[number][0] for number in sorted(self._open)]

    def __len__(self) -> int:
        return len(self._open)

    def add(self, record: Record) -> Optional[Record]:
        """A new record; for an exit, the entry it closes (None when it closes none)."""
        if record.kind == CORRECTION:
            return self._correct(record)
        if record.kind or record.direction not in (IN, OUT):
            return None
        if record.direction == IN:
            self._enter(record, next(self._numbers))
            return None
        closed = self._exit(record.plate)
        if closed is None and record.seq:
            self._lone_exits[record.gate, record.seq] = None
            if len(self._lone_exits) > LONE_EXITS_KEPT:  # years of exits at a gate that watches only exits
                del self._lone_exits[next(iter(self._lone_exits))]
        return closed

    def _enter(self, record: Record, number: int) -> None:
        self._open[number] = (record, None)
        self._by_text[record.plate][number] = None
        self._unkeyed[number] = None
        if record.seq:  # in the chain (a record waiting in the journal has no number yet)
            self._by_chain[record.gate, record.seq] = number

    def _exit(self, plate: str) -> Optional[Record]:
        same = self._by_text.get(plate)
        number = min(same) if same else self._oldest_alike(plate)
        return None if number is None else self._close(number)

    def _correct(self, correction: Record) -> Optional[Record]:
        """An open entry takes its corrected plate (and keeps its place); an exit that closed nothing closes
        the entry of its corrected plate, which is returned."""
        named = (correction.gate, correction.corrects)
        number = self._by_chain.get(named)
        if number is not None:
            self._enter(corrected(self._close(number), correction), number)
            return None
        if named in self._lone_exits and correction.direction == OUT:
            del self._lone_exits[named]
            return self._exit(correction.plate)
        return None

    def _oldest_alike(self, plate: str) -> Optional[int]:
        for number in self._unkeyed:
            entry, _ = self._open[number]
            keys = _near_keys(entry.plate)
            self._open[number] = (entry, keys)
            for key in keys:
                self._by_key[key].add(number)
        self._unkeyed.clear()
        return min((n for key in _near_keys(plate) for n in self._by_key.get(key, ())
                    if _alike(self._open[n][0].plate, plate)), default=None)

    def _close(self, number: int) -> Record:
        entry, keys = self._open.pop(number)
        same = self._by_text[entry.plate]
        del same[number]
        if not same:
            del self._by_text[entry.plate]
        self._unkeyed.pop(number, None)
        self._by_chain.pop((entry.gate, entry.seq), None)
        for key in keys or ():
            self._by_key[key].discard(number)
            if not self._by_key[key]:
                del self._by_key[key]
        return entry


def stays(records: Iterable[Record]) -> list[Stay]:
    """Every stay, in order of entry: the records in time order, each exit closing the entry it matches."""
    site, ended = OnSite(), []
    for record in sorted(records, key=lambda r: r.detected_at):
        closed = site.add(record)
        if closed is not None:
            ended.append(Stay(closed, record))
    return sorted(ended + [Stay(entry) for entry in site.open], key=lambda stay: stay.entry.detected_at)


def _alike(a: str, b: str) -> bool:
    return edit_distance(fold_digit_lookalikes(a), fold_digit_lookalikes(b)) <= EXIT_MATCH_EDITS


def _near_keys(plate: str) -> set[str]:
    """The folded text and each of it with one character left out: two texts within one edit (look-alikes
    equal) always share one of these, so only entries sharing a key need comparing."""
    folded = fold_digit_lookalikes(plate)
    return {folded, *(folded[:i] + folded[i + 1:] for i in range(len(folded)))}


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
        if record.detected_at < since:
            continue
        if closed is not None:
            result.stays.append(Stay(closed, record).seconds(datetime.now()))
        if record.kind or record.direction not in (IN, OUT):
            continue
        hour = int(record.detected_at[11:13])
        (result.ins if record.direction == IN else result.outs)[hour] += 1
        result.on_site[hour] = max(result.on_site[hour], len(site))
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
