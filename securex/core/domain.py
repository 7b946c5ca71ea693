"""The data objects carried through the pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np

Box = tuple[int, int, int, int]  # x, y, width, height in pixels of the original frame


@dataclass(frozen=True)
class Detection:
    """A region the detector thinks holds a plate (or a plate's text line)."""

    box: Box
    slope: float = 0.0  # a slanted text line's rise per pixel along it (a plate seen from the side): 0 = level
    thickness: float = 0.0  # a slanted line's height, measured upright (its box is taller by the rise)

    def moved(self, dx: int, dy: int) -> Detection:
        """The same detection in a picture whose origin lies (dx, dy) further up and left (a crop's parent)."""
        x, y, w, h = self.box
        return replace(self, box=(x + dx, y + dy, w, h))


@dataclass(frozen=True)
class OcrResult:
    """What an OCR engine read in one crop, before plate rules."""

    text: str
    confidence: float  # 0..1
    char_confidences: tuple[float, ...] = ()
    top_row: int = 0  # two rows read as one: how many characters of `text` are the top row's (0: one row)


@dataclass(frozen=True)
class PlateRead:
    """A plate read in one frame or photo, after plate rules."""

    text: str
    confidence: float  # 0..1
    box: Box
    format_name: Optional[str] = None  # the known format it fits, None when only the permissive rule
    as_read: bool = False  # it fits that format exactly as read: no character changed or dropped


@dataclass
class Record:
    """One saved vehicle passage: a row in the database and the CSV, signed into its gate's chain."""

    plate: str
    confidence: float
    detected_at: str  # ISO-8601 with time zone
    source: str
    frame: int
    image_path: str
    gate: str = ""
    image_sha256: str = ""
    list_status: str = ""  # "allowed", "flagged", "unknown", or "" when no watchlist is in use
    listed_plate: str = ""
    list_distance: Optional[int] = None
    kind: str = ""  # "" for a vehicle passing; MANUAL_OPEN for the barrier opened by hand; CORRECTION
    operator: str = ""  # who opened it by hand (OPERATOR_NAME)
    lane: str = ""  # the lane whose camera saw it ("" in records made before lanes)
    direction: str = ""  # IN or OUT: came in or went out ("" when not known)
    corrects: Optional[int] = None  # a CORRECTION's: the chain number (`seq`) of the record it corrects, same gate
    seq: int = 0  # position in the gate's chain, from 1
    prev_hash: str = ""
    hash: str = ""
    id: Optional[int] = None


ALLOWED, FLAGGED, UNKNOWN = "allowed", "flagged", "unknown"  # a plate's standing on the access lists
MANUAL_OPEN = "manual_open"  # a record's kind: the guard opened the barrier by hand (key O)
CORRECTION = "correction"  # a record's kind: an earlier record's plate (`corrects`) as the rest of its visit read it
IN, OUT, BOTH = "in", "out", "both"  # a vehicle's direction; a lane's is one of the three


@dataclass(frozen=True)
class Event:
    """What the gate tells other systems (MQTT, webhooks, the alert command), kept in the database's outbox.

    `kind`: "plate" (a decided vehicle), CORRECTION, MANUAL_OPEN, "camera_lost" or "camera_back". The record fields and
    the chain head (`chain_seq`, `chain_hash`: the gate's chain after this event) are filled in when it is
    committed, so every receiver holds an outside copy of the chain's progress.
    """

    event_id: str
    kind: str
    gate: str
    lane: str
    at: str  # ISO-8601 with time zone
    plate: str = ""
    confidence: Optional[float] = None
    list_status: str = ""  # "allowed", "flagged", "unknown", or "" without a list
    note: str = ""  # the list entry's note, or what happened (the camera for an outage)
    direction: str = ""  # IN or OUT, "" when the lane could not tell
    operator: str = ""  # who opened the barrier by hand
    record_id: Optional[int] = None
    chain_seq: int = 0
    chain_hash: str = ""
    image: str = ""  # the plate photo's file name
    corrects: Optional[int] = None  # a CORRECTION's: the chain number (`chain_seq`) of the record it corrects
    corrected_plate: str = ""  # a CORRECTION's: the plate that record said until now
    announced: bool = False  # a CORRECTION's: its plate and standing are new to the visit (the alert command runs)


@dataclass
class Frame:
    """A captured frame with where it sits in its source."""

    index: int  # 0-based frame index in the source
    timestamp: float  # seconds since the Unix epoch (source clock for files)
    image: np.ndarray = field(repr=False)


def box_area(box: Box) -> int:
    return box[2] * box[3]


def intersection(a: Box, b: Box) -> int:
    """The area two boxes share."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy


def inside_share(inner: Box, outer: Box) -> float:
    """The share of `inner`'s area that lies inside `outer`."""
    area = box_area(inner)
    return intersection(inner, outer) / area if area else 0.0


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    inter = intersection(a, b)
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def centre(box: Box) -> tuple[float, float]:
    """The box's centre (x, y)."""
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def centre_in(box: Box, left: float, top: float, right: float, bottom: float) -> bool:
    """The box's centre lies in the rectangle from (`left`, `top`) to (`right`, `bottom`)."""
    cx, cy = centre(box)
    return left <= cx <= right and top <= cy <= bottom


def in_pixels(area: Sequence[float], width: int, height: int) -> tuple[float, float, float, float]:
    """A rectangle given as left, top, right, bottom in fractions of a picture, in that picture's pixels."""
    return area[0] * width, area[1] * height, area[2] * width, area[3] * height


def grow_box(box: Box, margin: float, width: int, height: int) -> Box:
    """The box grown by `margin` of its size on each side, clipped to the frame."""
    x, y, w, h = box
    dx, dy = int(round(w * margin)), int(round(h * margin))
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def crop(image: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box
    return image[y:y + h, x:x + w]
