"""The live OpenCV window, and the check that there is a screen to show it on."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Optional

import cv2
import numpy as np

from securex.core.errors import SecureXError

NO_SCREEN = "No screen to open a window on ({}): run with --headless, or start SecureX from the desktop"
# OpenCV's window (Qt) aborts the whole process when it cannot reach the display, so a throw-away process tries first.
PROBE = "import cv2; cv2.namedWindow('SecureX display check'); cv2.destroyAllWindows()"
PROBE_SECONDS = 30.0


class DisplayError(SecureXError):
    """There is no screen for the window; one plain line naming --headless."""


def check_display() -> None:
    """Raise DisplayError when a window cannot be opened (Linux and other X11 / Wayland systems)."""
    if sys.platform in ("win32", "darwin"):
        return
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not display:
        raise DisplayError(NO_SCREEN.format("DISPLAY is not set"))
    try:
        opened = subprocess.run([sys.executable, "-c", PROBE], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=PROBE_SECONDS).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        opened = False
    if not opened:
        raise DisplayError(NO_SCREEN.format(f"display {display} cannot be opened"))


class Window:
    """The OpenCV window; `show` returns the key pressed (lower-case), if any."""

    def __init__(self, title: str):
        self.title = title
        self._sized = False
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error:
            raise DisplayError(NO_SCREEN.format("this OpenCV has no window support")) from None

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
