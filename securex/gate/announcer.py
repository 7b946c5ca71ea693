"""The announcer: a decided plate's standing on the lists and the alert for a flagged one.

One vehicle visit is announced once, even when its track is split or restarted (`AnnouncedVisits`): only
then is its event made (for the receivers, the alert command among them) and the barrier opened.
"""

from __future__ import annotations

import logging
import time

from securex.config import AlertConfig
from securex.core.domain import FLAGGED
from securex.gate.duplicates import AnnouncedVisits
from securex.gate.watchlist import Match, Watchlist
from securex.video.tracking import Track

log = logging.getLogger(__name__)
WATCHLIST_CHECK_SECONDS = 2.0  # how often the watchlist file is checked for changes


class Announcer:
    def __init__(self, config: AlertConfig, duplicate_window_seconds: float):
        self.watchlist = Watchlist(config.watchlist_path, config.watchlist_max_distance)
        self._window = duplicate_window_seconds
        self._visits: dict[str, AnnouncedVisits] = {}  # per lane: a car through the entry, then the exit, is two
        self._checked = time.monotonic()
        self.alerts: list[str] = []  # flagged vehicles not yet acknowledged (key F)
        self.flagged = 0  # flagged vehicles this session

    def announce(self, track: Track, lane: str = "") -> bool:
        """Look the decided plate up once per track; once per visit of `lane`, raise the alert for a flagged one.
        True when this is a new visit (announced now)."""
        if track.announced or track.winner is None:
            return False
        track.announced = True
        plate = track.winner.read.text
        track.decision = self.watchlist.match(plate)
        status = track.decision.status if track.decision else "none"
        visits = self._visits.setdefault(lane, AnnouncedVisits(self._window))
        if visits.is_repeat(plate, status, track.winner.at):
            log.info("%s (%s) is the visit just announced: not announced again", plate, status)
            return False
        if status == FLAGGED:
            self._alert(plate, track.decision)
        return True

    def correct(self, track: Track, lane: str = "") -> bool:
        """The rest of an announced visit read another plate, now its track's winner: look that one up. True when
        it is announced anew (its standing differs from the visit's, or the plate is not within one edit): then a
        flagged one raises the alert. Later tracks of the same car are this visit, and so is the track (a later track
        of the car that took its record, `Recorder.adopt`, is announced by this: not again)."""
        plate = track.winner.read.text
        track.announced = True
        track.decision = self.watchlist.match(plate)
        status = track.decision.status if track.decision else "none"
        if self._visits.setdefault(lane, AnnouncedVisits(self._window)).is_repeat(plate, status, track.winner.at):
            return False
        if status == FLAGGED:
            self._alert(plate, track.decision)
        return True

    def _alert(self, plate: str, decision: Match) -> None:
        self.flagged += 1
        note = f": {decision.note}" if decision.note else ""
        self.alerts.append(f"FLAGGED {plate}{note}")
        log.warning("FLAGGED vehicle %s (listed as %s)%s", plate, decision.listed_plate, note)

    def seen(self, track: Track, lane: str, at: float) -> None:
        """An announced car still in view: its visit lasts while it stays (a car waiting at the barrier)."""
        visits = self._visits.get(lane)
        if visits is not None and track.announced and track.winner is not None:
            visits.seen(track.winner.read.text, track.decision.status if track.decision else "none", at)

    def acknowledge(self) -> None:
        """The guard has seen the alerts (key F)."""
        if self.alerts:
            log.info("Alert acknowledged: %s", "; ".join(self.alerts))
            self.alerts.clear()

    def check_watchlist(self) -> None:
        """Reload the list when its file changed (looked at every few seconds)."""
        now = time.monotonic()
        if now - self._checked >= WATCHLIST_CHECK_SECONDS:
            self._checked = now
            self.watchlist.reload_if_changed()
