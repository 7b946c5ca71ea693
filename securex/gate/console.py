"""What the guard's panel says: the current decision, the last plates, and the answer to each key.

Plain code (no threads, windows or I/O): tracks in, panel entries and message texts out.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Optional

from securex.records.chain import Head
from securex.ui.views import Entry
from securex.video.tracking import Track

RECENT_PLATES = 8  # the last plates listed in the panel


class Console:
    def __init__(self, size: int = RECENT_PLATES):
        self._size = size
        self._entries: OrderedDict[int, Entry] = OrderedDict()  # by track id, oldest first

    def decided(self, track: Track, lane: str = "") -> None:
        """A track's plate is decided (and looked up in the lists): it heads the last plates (with its lane's name
        when the gate has several)."""
        sighting = track.winner
        if sighting is None:
            return
        decision = track.decision
        self._entries.pop(track.id, None)
        self._entries[track.id] = Entry(sighting.read.text, decision.status if decision else "",
                                        decision.note if decision else "", sighting.crop, sighting.at,
                                        track.recorded, lane)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def saved(self, track: Track, lane: str = "") -> None:
        """The track's plate was recorded."""
        if track.id in self._entries:
            self._entries[track.id] = replace(self._entries[track.id], saved=True)
        else:
            self.decided(track, lane)

    def corrected(self, track: Track, lane: str = "") -> None:
        """The track's record was corrected: its line shows the plate the rest of its visit read, in its place."""
        if track.id not in self._entries:
            self.decided(track, lane)
            return
        sighting, decision = track.winner, track.decision
        self._entries[track.id] = replace(self._entries[track.id], plate=sighting.read.text,
                                          status=decision.status if decision else "",
                                          note=decision.note if decision else "", crop=sighting.crop)

    @property
    def recent(self) -> list[Entry]:
        """The last plates, newest first."""
        return list(reversed(self._entries.values()))

    def current(self, visible: list[Track]) -> tuple[Optional[Entry], bool]:
        """(decision to show large, a plate is being read). A decided plate on screen first; else, while a new
        plate is being read, none; else the last decided plate, which stays after its car has gone."""
        on_screen = [t for t in visible if t.id in self._entries]
        if on_screen:
            return self._entries[max(on_screen, key=lambda t: t.winner.at).id], False
        if visible:
            return None, True
        return (self.recent[0] if self._entries else None), False


def engineer_lines(fps: float, stage_ms: dict[str, float], engine: str, head: Head, fingerprint: str, vehicles: int,
                   unique_today: int, saved: int, watchlist_size: int, flagged: int) -> list[str]:
    """The engineer figures behind key I."""
    stages = [f"  {name} {ms:.0f} ms" for name, ms in stage_ms.items()] or ["  -"]
    return [f"FPS {fps:.1f}   OCR engine: {engine}", f"Vehicles seen: {vehicles}",
            f"Unique plates today: {unique_today}", f"Saved this session: {saved}",
            f"Watchlist: {watchlist_size} entries, flagged seen: {flagged}",
            f"Record chain: {head.seq} records", f"  head {head.hash[:16]}", f"Key fingerprint: {fingerprint}",
            "Time per stage:"] + stages


def save_message(plate: Optional[str], saved: bool, seconds_ago: Optional[float]) -> str:
    """The answer to S: what happened to the plate on screen."""
    if plate is None:
        return "No plate to save"
    if saved:
        return f"Saved {plate}"
    if seconds_ago is not None:
        return f"Already saved {seconds_ago:.0f} s ago"
    return f"NOT SAVED {plate}: no space to keep it (see the log)"


def check_message(recorded: str, later: str) -> str:
    """What the guard is told when the rest of a visit read its recorded car as another plate, and no correction
    could be recorded."""
    return f"{recorded} may be {later}"


def correct_message(recorded: str, later: str) -> str:
    """What the guard is told when a recorded car's plate was corrected by the rest of its visit (short: it fits
    the panel of an 800-pixel-wide window with plates of ten characters)."""
    return f"{recorded} is {later}"


def auto_save_message(on: bool) -> str:
    return "Auto-save ON" if on else "Auto-save OFF"


def acknowledge_message(alerts: int) -> str:
    return "Alert acknowledged" if alerts == 1 else f"{alerts} alerts acknowledged" if alerts else \
        "No alert to acknowledge"
