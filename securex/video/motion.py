"""Motion gate: an empty, still lane needs no plate detector run.

Each frame due for detection is shrunk to a small grey thumbnail and compared with the last one;
when too few pixels changed and no vehicle is being tracked, the detector run is skipped. A gate
PC then idles between cars instead of searching an empty road several times a second.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np


class MotionGate:
    def __init__(self, thumb_width: int, pixel_delta: int, min_share: float):
        self._width, self._delta, self._min_share = thumb_width, pixel_delta, min_share
        self._previous: Optional[np.ndarray] = None

    def moved(self, image: np.ndarray) -> bool:
        """True when the picture changed enough since the last call (always on the first)."""
        height = max(1, round(image.shape[0] * self._width / image.shape[1]))
        thumb = cv2.resize(image, (self._width, height), interpolation=cv2.INTER_AREA)
        thumb = cv2.GaussianBlur(cv2.cvtColor(thumb, cv2.COLOR_BGR2GRAY), (3, 3), 0)
        previous, self._previous = self._previous, thumb
        if previous is None or previous.shape != thumb.shape:
            return True
        changed = cv2.absdiff(thumb, previous) > self._delta
        return float(changed.mean()) >= self._min_share
