"""The screen: the picture with plate boxes, the dashboard and the alert band; keys become actions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

import numpy as np

from securex.core.perf import PerfMonitor
from securex.ui.dashboard import PlateOverlay, draw_alert, draw_no_signal, draw_panel, draw_plates
from securex.ui.window import Window

log = logging.getLogger(__name__)
NO_SIGNAL_SIZE = (720, 1280, 3)
KEY_ACTIONS = {"a": "auto_save", "s": "save", " ": "save", "d": "dashboard", "f": "acknowledge",
               "o": "open_barrier", "q": "quit", "\x1b": "quit"}


@dataclass(frozen=True)
class Status:
    """The facts the dashboard shows."""

    fps: float
    vehicles: int
    unique_today: int
    saved: int
    auto_save: bool
    engine: str
    chain_records: int
    chain_head: str
    watchlist_size: int
    flagged: int
    stage_ms: dict[str, float]
    waiting: int  # records kept in the journal until the database is back
    events_waiting: int = 0  # events not yet delivered to every receiver

    def lines(self) -> list[str]:
        stages = "  ".join(f"{k} {v:.0f}ms" for k, v in self.stage_ms.items())
        return [
            f"SecureX   FPS {self.fps:.1f}",
            f"Vehicles seen: {self.vehicles}",
            f"Unique plates today: {self.unique_today}",
            f"Saved this session: {self.saved}",
            f"Auto-save: {'ON' if self.auto_save else 'OFF'} (A)   Save now: S",
            f"OCR engine: {self.engine}",
            f"Record chain: {self.chain_records} records, head {self.chain_head[:12]}",
        ] + ([f"DATABASE DOWN: {self.waiting} record(s) waiting (kept safe)"] if self.waiting else []) \
          + ([f"Events waiting to be sent: {self.events_waiting}"] if self.events_waiting else []) + [
            f"Watchlist: {self.watchlist_size} entries   Flagged: {self.flagged}",
            stages or "stage times: -",
            "D: hide dashboard   F: acknowledge alert   O: open barrier   Q: quit",
        ]


class Screen:
    def __init__(self, window: Window, show_dashboard: bool, perf: PerfMonitor):
        self._window, self._perf = window, perf
        self.show_dashboard = show_dashboard
        self._last_image: Optional[np.ndarray] = None

    def show(self, picture: np.ndarray, plates: list[PlateOverlay], status: Status, alerts: list[str]) -> Optional[str]:
        """Draw a frame with its plates, dashboard and alert; returns the action of a key pressed, if any."""
        with self._perf.stage("draw"):
            image = picture.copy()
            draw_plates(image, plates)
            if self.show_dashboard:
                draw_panel(image, status.lines())
            if alerts:
                draw_alert(image, alerts[-1], len(alerts))
            self._last_image = image
        return self._action(self._window.show(image))

    def show_no_signal(self, source: str, status: Status) -> Optional[str]:
        """The last picture dimmed with NO SIGNAL over it, while a live source reconnects."""
        image = np.zeros(NO_SIGNAL_SIZE, np.uint8) if self._last_image is None else self._last_image // 3
        draw_no_signal(image, source)
        if self.show_dashboard:
            draw_panel(image, status.lines())
        return self._action(self._window.show(image))

    def _action(self, key: Optional[str]) -> Optional[str]:
        """The action of a key; the dashboard key is the screen's own and is handled here."""
        action = KEY_ACTIONS.get(key or "")
        if action == "dashboard":
            self.show_dashboard = not self.show_dashboard
            log.info("Dashboard %s", "shown" if self.show_dashboard else "hidden")
            return None
        return action
