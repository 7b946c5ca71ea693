"""Motion gate: an empty, still lane needs no plate detector run, and motion tells where to look.

Each frame due for detection is shrunk to a small grey thumbnail and compared with the last one;
when too few pixels changed and no vehicle is being tracked, the detector run is skipped. A gate
PC then idles between cars instead of searching an empty road several times a second. The
rectangle around the changed pixels (`moving`) is where a car is: the detector can look there
more closely than at the whole picture, for the same cost (gate/focus.py). Each patch of changed
pixels that alone would count as motion is a mover, followed from check to check while it overlaps
where it was; where a mover that moved at REST_AFTER checks in a row is still at the next (`rested`)
is where a car has just stopped: at the barrier, it may wait there unread (too small to be found while
it moved), so the lane looks there once, closer. So is where the picture last moved once it is all
still after moving at REST_AFTER checks in a row (what moved as small patches only: a far car at
night, two headlights). A car that stops while another drives on is seen to stop when the other does
not move through where the first has been; a piece of a car driving on (a glint where it has just
been, an edge that stops changing as it slows) is not. A car that stops as one patch of change with the
car behind it (a queue at the barrier) is seen to stop when what still moves covers only part of that
patch at two calls in a row: the rest, if wide and high enough, is where it stopped. A lane with a
region watches only the rectangle around it: a car in the lane beside it, seen by the same camera,
neither wakes it nor widens where it looks, nor keeps it from seeing that its own car has come to rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

import cv2
import numpy as np

Area = tuple[float, float, float, float]  # left, top, right, bottom in fractions of the picture
Mover = tuple[Area, int, Area]  # where a mover changed, at how many calls in a row it has moved, and the rectangle
# around where it and the movers it came from have been
MIN_THUMB_WIDTH = 8  # a narrow region's thumbnail is at least this wide
REST_AFTER = 3  # a mover, or the picture, counts as come to rest after it moved at this many calls in a row (a car
# drove in; a flicker of light, a leaf is one call or two)
APART = 0.02  # a mover that stops while others move is a stop when this share of the picture's width and height
# parts where it has been from each of them, as they are and as they were at the last call (a car in the next lane;
# not a piece of a car that drives on)
LEFT_BEHIND = 0.2  # a mover that moves on over part of where it changed may leave a stopped car behind where the
# rest is this share of the whole picture high and wide, at two calls in a row (a car of a queue, at the barrier; not
# the edge of a car that slows, nor a car crossing a lane's narrow region; a large tree in gusts or a barrier arm
# lifting fast may pass for one: mask them)


class MotionGate:
    def __init__(self, thumb_width: int, pixel_delta: int, min_share: float, part: Optional[Area] = None,
                 masks: Sequence[Area] = ()):
        """`part`: the rectangle of the picture watched (None: all of it), on a thumbnail of that part of the
        whole picture's `thumb_width` (as finely, its noise averaged as much); `min_share` counts of the part's
        pixels. `masks`: areas never read (a clock, a tree): what changes there is no motion. The areas it tells
        are in fractions of the whole picture either way."""
        self._delta, self._min_share, self._part, self._masks = pixel_delta, min_share, part, tuple(masks)
        self._width = thumb_width if part is None else max(MIN_THUMB_WIDTH, round(thumb_width * (part[2] - part[0])))
        self._previous: Optional[np.ndarray] = None
        self.moving: Optional[Area] = None  # where the picture changed at the last call (None: not known)
        self.rested: list[tuple[Area, Area]] = []  # where something stopped at this call, and where it has been: the
        # movers that moved at REST_AFTER calls in a row and are still, apart from what moves now; what such a mover
        # left behind at the last call, still uncovered; and the picture's last moving rectangle once it is all still
        # after moving at REST_AFTER calls in a row
        self._movers: list[Mover] = []  # the movers at the last call
        self._moves = 0  # calls in a row at which the picture moved
        self._last_moving: Optional[Area] = None  # where it changed at the last of them
        self._left: list[Area] = []  # what movers left behind at the last call (left_behind)

    def moved(self, image: np.ndarray) -> bool:
        """True when the picture (its watched part) changed enough since the last call (always on the first)."""
        image = watched(image, self._part)
        height = max(1, round(image.shape[0] * self._width / image.shape[1]))
        thumb = cv2.resize(image, (self._width, height), interpolation=cv2.INTER_AREA)
        thumb = cv2.GaussianBlur(cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY), (3, 3), 0)
        previous, self._previous = self._previous, thumb
        last, self._movers, self.moving, self.rested = self._movers, [], None, []
        if previous is None or previous.shape != thumb.shape:
            self._moves, self._last_moving, self._left = 0, None, []
            return True
        changed = masked_out(cv2.absdiff(thumb, previous) > self._delta, self._masks, self._part)
        moved = float(changed.mean()) >= self._min_share
        if moved:
            self.moving = in_picture(changed_area(changed), self._part)
            self._movers = followed([in_picture(a, self._part) for a in movers(changed, self._min_share)], last)
        self.rested = come_to_rest(last, [enclosing([area] + [a for a, _, _ in last if overlap(area, a)])
                                          for area, _, _ in self._movers])
        now = [area for area, _, _ in self._movers]  # as they are (grown by where they were, they would cover all of
        # what they moved on from)
        stopped = [band for band in (uncovered(left, now) for left in self._left) if band is not None]
        self.rested += [(band, band) for band in stopped]  # it came there in another car's patch: no place of its own
        self._movers = [(area, moves, area if any(overlap(been, band) for band in stopped) else been)
                        for area, moves, been in self._movers]  # what drove on was never where the car it left stopped
        self._left = left_behind(last, now)
        whole = self._last_moving  # all of what moved counts too, once the picture is still: as small patches only,
        # a far car at night (two headlights) is no mover
        if not moved and self._moves >= REST_AFTER and whole is not None \
                and not any(inside(whole, area) for area, _ in self.rested):
            self.rested.append((whole, whole))
        self._moves, self._last_moving = (self._moves + 1, self.moving) if moved else (0, whole)
        return moved


def watched(image: np.ndarray, part: Optional[Area]) -> np.ndarray:
    """The pixels of `image` inside `part` (at least one each way; all of it when None)."""
    if part is None:
        return image
    rows, cols = image.shape[:2]
    top, left = min(rows - 1, round(part[1] * rows)), min(cols - 1, round(part[0] * cols))
    return image[top:max(top + 1, round(part[3] * rows)), left:max(left + 1, round(part[2] * cols))]


def in_picture(area: Optional[Area], part: Optional[Area]) -> Optional[Area]:
    """An area in fractions of `part` as fractions of the whole picture."""
    if area is None or part is None:
        return area
    width, height = part[2] - part[0], part[3] - part[1]
    return (part[0] + area[0] * width, part[1] + area[1] * height, part[0] + area[2] * width,
            part[1] + area[3] * height)


def masked_out(changed: np.ndarray, masks: Sequence[Area], part: Optional[Area]) -> np.ndarray:
    """A thumbnail's mask of changed pixels (of `part` of the picture) with those in or next to `masks` cleared (the
    thumbnail's blur spreads a change a pixel)."""
    rows, cols = changed.shape
    for mask in masks:
        left, top, right, bottom = in_part(mask, part)
        if right > left and bottom > top:  # in the part: cleared a pixel wider, as far as the blur spreads a change
            changed[max(0, math.floor(top * rows) - 1):math.ceil(bottom * rows) + 1,
                    max(0, math.floor(left * cols) - 1):math.ceil(right * cols) + 1] = False
    return changed


