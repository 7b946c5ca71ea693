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
START_SIZE = (1280, 720)  # the window at start; W makes it full screen, and it may be resized


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
    """The OpenCV window. The picture given to `show` is drawn at the window's own size (`size`), so it is
    shown pixel for pixel; `show` returns the key pressed (lower-case), if any."""

    def __init__(self, title: str, size: tuple[int, int] = START_SIZE):
        self.title, self._size = title, size
        self.full_screen = False
        self._shown = False
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_FREERATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error:
            raise DisplayError(NO_SCREEN.format("this OpenCV has no window support")) from None
        cv2.resizeWindow(title, *size)

    def size(self) -> tuple[int, int]:
        """The window's picture area (width, height) in pixels."""
        try:
            _, _, width, height = cv2.getWindowImageRect(self.title)
        except cv2.error:
            return self._size
        return (width, height) if width > 0 and height > 0 else self._size

    def set_full_screen(self, on: bool) -> None:
        self.full_screen = on
        cv2.setWindowProperty(self.title, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN if on else cv2.WINDOW_NORMAL)

    def closed(self) -> bool:
        """The guard closed the window (its close button)."""
        try:
            return self._shown and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def show(self, image: np.ndarray) -> Optional[str]:
        cv2.imshow(self.title, image)
        self._shown = True
        key = cv2.waitKey(1)
        if key < 0:
            return None
        key &= 0xFF
        return " " if key == 32 else chr(key).lower()

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.title)
        except cv2.error:  # already closed by the guard
            pass
        cv2.waitKey(1)
