"""The screen: lane pictures beside the panel, the band below; keys become actions, each answered on screen."""

from __future__ import annotations

import logging
import time
from typing import Optional

import numpy as np

from securex.core.perf import PerfMonitor
from securex.ui.draw import canvas, draw_band, draw_lane
from securex.ui.layout import compute_layout
from securex.ui.panel import draw_panel
from securex.ui.views import LaneView, PanelView
from securex.ui.window import Window

log = logging.getLogger(__name__)
KEY_ACTIONS = {"a": "auto_save", "s": "save", " ": "save", "f": "acknowledge", "o": "open_barrier", "i": "info",
               "w": "full_screen", "q": "quit", "\x1b": "quit"}
KEYS_HELP = "S save   A auto-save   F acknowledge   O open barrier   I figures   W full screen   Q quit"
MESSAGE_SECONDS = 2.0  # a key's answer stays this long
STILL_POLL_MS = 50


class Screen:
    def __init__(self, window: Window, show_info: bool, perf: PerfMonitor):
        self._window, self._perf = window, perf
        self.show_info = show_info
        self._message: Optional[tuple[str, float]] = None  # text, shown until (monotonic seconds)

    def say(self, text: str) -> None:
        """Answer a key on screen for MESSAGE_SECONDS."""
        self._message = (text, time.monotonic() + MESSAGE_SECONDS)
        log.info("On screen: %s", text)

    def show(self, lanes: list[LaneView], panel: PanelView) -> Optional[str]:
        """Draw the lanes and the panel; returns the action of a key pressed (or of closing the window), if any."""
        with self._perf.stage("draw"):
            image = self.compose(lanes, panel)
        key = self._window.show(image)
        if self._window.closed():
            return "quit"
        return self._action(key)

    def show_still(self, lanes: list[LaneView], panel: PanelView, keys: str) -> bool:
        """Show a photo until a key other than W (full screen) is pressed (True) or the window is closed (False)."""
        while True:
            image = self.compose(lanes, panel, keys)
            key = self._window.show(image)
            if self._window.closed():
                return False
            if KEY_ACTIONS.get(key or "") == "full_screen":
                self._action(key)
            elif key is not None:
                return True
            time.sleep(STILL_POLL_MS / 1000)

    def compose(self, lanes: list[LaneView], panel: PanelView, keys: str = KEYS_HELP) -> np.ndarray:
        """The whole window's picture at the window's size."""
        layout = compute_layout(self._window.size(), [(lane.image.shape[1], lane.image.shape[0]) for lane in lanes])
        image = canvas(layout)
        for cell, lane in zip(layout.lanes, lanes, strict=True):
            draw_lane(image, layout, cell, lane)
        message = self._message[0] if self._message and time.monotonic() < self._message[1] else None
        draw_panel(image, layout, panel, message, self.show_info)
        draw_band(image, layout, panel.alerts, keys)
        return image

    def _action(self, key: Optional[str]) -> Optional[str]:
        """The action of a key; the screen's own keys (I, W) are handled here."""
        action = KEY_ACTIONS.get(key or "")
        if action == "info":
            self.show_info = not self.show_info
            self.say("Engineer figures shown" if self.show_info else "Engineer figures hidden")
            return None
        if action == "full_screen":
            self._window.set_full_screen(not self._window.full_screen)
            self.say("Full screen ON" if self._window.full_screen else "Full screen OFF")
            return None
        return action
