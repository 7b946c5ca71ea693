"""Where a lane's detector looks: the moving part of its region, closer, for what the whole region costs.

While plates are tracked the detector looks around them (as far as a plate moves between two runs);
when none is, or one was lost, the motion gate's rectangle of the picture that changed is looked at
too, padded and kept inside the lane's region: that is the window the detector runs on. The window is
scaled so that it has no more detector pixels than the whole region has at VIDEO_DETECT_SIDE: a car
that fills a small part of the picture (far away, or a wide camera) gets more pixels per plate at
the same cost, up to twice the picture's own pixels. Every FOCUS_FULL_EVERY-th run looks at the whole
region at the working resolution, so a plate that does not move (a parked car, a second car beside a
moving one) is still found, as it was before. Where something has just stopped moving (a car come to
rest at the barrier, perhaps unread: its plate too small to be found while it moved; alone, or while
another car drives on) is looked at once, closer, with up to REST_COST times the whole region's detector
pixels. A plate read but not yet decided
that a run does not find again (too small at the window's scale: a far two-row plate in a wide picture)
is looked for again in a small window around where it was, closer; so is, when a run finds no plate, a
candidate it could not read, and a read too small at the window's scale to be sure of that fits none of
the site's formats as read (one row of a far two-row plate): what the closer look reads replaces it.
A small or far plate is read from the full-resolution frame rather than missed.

Plain code: no threads, windows or I/O, so tests/test_focus.py checks it with plain values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

from securex.core.domain import Box, centre_in, in_pixels
from securex.video.motion import Area, overlap

FOCUS_PAD = 0.05  # the moving rectangle is grown by this share of its width / height on each side
FOCUS_MIN_PAD = 0.02  # and by at least this share of the picture's width / height
PLATE_REACH = (1.0, 2.0)  # around a tracked plate: this many plate widths sideways, heights up and down
CLOSER_REACH = (1.0, 2.5)  # around a candidate looked at closer (it may be one row of two, or part of a line)
CLOSER_LOOKS = 2  # looked at again, closer, per detector run at most (undecided plates missed, doubtful reads,
# candidates that could not be read)
CLOSER_GAIN = 1.5  # a closer look is worth it with at least this many times the pixels per plate
EDGE = 2  # pixels: a candidate this near an edge of its window touches it
MAX_SCALE = 2.0  # the detector never sees a window larger than twice the picture's own pixels
FOLLOW_HEIGHT = 24  # detector pixels high a found plate is followed at (the reader reads it at full resolution)
DOUBT_HEIGHT = 14  # a read this few detector pixels high that fits no site format as read is looked at closer
REST_COST = 4.0  # where something has just stopped moving is looked at with up to this many times the region's
# detector pixels, once per stop


@dataclass(frozen=True)
class DetectWindow:
    """The pixel rectangle of the picture the detector runs on, and the long side it is scaled to."""

    box: Box
    side: int


def around_plates(boxes: Sequence[Box], reach: tuple[float, float] = PLATE_REACH) -> tuple[float, float, float, float]:
    """The left, top, right, bottom of the places these plates can be at the next run (`reach`: plate widths
    sideways, heights up and down)."""
    reach_x, reach_y = reach
    grown = [(x - reach_x * w, y - reach_y * h, x + w + reach_x * w, y + h + reach_y * h) for x, y, w, h in boxes]
    return min(b[0] for b in grown), min(b[1] for b in grown), max(b[2] for b in grown), max(b[3] for b in grown)


def focus_box(region: Box, moving: Optional[Area], tracked: Sequence[Box], lost: bool, width: int,
              height: int) -> Box:
    """Where to look closer, inside the region: around the plates found at the last run (as far as a plate moves
    between two runs); with the moving rectangle too when a tracked plate was lost there or none is tracked; all of
    the region when nothing says where (the first frame, no motion gate, nothing moved and nothing tracked) or
    it is outside the region."""
    places = [around_plates(tracked)] if tracked else []
    if moving is not None and (lost or not tracked):
        places.append(in_pixels(moving, width, height))
    if not places:
        return region
    left, top = min(p[0] for p in places), min(p[1] for p in places)
    right, bottom = max(p[2] for p in places), max(p[3] for p in places)
    pad_x = max(FOCUS_PAD * (right - left), FOCUS_MIN_PAD * width)
    pad_y = max(FOCUS_PAD * (bottom - top), FOCUS_MIN_PAD * height)
    x0, y0 = max(region[0], math.floor(left - pad_x)), max(region[1], math.floor(top - pad_y))
    x1 = min(region[0] + region[2], math.ceil(right + pad_x))
    y1 = min(region[1] + region[3], math.ceil(bottom + pad_y))
    if x1 <= x0 or y1 <= y0:  # outside the lane's region
        return region
    return (x0, y0, x1 - x0, y1 - y0)


def window_side(box: Box, region: Box, base_side: int, width: int, height: int, following: Sequence[Box] = (),
                cost: float = 1.0) -> int:
    """The long side to scale `box` to: the region's scale at `base_side`, raised while the window has no more
    pixels than `cost` times what the region would have (at most twice the picture's own resolution, never below
    the region's scale).
    A window that follows plates already found (`following`) is raised only as far as its smallest plate needs
    to be FOLLOW_HEIGHT detector pixels high: looking closer at a found plate finds nothing more to read."""
    base = base_side / max(width, height)
    area = max(1, box[2] * box[3])
    most = max(base, MAX_SCALE)
    if following:
        most = max(base, min(most, FOLLOW_HEIGHT / max(1, min(h for _, _, _, h in following))))
    scale = max(base, min(most, base * math.sqrt(cost * max(1, region[2] * region[3]) / area)))
    return max(16, round(scale * max(box[2], box[3])))


def detect_window(region: Box, moving: Optional[Area], tracked: Sequence[Box], lost: bool, run: int,
                  full_every: int, base_side: int, width: int, height: int) -> DetectWindow:
    """Where the lane's `run`-th detector run looks (counted from 0; run 0 and every `full_every`-th: the whole
    region; `full_every` 1 = always the whole region)."""
    whole = full_every <= 1 or run % full_every == 0
    box = region if whole else focus_box(region, moving, tracked, lost, width, height)
    following = tracked if not whole and tracked and not lost else ()
    return DetectWindow(box, window_side(box, region, base_side, width, height, following))


def rest_window(region: Box, rested: Area, base_side: int, width: int, height: int) -> DetectWindow:
    """Where something has just stopped moving (`rested`), padded and inside the region, seen closer: with up to
    REST_COST times the region's detector pixels (motion that stopped outside the region: the region as usual)."""
    box = focus_box(region, rested, [], False, width, height)
    left, top, region_width, region_height = region
    inside = overlap(in_pixels(rested, width, height), (left, top, left + region_width, top + region_height))
    return DetectWindow(box, window_side(box, region, base_side, width, height, cost=REST_COST if inside else 1.0))


