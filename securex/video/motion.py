"""Motion gate: an empty, still lane needs no plate detector run, and motion tells where to look.

Each frame due for detection is shrunk to a small grey thumbnail and compared with the last one;
when too few pixels changed and no vehicle is being tracked, the detector run is skipped. A gate
PC then idles between cars instead of searching an empty road several times a second. The
rectangle around the changed pixels (`moving`) is where a car is: the detector can look there
more closely than at the whole picture, for the same cost (gate/focus.py). Where it last moved, on
the first still frame after it moved at REST_AFTER checks in a row (`rested`), is where a car has
just stopped: at the barrier, it may wait there unread (too small to be found while it moved), so
the lane looks there once, closer.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

Area = tuple[float, float, float, float]  # left, top, right, bottom in fractions of the picture
REST_AFTER = 3  # the picture counts as come to rest after it moved at this many calls in a row (a car drove in;
# a flicker of light, a leaf, rain is one call or two)


class MotionGate:
    def __init__(self, thumb_width: int, pixel_delta: int, min_share: float):
        self._width, self._delta, self._min_share = thumb_width, pixel_delta, min_share
        self._previous: Optional[np.ndarray] = None
        self.moving: Optional[Area] = None  # where the picture changed at the last call (None: not known)
        self.rested: Optional[Area] = None  # where it last changed, when this call found it still after it moved
        # at REST_AFTER calls in a row
        self._moves = 0  # calls in a row at which it moved

    def moved(self, image: np.ndarray) -> bool:
        """True when the picture changed enough since the last call (always on the first)."""
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
        self.moving = changed_area(changed)
        self._moves += 1
        return True


def changed_area(changed: np.ndarray) -> Optional[Area]:
    """The rectangle around the changed pixels of a thumbnail mask, in fractions of it (None: none changed)."""
    x, y, w, h = cv2.boundingRect(changed.astype(np.uint8))
    if w == 0 or h == 0:
        return None
    rows, cols = changed.shape
    return (x / cols, y / rows, (x + w) / cols, (y + h) / rows)
