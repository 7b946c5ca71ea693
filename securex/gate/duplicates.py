"""Duplicates within a time window of source time: one record per plate, one announcement per visit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from securex.core.domain import Record
from securex.core.plate_text import read_short_of, same_plate
from securex.gate.visits import SAME_PLATE_EDITS


class DuplicateManager:
    """A plate recorded is not recorded again while it stays in view, nor within the window after it was last
    seen (a car waiting at the barrier, or hidden for a moment, is one record); nor is that plate read short (a
    later track of the same car that lost a character or a row: `read_short_of`)."""

    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._saved: dict[str, float] = {}  # plate: when it was recorded
        self._seen: dict[str, float] = {}  # plate: when its recorded car was last seen
        self._records: dict[str, Record] = {}  # plate: the record of its visit (corrections name the first)

    def is_duplicate(self, plate: str, at: float) -> bool:
        """True when `plate`, or a plate it is read short of, was recorded and last seen less than the window
        before `at` (seconds), or after it (a read from earlier in the same visit)."""
        return self._recorded_as(plate, at) is not None

    def _recorded_as(self, plate: str, at: float) -> Optional[str]:
        """The recorded plate within the window that `plate` is, or is read short of (None: none)."""
        return next((recorded for recorded in self._seen if self._within(recorded, at)
                     and (recorded == plate or read_short_of(plate, recorded))), None)

    def record_to_correct(self, plate: str, surest: Mapping[str, float], at: float) -> Optional[Record]:
        """The record of a visit within the window that a split track of the same car, decided on `plate` now, corrects
        (`surest`: the track's surest confidence of each text it read): one whose plate is `plate` read short (a
        character or a row left out), or `plate` with a character more at an end that the track read too, less surely
        than `plate` (a province character or a screw read as a letter; a car of a fleet, XABC123 beside ABC123, is
        read as surely). None when there is none, or `plate` itself is recorded: corrected to it already."""
        if plate in self._seen and self._within(plate, at):
            return None
        return next((self._records[recorded] for recorded in self._seen if self._within(recorded, at) and (
            read_short_of(recorded, plate) or (plate in (recorded[1:], recorded[:-1])
                                               and surest.get(recorded, 1.0) < surest.get(plate, 0.0)))), None)

    def _within(self, plate: str, at: float) -> bool:
        return at - self._seen[plate] < self._window

    def seconds_since(self, plate: str, at: float) -> Optional[float]:
        """How long before `at` the plate (or the plate it is read short of) was recorded, while it still counts
        as the same visit."""
        recorded = self._recorded_as(plate, at)
        return at - self._saved[recorded] if recorded is not None else None

    def mark_saved(self, plate: str, at: float, record: Record) -> None:
        """`plate` recorded at `at` (seconds) by `record`, or corrected to it by a correction of `record`."""
        self._saved[plate] = self._seen[plate] = at
        self._records[plate] = record
        self._forget_before(at - self._window)

    def seen(self, plate: str, at: float) -> None:
        """The recorded car is still in view at `at`: its window runs on from here."""
        if plate in self._seen:
            self._seen[plate] = max(self._seen[plate], at)

    def _forget_before(self, cutoff: float) -> None:
        """Drop plates whose window has passed, so a long run keeps this small."""
        for plate in [p for p, t in self._seen.items() if t < cutoff]:
            del self._seen[plate], self._saved[plate], self._records[plate]


class AnnouncedVisits:
    """One announcement (alert, alert command) per vehicle visit, however its track is split or restarted.

    A decided plate belongs to a visit already announced when it is the same plate (`same_plate`,
    within SAME_PLATE_EDITS edits), has the same standing, and was seen less than the window of
    source time from that visit's latest sighting. A repeat extends the visit, so a car waiting at the
    barrier stays one visit; a change of standing (the list was edited) is announced anew.
    """

    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._visits: list[_Visit] = []

    def is_repeat(self, plate: str, status: str, at: float) -> bool:
        """True when this decided plate belongs to a visit already announced; otherwise it starts one."""
        self._visits = [v for v in self._visits if at - v.last_seen < self._window]
        for visit in self._visits:
            if visit.status == status and abs(at - visit.last_seen) < self._window \
                    and same_plate(plate, visit.plate, SAME_PLATE_EDITS):
                visit.last_seen = max(visit.last_seen, at)
                return True
        self._visits.append(_Visit(plate, status, at))
        return False

    def seen(self, plate: str, status: str, at: float) -> None:
        """The announced car is still in view at `at`: its visit runs on from here."""
        for visit in self._visits:
            if visit.status == status and same_plate(plate, visit.plate, SAME_PLATE_EDITS):
                visit.last_seen = max(visit.last_seen, at)


@dataclass
class _Visit:
    plate: str
    status: str
    last_seen: float  # seconds, source clock
