"""Motion gate: an empty, still lane needs no plate detector run, and motion tells where to look.

Each frame due for detection is shrunk to a small grey thumbnail and compared with the last one;
when too few pixels changed and no vehicle is being tracked, the detector run is skipped. A gate
PC then idles between cars instead of searching an empty road several times a second. The
rectangle around the changed pixels (`moving`) is where a car is: the detector can look there
more closely than at the whole picture, for the same cost (gate/focus.py). Where it last moved, on
the first still frame after it moved at REST_AFTER checks in a row (`rested`), is where a car has
just stopped: at the barrier, it may wait there unread (too small to be found while it moved), so
the lane looks there once, closer. The separate things that moved (`movers`: a second car coming while
the first is followed) are told apart too, and one that stops while another still moves (two cars side by
side, the first at its barrier: apart from all that still moves) has come to rest as a whole picture that
stops has.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from securex.core.domain import overlap

Area = tuple[float, float, float, float]  # left, top, right, bottom in fractions of the picture
REST_AFTER = 3  # the picture counts as come to rest after it moved at this many calls in a row (a car drove in;
# a flicker of light, a leaf, rain is one call or two)
MOVER_JOIN = 5  # changed thumbnail pixels this close (in thumbnail pixels) are one moving thing (a car's parts)
MOVER_MIN_SHARE = 0.01  # a moving thing covers at least this share of the thumbnail, so joined (not a clock's digit)


class MotionGate:
    def __init__(self, thumb_width: int, pixel_delta: int, min_share: float):
        self._width, self._delta, self._min_share = thumb_width, pixel_delta, min_share
        self._previous: Optional[np.ndarray] = None
        self.moving: Optional[Area] = None  # where the picture changed at the last call (None: not known)
        self.rested: Optional[Area] = None  # where it last changed, when this call found it still after it moved
        # at REST_AFTER calls in a row; or a thing that had moved as long and stopped apart from all that moves
        self.movers: list[Area] = []  # the separate things that moved at the last call, largest first
        self._moves = 0  # calls in a row at which it moved
        self._streaks: list[int] = []  # for each of `movers`: calls in a row at which it (or what it overlaps) moved

    def moved(self, image: np.ndarray) -> bool:
        """True when the picture changed enough since the last call (always on the first)."""
        height = max(1, round(image.shape[0] * self._width / image.shape[1]))
        thumb = cv2.resize(image, (self._width, height), interpolation=cv2.INTER_AREA)
        thumb = cv2.GaussianBlur(cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY), (3, 3), 0)
        previous, self._previous = self._previous, thumb
        last, self.moving, self.rested = self.moving, None, None
        movers, streaks, self.movers, self._streaks = self.movers, self._streaks, [], []
        if previous is None or previous.shape != thumb.shape:
            return True
        changed = cv2.absdiff(thumb, previous) > self._delta
        if float(changed.mean()) < self._min_share:
            self.rested = last if self._moves >= REST_AFTER else None
            self._moves = 0
            return False
        self.moving, self.movers = changed_area(changed), moving_parts(changed)
        self._streaks = [1 + max((n for m, n in zip(movers, streaks, strict=True) if overlap(m, now)), default=0)
                         for now in self.movers]
        self.rested = next((m for m, n in zip(movers, streaks, strict=True)
                            if n >= REST_AFTER and not overlap(m, self.moving)), None)  # apart from all that moves
        # (a car's parts come and go beside it as it drives: not at rest; a clock ticking at that call hides a rest)
        self._moves += 1
        return True


def changed_area(changed: np.ndarray) -> Optional[Area]:
    """The rectangle around the changed pixels of a thumbnail mask, in fractions of it (None: none changed)."""
    x, y, w, h = cv2.boundingRect(changed.astype(np.uint8))
    if w == 0 or h == 0:
        return None
    rows, cols = changed.shape
    return (x / cols, y / rows, (x + w) / cols, (y + h) / rows)


def moving_parts(changed: np.ndarray) -> list[Area]:
    """The rectangles around each separate moving thing of a thumbnail mask (changed pixels within MOVER_JOIN of
    each other are one; those covering less than MOVER_MIN_SHARE of it left out), in fractions of it, largest first."""
    joined = cv2.dilate(changed.astype(np.uint8), np.ones((MOVER_JOIN, MOVER_JOIN), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    rows, cols = changed.shape
    parts = sorted((s for s in stats[1:] if s[cv2.CC_STAT_AREA] >= MOVER_MIN_SHARE * rows * cols),
                   key=lambda s: s[cv2.CC_STAT_AREA], reverse=True)
    return [(x / cols, y / rows, (x + w) / cols, (y + h) / rows) for x, y, w, h, _ in parts]

