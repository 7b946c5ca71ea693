"""`read --show`: the photos in the gate's window, drawn as the gate draws a lane, with the plates read and
their standing on the lists. Any key but W (full screen) shows the next photo; closing the window ends it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from securex.config import Config
from securex.core.domain import PlateRead, crop, grow_box
from securex.core.perf import PerfMonitor
from securex.gate.watchlist import Watchlist
from securex.ui.screen import Screen
from securex.ui.views import Entry, LaneView, PanelView, PlateOverlay
from securex.ui.window import Window, check_display

STILL_KEYS = "W full screen    Any other key: next photo    Close the window: stop"


class PhotoViewer:
    def __init__(self, config: Config):
        check_display()
        self._watchlist = Watchlist(config.alerts.watchlist_path, config.alerts.watchlist_max_distance)
        self._margin = config.storage.crop_margin
        self._window = Window(config.window.title)
        self._screen = Screen(self._window, False, PerfMonitor(config.window.fps_window_seconds))
        self._recent: list[Entry] = []  # newest first

    def show(self, path: str, image: np.ndarray, reads: list[PlateRead]) -> bool:
        """Show one photo until a key (True) or until the window is closed (False)."""
        height, width = image.shape[:2]
        overlays, entries = [], []
        for read in reads:
            decision = self._watchlist.match(read.text)
            status = decision.status if decision else ""
            overlays.append(PlateOverlay(read.box, read.text, status))
            plate = crop(image, grow_box(read.box, self._margin, width, height))
            entries.append(Entry(read.text, status, decision.note if decision else "", plate, time.time(), None))
        self._recent = (entries + self._recent)[:8]
        panel = PanelView(entries[0] if entries else None, False, self._recent, None, 0, False, [], [])
        return self._screen.show_still([LaneView(Path(path).name, image, overlays, photo=True)], panel, STILL_KEYS)

    def close(self) -> None:
        self._window.close()
