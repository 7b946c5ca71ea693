"""What an event holds, whether the barrier opens, and when a failed delivery is tried again.

Plain code: no threads, windows or I/O, so tests/test_events.py checks it with plain values.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Optional, Sequence

from securex.core.domain import CORRECTION, MANUAL_OPEN, Event

PLATE, CAMERA_LOST, CAMERA_BACK = "plate", "camera_lost", "camera_back"  # event kinds besides CORRECTION, MANUAL_OPEN
NO_LIST = "none"  # a plate's standing when no watchlist is in use (the alert command's word for it)
FIRST_RETRY_SECONDS = 1.0


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class EventMaker:
    """Makes the events of one lane of one gate; each gets an id of its own (receivers de-duplicate by it)."""

    gate: str
    lane: str
    operator: str

    def _event(self, kind: str, at: float, **fields) -> Event:
        return Event(uuid.uuid4().hex, kind, self.gate, self.lane, iso(at), **fields)

    def visit(self, plate: str, confidence: float, status: str, note: str, at: float) -> Event:
        """A decided vehicle; `status` is its list standing ("" without a list)."""
        return self._event(PLATE, at, plate=plate, confidence=round(float(confidence), 4), list_status=status,
                           note=note)

    def correction(self, plate: str, confidence: float, status: str, note: str, at: float, corrects: int,
                   corrected_plate: str) -> Event:
        """A recorded vehicle that the rest of its visit read as another plate: that plate, its standing, and the
        record it corrects (its chain number, and the plate it said)."""
        return replace(self.visit(plate, confidence, status, note, at), kind=CORRECTION, corrects=corrects,
                       corrected_plate=corrected_plate)

    def manual_open(self, plate: str, confidence: Optional[float], status: str, at: float) -> Event:
        """The guard opened the barrier by hand, for the plate on screen ("" when none)."""
        return self._event(MANUAL_OPEN, at, plate=plate, confidence=confidence, list_status=status,
                           operator=self.operator)

    def camera(self, lost: bool, source: str, at: float) -> Event:
        return self._event(CAMERA_LOST if lost else CAMERA_BACK, at, note=source)


def barrier_opens(open_for: Sequence[str], status: str) -> bool:
    """Whether a decided plate with this list standing ("" = no list in use) opens the barrier."""
    return (status or NO_LIST) in open_for


def retry_delay(attempts: int, cap: float) -> float:
    """Seconds to wait after the `attempts`-th failed delivery of an event: 1, 2, 4 ... up to `cap`."""
    return min(cap, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))


def command_arguments(event: dict) -> Optional[list[str]]:
    """The alert command's arguments for an event (PLATE STATUS), or None: it runs for decided plates only, once
    per visit (a correction only when announced anew: a new standing or another plate)."""
    if event.get("kind") != PLATE and not (event.get("kind") == CORRECTION and event.get("announced")):
        return None
    return [event["plate"], event.get("list_status") or NO_LIST]


def lane_state(event: dict) -> Optional[tuple[dict, str]]:
    """What a lane shows after an event: (its last plate, "ON" while the plate was flagged, else "OFF"),
    or None for events that change neither (camera outages). A correction shows the corrected plate."""
    if event.get("kind") not in (PLATE, CORRECTION):
        return None
    last = {k: event.get(k) for k in ("plate", "confidence", "list_status", "note", "at", "record_id", "event_id",
                                      "image")}
    return last, "ON" if event.get("list_status") == "flagged" else "OFF"
