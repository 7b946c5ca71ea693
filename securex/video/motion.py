"""Motion gate: an empty, still lane needs no plate detector run, and motion tells where to look.

Each frame due for detection is shrunk to a small grey thumbnail and compared with the last one;
when too few pixels changed and no vehicle is being tracked, the detector run is skipped. A gate
PC then idles between cars instead of searching an empty road several times a second. The
rectangle around the changed pixels (`moving`) is where a car is: the detector can look there
more closely than at the whole picture, for the same cost (gate/focus.py). Where it last moved, on
the first still frame after it moved at REST_AFTER checks in a row (`rested`), is where a car has
just stopped: at the barrier, it may wait there unread (too small to be found while it moved), so
the lane looks there once, closer. A lane with a region watches only the rectangle around it: a car in the
lane beside it, seen by the same camera, neither wakes it nor widens where it looks, nor keeps it from seeing
that its own car has come to rest.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

Area = tuple[float, float, float, float]  # left, top, right, bottom in fractions of the picture
MIN_THUMB_WIDTH = 8  # a narrow region's thumbnail is at least this wide
REST_AFTER = 3  # the picture counts as come to rest after it moved at this many calls in a row (a car drove in;
# a flicker of light, a leaf, rain is one call or two)


class MotionGate:
    def __init__(self, thumb_width: int, pixel_delta: int, min_share: float, part: Optional[Area] = None):
        """`part`: the rectangle of the picture watched (None: all of it), on a thumbnail of that part of the
        whole picture's `thumb_width` (as finely, its noise averaged as much); `min_share` counts of the part's
        pixels. The areas it tells are in fractions of the whole picture either way."""
        self._delta, self._min_share, self._part = pixel_delta, min_share, part
        self._width = thumb_width if part is None else max(MIN_THUMB_WIDTH, round(thumb_width * (part[2] - part[0])))
        self._previous: Optional[np.ndarray] = None
        self.moving: Optional[Area] = None  # where the picture changed at the last call (None: not known)
        self.rested: Optional[Area] = None  # where it last changed, when this call found it still after it moved
        # at REST_AFTER calls in a row
        self._moves = 0  # calls in a row at which it moved

    def moved(self, image: np.ndarray) -> bool:
        """True when the picture (its watched part) changed enough since the last call (always on the first)."""
        image = watched(image, self._part)
        height = max(1, round(image.shape[0] * self._width / image.shape[1]))
        thumb = cv2.resize(image, (self._width, height), interpolation=cv2.INTER_AREA)
        thumb = cv2.GaussianBlur(cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY), (3, 3), 0)
        previous, self._previous = self._previous, thumb
        last, self.moving, self.rested = self.moving, None, None
        if previous is None or previous.shape != thumb.shape:
            return True
        changed = cv2.absdiff(thumb, previous) > self._delta
        if float(changed.mean()) < self._min_share:
            self.rested = last if self._moves >= REST_AFTER else None
            self._moves = 0
            return False
        self.moving = in_picture(changed_area(changed), self._part)
        self._moves += 1
        return True


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


def changed_area(changed: np.ndarray) -> Optional[Area]:
    """The rectangle around the changed pixels of a thumbnail mask, in fractions of it (None: none changed)."""
    x, y, w, h = cv2.boundingRect(changed.astype(np.uint8))
    if w == 0 or h == 0:
        return None
    rows, cols = changed.shape
    return (x / cols, y / rows, (x + w) / cols, (y + h) / rows)
