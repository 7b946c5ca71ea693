"""The live OpenCV window."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np


class Window:
    """The OpenCV window; `show` returns the key pressed (lower-case), if any."""

    def __init__(self, title: str):
        self.title = title
        self._sized = False
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    def show(self, image: np.ndarray) -> Optional[str]:
        if not self._sized:
            cv2.resizeWindow(self.title, image.shape[1], image.shape[0])
            self._sized = True
        cv2.imshow(self.title, image)
        key = cv2.waitKey(1)
        if key < 0:
            return None
        key &= 0xFF
        return " " if key == 32 else chr(key).lower()

    def close(self) -> None:
        cv2.destroyWindow(self.title)
        cv2.waitKey(1)
