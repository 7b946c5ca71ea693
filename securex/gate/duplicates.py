"""Duplicates within a time window of source time: one record per plate, one announcement per visit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from securex.core.domain import Record
from securex.core.plate_text import same_plate
from securex.gate.visits import REJOIN_MIN_LENGTH, SAME_PLATE_EDITS


def part_of(part: str, whole: str) -> bool:
    """`part` is a part of the plate `whole` (a plate half in view, a row of two, read without a piece), long enough
    to tell: REJOIN_MIN_LENGTH characters or more."""
    return len(part) >= REJOIN_MIN_LENGTH and part != whole and part in whole


def one_car(a: str, b: str) -> bool:
    """Two decided plates of one car: the same plate (`same_plate`, within SAME_PLATE_EDITS), or one a part of the
    other."""
    return same_plate(a, b, SAME_PLATE_EDITS) or part_of(a, b) or part_of(b, a)


class DuplicateManager:
    """A plate recorded is not recorded again while it stays in view, nor within the window after it was last
    seen (a car waiting at the barrier, or hidden for a moment, is one record); nor is a part of it."""

    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._saved: dict[str, float] = {}  # plate: when it was recorded
        self._seen: dict[str, float] = {}  # plate: when its recorded car was last seen
        self._records: dict[str, Record] = {}  # plate: its record

    def is_duplicate(self, plate: str, at: float) -> bool:
        """True when `plate`, or a plate it is a part of, was recorded and last seen less than the window before
        `at` (seconds), or after it (a read from earlier in the same visit)."""
        return any(at - last < self._window for seen, last in self._seen.items()
                   if seen == plate or part_of(plate, seen))

    def recorded_part(self, plate: str, at: float) -> Optional[tuple[str, Record]]:
        """(part, its record) for a part of `plate` recorded and last seen less than the window before `at` (its
        car's first track ended early, on reads of the plate half in view or without a piece), or None."""
        return next(((seen, self._records[seen]) for seen, last in self._seen.items()
                     if part_of(seen, plate) and at - last < self._window and seen in self._records), None)

    def seconds_since(self, plate: str, at: float) -> Optional[float]:
        """How long before `at` the plate was recorded, while it still counts as the same visit."""
        return at - self._saved[plate] if plate in self._saved and self.is_duplicate(plate, at) else None

    def mark_saved(self, plate: str, at: float, record: Optional[Record] = None) -> None:
        self._saved[plate] = self._seen[plate] = at
        if record is not None:
            self._records[plate] = record
        self._forget_before(at - self._window)

    def seen(self, plate: str, at: float) -> None:
        """The recorded car is still in view at `at`: its window runs on from here."""
        if plate in self._seen:
            self._seen[plate] = max(self._seen[plate], at)

    def _forget_before(self, cutoff: float) -> None:
        """Drop plates whose window has passed, so a long run keeps this small."""
        for plate in [p for p, t in self._seen.items() if t < cutoff]:
            del self._seen[plate], self._saved[plate]
            self._records.pop(plate, None)


class AnnouncedVisits:
    """One announcement (alert, alert command) per vehicle visit, however its track is split or restarted.

    A decided plate belongs to a visit already announced when it is the same plate (`one_car`: within
    SAME_PLATE_EDITS edits, or a part of it or it of a part), has the same standing, and was seen less than
    the window of source time from that visit's latest sighting. A repeat extends the visit, so a car waiting at the
    barrier stays one visit; a change of standing (the list was edited) is announced anew.
    """

    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._visits: list[_Visit] = []

    def is_repeat(self, plate: str, status: str, at: float) -> bool:
        """True when this decided plate belongs to a visit already announced; otherwise it starts one."""
        self._visits = [v for v in self._visits if at - v.last_seen < self._window]
        for visit in self._visits:
            if visit.status == status and abs(at - visit.last_seen) < self._window and one_car(plate, visit.plate):
                visit.last_seen = max(visit.last_seen, at)
                visit.plate = max(visit.plate, plate, key=len)  # the whole plate, once read, for the parts after it
                return True
        self._visits.append(_Visit(plate, status, at))
        return False

    def seen(self, plate: str, status: str, at: float) -> None:
        """The announced car is still in view at `at`: its visit runs on from here."""
        for visit in self._visits:
            if visit.status == status and one_car(plate, visit.plate):
                visit.last_seen = max(visit.last_seen, at)


@dataclass
class _Visit:
    plate: str
    status: str
    last_seen: float  # seconds, source clock