def in_part(area: Area, part: Optional[Area]) -> Area:
    """An area in fractions of the whole picture as fractions of `part` (in_picture's inverse), cut to the part."""
    if part is None:
        return area
    width, height = part[2] - part[0], part[3] - part[1]
    return (min(1.0, max(0.0, (area[0] - part[0]) / width)), min(1.0, max(0.0, (area[1] - part[1]) / height)),
            min(1.0, max(0.0, (area[2] - part[0]) / width)), min(1.0, max(0.0, (area[3] - part[1]) / height)))


def movers(changed: np.ndarray, min_share: float) -> list[Area]:
    """The rectangles of the patches of changed pixels (touching, or up to two pixels apart) that alone are at
    least `min_share` of the thumbnail, in fractions of it."""
    count, labels = cv2.connectedComponents(cv2.dilate(changed.astype(np.uint8), None), connectivity=8)
    labels[~changed] = 0
    sizes = np.bincount(labels.ravel(), minlength=count)
    return [changed_area(labels == label) for label in range(1, count) if sizes[label] >= min_share * changed.size]


def followed(areas: list[Area], last: list[Mover]) -> list[Mover]:
    """Each mover with the calls in a row it has moved, one more than the most of the last call's movers it
    overlaps (1: it has just begun to move), and the rectangle around where it and they have been."""
    movers = []
    for area in areas:
        before = [mover for mover in last if overlap(area, mover[0])]
        movers.append((area, 1 + max((moves for _, moves, _ in before), default=0),
                       enclosing([area] + [been for _, _, been in before])))
    return movers


