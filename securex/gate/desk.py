"""The guard's desk: the picture beside the panel, the alarm, and what each key does, answered on screen.

It reads the gate's parts (`GateApp`: the visit decider, recorder, announcer, integrations, perf
monitor) to fill the panel, and acts on them for the guard's keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from securex.core.domain import Frame
from securex.gate.alarm import Alarm
from securex.gate.console import Console, acknowledge_message, auto_save_message, engineer_lines, save_message
from securex.ui.screen import Screen
from securex.ui.views import LaneView, PanelView, PlateOverlay

if TYPE_CHECKING:
    from pathlib import Path

    from securex.gate.app import GateApp

NO_PICTURE = (720, 1280, 3)  # what NO SIGNAL is drawn on before the first picture


class Desk:
    def __init__(self, screen: Screen, gate: "GateApp", lane: str, sound: Optional["Path"]):
        self._screen, self._gate, self._lane = screen, gate, lane
        self.console = Console()
        self._alarm = Alarm(sound)
        self._picture: Optional[np.ndarray] = None
        self._now = 0.0  # source time of the frame shown

    def show(self, frame: Optional[Frame], live: bool) -> bool:
        """Show `frame` (None: the last picture, dimmed, while a live source is away) and the panel, and carry
        out the key pressed; False when the guard quits."""
        if frame is not None:
            self._picture, self._now = frame.image, frame.timestamp
        g = self._gate
        picture = self._picture if self._picture is not None else np.zeros(NO_PICTURE, np.uint8)
        lane = LaneView(self._lane, picture, self._overlays() if live else [], live)
        current, reading = self.console.current(g.decider.visible())
        r, a = g.recorder, g.announcer
        info = engineer_lines(g.perf.fps, g.perf.recent_ms(), g.engine, r.head, r.key_fingerprint,
                              g.decider.tracker.started, r.unique_today, r.saved, a.watchlist.size, a.flagged)
        panel = PanelView(current, reading, self.console.recent, g.decider.auto_save, r.waiting, r.failing,
                          a.alerts, info, g.outside.waiting)
        self._alarm.update(bool(a.alerts))
        return self._act(self._screen.show([lane], panel))

    def _act(self, action: Optional[str]) -> bool:
        """Carry out a key's action and answer it on screen (the screen handles its own keys)."""
        g, say = self._gate, self._screen.say
        if action == "auto_save":
            g.decider.auto_save = not g.decider.auto_save
            say(auto_save_message(g.decider.auto_save))
        elif action == "save":
            track = g.decider.surest_visible()
            plate = track.winner.read.text if track else None
            saved = track is not None and g.record(track)
            ago = None if plate is None or g.recorder.failing else g.recorder.saved_ago(plate, self._now)
            say(save_message(plate, saved, ago))
        elif action == "acknowledge":
            count = len(g.announcer.alerts)
            g.announcer.acknowledge()
            self._alarm.update(False)
            say(acknowledge_message(count))
        elif action == "open_barrier":
            track = g.decider.surest_visible()
            event = g.outside.manual_open(track)
            if event is None:
                say("No barrier to open: set BARRIER in config.py")
            else:
                g.recorder.record_manual_open(track, event)
                g.outside.sender.wake()
                say(f"Barrier opened by hand{' for ' + event.plate if event.plate else ''}")
        return action != "quit"

    def _overlays(self) -> list[PlateOverlay]:
        overlays = []
        for track in self._gate.decider.visible():
            winner, decision = track.winner, track.decision
            shown = track.announced and winner is not None
            overlays.append(PlateOverlay(track.box, winner.read.text if shown else "",
                                         decision.status if decision else ""))
        return overlays

    def close(self) -> None:
        self._alarm.close()
