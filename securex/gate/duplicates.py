"""Duplicates within a time window of source time: one record per plate, one announcement per visit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from securex.core.plate_text import same_plate
from securex.gate.visits import SAME_PLATE_EDITS


class DuplicateManager:
    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._last_saved: dict[str, float] = {}

    def is_duplicate(self, plate: str, at: float) -> bool:
        """True when `plate` was recorded less than the window before `at` (seconds)."""
        last = self._last_saved.get(plate)
        return last is not None and 0 <= at - last < self._window

    def seconds_since(self, plate: str, at: float) -> Optional[float]:
        """How long before `at` the plate was recorded, while that is within the window."""
        last = self._last_saved.get(plate)
        return at - last if last is not None and 0 <= at - last < self._window else None

    def mark_saved(self, plate: str, at: float) -> None:
        self._last_saved[plate] = at
        self._forget_before(at - self._window)

    def _forget_before(self, cutoff: float) -> None:
        """Drop plates whose window has passed, so a long run keeps this small."""
        for plate in [p for p, t in self._last_saved.items() if t < cutoff]:
            del self._last_saved[plate]


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


@dataclass
class _Visit:
    plate: str
    status: str
    last_seen: float  # seconds, source clock