def come_to_rest(last: list[Mover], now: list[Area]) -> list[tuple[Area, Area]]:
    """Where the last call's movers that had moved at REST_AFTER calls in a row and are still stopped, and where
    each has been; while others move (`now`: each with where it was at the last call), only those where it has been
    is APART from them (a car in the next lane; not a piece of a car driving on, nor a glint where it has just
    been)."""
    return [(area, been) for area, moves, been in last
            if moves >= REST_AFTER and not any(overlap(grown(been, APART), other) for other in now)]


def enclosing(areas: list[Area]) -> Area:
    """The rectangle around these areas."""
    return min(a[0] for a in areas), min(a[1] for a in areas), max(a[2] for a in areas), max(a[3] for a in areas)


def inside(a: Area, b: Area) -> bool:
    """`a` lies within `b`."""
    return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]


def overlap(a: Area, b: Area) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def grown(area: Area, by: float) -> Area:
    return (area[0] - by, area[1] - by, area[2] + by, area[3] + by)


def changed_area(changed: np.ndarray) -> Optional[Area]:
    """The rectangle around the changed pixels of a thumbnail mask, in fractions of it (None: none changed)."""
    x, y, w, h = cv2.boundingRect(changed.astype(np.uint8))
    if w == 0 or h == 0:
        return None
    rows, cols = changed.shape
    return (x / cols, y / rows, (x + w) / cols, (y + h) / rows)


def left_behind(last: list[Mover], now: list[Area]) -> list[Area]:
    """Where a car may have stopped as one patch of change with another that drives on (the first car of a queue and
    the car behind it): of each last call's mover that had moved at REST_AFTER calls in a row and that what moves now
    overlaps, the part that is `uncovered`. A stop if it is still uncovered at the next call."""
    return [band for area, moves, _ in last if moves >= REST_AFTER and any(overlap(area, other) for other in now)
            for band in [uncovered(area, now)] if band is not None]


def uncovered(area: Area, now: list[Area]) -> Optional[Area]:
    """The part of `area` that the rectangle around what moves over it now leaves out (all of it when nothing does):
    around the strips above, below, left and right of that rectangle that are at least LEFT_BEHIND of the picture
    wide and high (a car that drives on leaves only thin strips where it was at the last call); None if none are."""
    on = [other for other in now if overlap(area, other)]
    if not on:
        return area
    left, top, right, bottom = area
    moving = enclosing(on)
    strips = [strip for strip in ((left, top, right, moving[1]), (left, moving[3], right, bottom),
                                  (left, top, moving[0], bottom), (moving[2], top, right, bottom))
              if strip[2] - strip[0] >= LEFT_BEHIND and strip[3] - strip[1] >= LEFT_BEHIND]
    return enclosing(strips) if strips else None