def closer_wanted(missing: Sequence[Box], unread: Sequence[Box]) -> list[Box]:
    """What to look at closer, first first: the undecided plates the run did not find again (each was read
    before), then the candidates it could not read, largest first (none where a missing plate's look covers it)."""
    wanted = list(missing)
    for box in sorted(unread, key=lambda b: b[2] * b[3], reverse=True):
        if not any(centre_in(box, *around_plates([plate], CLOSER_REACH)) for plate in missing):
            wanted.append(box)
    return wanted


def doubtful(box: Box, as_read: bool, window: DetectWindow) -> bool:
    """A read worth a closer look: fewer than DOUBT_HEIGHT detector pixels high, fitting no site format as read."""
    return not as_read and box[3] * window.side / max(1, window.box[2], window.box[3]) < DOUBT_HEIGHT


def closer_looks(wanted: Sequence[Box], window: DetectWindow, region: Box, base_side: int, width: int,
                 height: int) -> list[DetectWindow]:
    """Windows around the first CLOSER_LOOKS boxes of `wanted` (closer_wanted), each seen closer (up to MAX_SCALE,
    within the region's cost); none where it would not be at least CLOSER_GAIN times closer than `window`."""
    scale = window.side / max(1, window.box[2], window.box[3])
    looks = []
    for box in wanted[:CLOSER_LOOKS]:
        left, top, right, bottom = around_plates([box], CLOSER_REACH)
        x0, y0 = max(region[0], math.floor(left)), max(region[1], math.floor(top))
        x1, y1 = min(region[0] + region[2], math.ceil(right)), min(region[1] + region[3], math.ceil(bottom))
        if x1 <= x0 or y1 <= y0:
            continue
        around = (x0, y0, x1 - x0, y1 - y0)
        side = window_side(around, region, base_side, width, height)
        if side / max(around[2], around[3]) >= CLOSER_GAIN * scale:
            looks.append(DetectWindow(around, side))
    return looks


def missing_plates(undecided: Sequence[Box], found: Sequence[Box]) -> list[Box]:
    """The undecided plates (read, not yet decided) of which no box was found within a plate's reach."""
    return [plate for plate in undecided if not any(centre_in(box, *around_plates([plate])) for box in found)]


def cut_by_window(box: Box, window: Box, region: Box) -> bool:
    """True when a candidate touches an edge of the window that lies inside the region: the window cut it, so it
    is part of a line (a clock's digits, a sign's word), not the line; the whole-region runs see the whole."""
    x, y, w, h = box
    wx, wy, ww, wh = window
    rx, ry, rw, rh = region
    return (wx > rx and x <= wx + EDGE) or (wy > ry and y <= wy + EDGE) \
        or (wx + ww < rx + rw and x + w >= wx + ww - EDGE) or (wy + wh < ry + rh and y + h >= wy + wh - EDGE)
