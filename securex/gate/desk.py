"""The guard's desk: each lane's picture beside the panel, the alarm, and what each key does, answered on screen.

It reads the gate's parts (`GateApp`: the lanes and their visit deciders, recorder, announcer,
integrations, perf monitor) to fill the panel, and acts on them for the guard's keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np

from securex.gate.alarm import Alarm
from securex.gate.console import (
    Console,
    acknowledge_message,
    auto_save_message,
    check_message,
    correct_message,
    engineer_lines,
    save_message,
)
from securex.ui.screen import Screen
from securex.ui.views import LaneView, PanelView, PlateOverlay

if TYPE_CHECKING:
    from pathlib import Path

    from securex.gate.app import GateApp
    from securex.gate.lane import Lane
    from securex.video.tracking import Track

NO_PICTURE = (720, 1280, 3)  # what NO SIGNAL is drawn on before the first picture


class Desk:
    def __init__(self, screen: Screen, gate: "GateApp", sound: Optional["Path"]):
        self._screen, self._gate = screen, gate
        self.console = Console()
        self._alarm = Alarm(sound)

    def show(self) -> bool:
        """Show each lane's last picture (dimmed while its live camera is away) and the panel, and carry out the
        key pressed; False when the guard quits."""
        g = self._gate
        views = [LaneView(lane.name, lane.frame.image if lane.frame is not None else np.zeros(NO_PICTURE, np.uint8),
                          self._overlays(lane) if lane.live else [], lane.live) for lane in g.lanes]
        current, reading = self.console.current(self._visible())
        r, a = g.recorder, g.announcer
        info = engineer_lines(g.perf.fps, g.perf.recent_ms(), g.engine, r.head, r.key_fingerprint,
                              sum(lane.decider.tracker.started for lane in g.lanes), r.unique_today, r.saved,
                              a.watchlist.size, a.flagged)
        panel = PanelView(current, reading, self.console.recent, g.lanes[0].decider.auto_save, r.waiting, r.failing,
                          a.alerts, info, g.outside.waiting, len(r.on_site))
        self._alarm.update(bool(a.alerts))
        return self._act(self._screen.show(views, panel))

    def corrected(self, track: "Track", earlier: str, recorded: bool, lane: str = "") -> None:
        """A recorded car was read as another plate by the rest of its visit: the guard is told, and its line in
        the last plates shows that plate (once its correction is recorded)."""
        later = track.winner.read.text
        if recorded:
            self.console.corrected(track, lane)
        self._screen.say(correct_message(earlier, later) if recorded else check_message(earlier, later))

    def _visible(self) -> list["Track"]:
        return [track for lane in self._gate.lanes for track in lane.decider.visible()]

    def _surest(self) -> Optional["Track"]:
        """The visible track with the most confident read, on any lane (S saves it, O opens its lane's barrier)."""
        tracks = [track for track in (lane.decider.surest_visible() for lane in self._gate.lanes) if track]
        return max(tracks, key=lambda t: t.winner.read.confidence) if tracks else None

    def _act(self, action: Optional[str]) -> bool:
        """Carry out a key's action and answer it on screen (the screen handles its own keys)."""
        g, say = self._gate, self._screen.say
        if action == "auto_save":
            on = not g.lanes[0].decider.auto_save
            for lane in g.lanes:
                lane.decider.auto_save = on
            say(auto_save_message(on))
        elif action == "save":
            track = self._surest()
            plate = track.winner.read.text if track else None
            saved = track is not None and g.record(track)
            lane = g.lane_of(track)
            now = lane.frame.timestamp if lane.frame is not None else 0.0
            ago = None if plate is None or g.recorder.failing else g.recorder.saved_ago(plate, now, lane.name)
            say(save_message(plate, saved, ago))
        elif action == "acknowledge":
            count = len(g.announcer.alerts)
            g.announcer.acknowledge()
            self._alarm.update(False)
            say(acknowledge_message(count))
        elif action == "open_barrier":
            track = self._surest()
            lane = g.lane_of(track)
            event = g.outside.manual_open(track, lane.name)
            if event is None:
                say("No barrier to open: set BARRIER in config.py")
            else:
                g.recorder.record_manual_open(track, event, lane.source.spec.label)
                g.outside.sender.wake()
                say(f"Barrier opened by hand{' for ' + event.plate if event.plate else ''}")
        return action != "quit"

    def _overlays(self, lane: "Lane") -> list[PlateOverlay]:
        overlays = []
        for track in lane.decider.visible():
            winner, decision = track.winner, track.decision
            shown = track.announced and winner is not None
            overlays.append(PlateOverlay(track.box, winner.read.text if shown else "",
                                         decision.status if decision else ""))
        return overlays

    def close(self) -> None:
        self._alarm.close()
