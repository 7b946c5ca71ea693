"""What the screen is given to draw: lane pictures with their plates, and the panel's facts (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from securex.core.domain import ALLOWED, FLAGGED, UNKNOWN, Box

GREEN, RED, AMBER = (40, 170, 40), (40, 40, 220), (0, 165, 255)  # BGR
GREY, WHITE, BLACK, BLUE = (150, 150, 150), (255, 255, 255), (0, 0, 0), (150, 80, 20)
PANEL_BG, DARK = (38, 38, 38), (20, 20, 20)
# A decided plate's word and colour, by its standing on the lists ("" = no list in use).
DECISIONS = {ALLOWED: ("AUTHORISED", GREEN), FLAGGED: ("FLAGGED", RED), UNKNOWN: ("UNKNOWN", AMBER),
             "": ("READ", WHITE)}


@dataclass(frozen=True)
class PlateOverlay:
    """A plate box on a lane picture."""

    box: Box  # source pixels
    text: str  # empty while the plate is still being read
    status: str = ""  # standing once decided (see DECISIONS); "" also while reading


@dataclass(frozen=True)
class LaneView:
    name: str
    image: np.ndarray = field(repr=False)
    plates: list[PlateOverlay] = field(default_factory=list)
    live: bool = True  # False: NO SIGNAL (the image is the last picture)
    photo: bool = False  # a still photo (read --show), not a camera


@dataclass(frozen=True)
class Entry:
    """A decided plate: the current decision, or one of the last plates."""

    plate: str
    status: str
    note: str
    crop: np.ndarray = field(repr=False)
    at: float  # seconds since the epoch
    saved: Optional[bool]  # None: a photo (read --show), never saved
    lane: str = ""  # the lane that saw it, when the gate has more than one


@dataclass(frozen=True)
class PanelView:
    current: Optional[Entry]
    reading: bool  # a plate is on screen and not decided yet
    recent: list[Entry]  # newest first
    auto_save: Optional[bool]  # None: a photo (read --show), nothing is recorded
    waiting: int  # records kept in the journal until the database is back
    not_saving: bool  # the last record could be kept nowhere
    alerts: list[str]  # flagged vehicles not yet acknowledged
    info: list[str]  # engineer figures (key I)
    events_waiting: int = 0  # events not yet delivered to every receiver (MQTT, webhooks, alert command)
    on_site: Optional[int] = None  # vehicles in and not yet out; None: a photo (read --show)


def plate_look(plate: PlateOverlay) -> tuple[tuple[int, int, int], str]:
    """Colour and label of a plate box on the picture."""
    if not plate.text:
        return GREY, "reading"
    word, colour = DECISIONS.get(plate.status, DECISIONS[""])
    return colour, plate.text if plate.status in ("", ALLOWED) else f"{word} {plate.text}"


def entry_look(entry: Entry) -> tuple[tuple[int, int, int], str, str]:
    """Colour, decision word and note line of a decided plate."""
    word, colour = DECISIONS.get(entry.status, DECISIONS[""])
    if entry.note:
        note = entry.note
    elif entry.status == UNKNOWN:
        note = "not on the lists"
    elif entry.status == FLAGGED:
        note = "on the flagged list"
    else:
        note = ""
    return colour, word, note


def recording_state(panel: PanelView) -> tuple[str, tuple[int, int, int]]:
    if panel.auto_save is None:
        return "Photo: nothing is saved", GREY
    if panel.not_saving:
        return "Recording: NOT SAVING (disk full?)", RED
    if panel.waiting:
        return f"Recording: {panel.waiting} waiting (database down)", AMBER
    if panel.events_waiting:
        return f"Recording: OK, {panel.events_waiting} event(s) to send", AMBER
    return "Recording: OK", GREEN
