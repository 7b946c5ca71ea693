"""The visit decider: boxes and reads in, decided plates out. Plain code: no threads, windows or I/O.

Each detector run's boxes continue or start tracks (one per vehicle visit). A read is a vote for
its track's text; the vote settles once enough reads agree, and a track that leaves unsettled is
settled on fewer reads, so a fast car is still decided. A settled track whose recheck reads another
plate has a new car in its place: the old track ends and a new one starts.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from securex.config import TrackingConfig
from securex.core.domain import Box, centre_in, iou
from securex.core.plate_text import same_plate
from securex.video.tracking import Sighting, Track, Tracker

SAME_PLATE_EDITS = 1  # a settled track's recheck read within this many edits is still its plate
SHOWN_AFTER_MISSED = 1  # a track's box stays on screen for this many detector runs without it
STILL_TRAVEL = 0.25  # a track seen in two runs or more that moved less than this (box heights) is still: it gets
# no closer look (its box stays as it is). Not the fixed-text rule: that waits for STATIC_MIN_MOVE (0.75) before
# it takes text for a vehicle, while a car that has just appeared is not still for this, having been seen once.
REJOIN_MIN_LENGTH = 4  # a read this long or longer may find a lost track again by being part of its plate


def is_same_plate(read: str, settled: str) -> bool:
    """A recheck read of a settled track is still its plate: within SAME_PLATE_EDITS, or a part of it (the
    plate leaving the picture)."""
    return read in settled or same_plate(read, settled, SAME_PLATE_EDITS)


def has_read_of(read: str) -> Callable[[Track], bool]:
    """Whether a track has had a read of the same plate as `read`: within SAME_PLATE_EDITS or a part of it (or it
    of a part); the very same text where either is shorter than REJOIN_MIN_LENGTH (a short one is part of many)."""
    def same(text: str) -> bool:
        if min(len(read), len(text)) < REJOIN_MIN_LENGTH:
            return same_plate(read, text, 0)
        return read in text or text in read or same_plate(read, text, SAME_PLATE_EDITS)
    return lambda track: any(same(text) for text in track.votes)


class VisitDecider:
    def __init__(self, config: TrackingConfig, auto_save: bool, auto_save_threshold: float,
                 ready: Optional[Callable[[Track], bool]] = None):
        """`ready`: whether a settled track may be handed on yet (a `both` lane waits until its plate's direction
        is known); a track that leaves is handed on whatever it says."""
        self._config = config
        self._ready = ready or (lambda track: True)
        self.tracker = Tracker(config.iou_match, config.max_missed_detections, config.max_tracks)
        self.auto_save = auto_save
        self._threshold = auto_save_threshold
        self.plates_read = 0  # tracks that got at least one read

    def apply(self, boxes: list[Box], reads: list[Optional[Sighting]], at: Optional[float] = None,
              arrived: Sequence[Box] = ()) -> list[Track]:
        """One detector run's boxes and their reads (None: not read), at source time `at`; `arrived`: the boxes
        only the look where something had just stopped moving found, so a track one of them begins apart from every
        other track came with the motion (a car come to rest at the barrier, too small to be read while it moved; a
        word of a sign known before overlaps that sign's track; text no earlier look found is not told apart: see
        is_vehicle). Returns the tracks whose plate is decided now or that left with a decided plate, in the order
        to act on."""
        tracks, ended = self.tracker.update(boxes)
        for track, box in zip(tracks, boxes, strict=True):
            track.seen_at = at
            track.arrived = track.arrived or (box in arrived and len(track.path) == 1 and not any(
                iou(track.box, other.box) > 0 for other in self.tracker.tracks if other is not track))
        for track, sighting in zip(tracks, reads, strict=True):
            if sighting is None:
                continue
            if track.settled and not is_same_plate(sighting.read.text, track.winner.read.text):
                ended.append(track)
                track = self.tracker.restart(track)
            if len(track.path) == 1 and not track.reads:  # begun in this run: perhaps a lost plate found again
                track = self.tracker.rejoin(track, has_read_of(sighting.read.text))
                track.seen_at = at
            if not track.votes:
                self.plates_read += 1
            track.add_read(sighting)
            track.update_settled(self._config.vote_min_reads, self._config.vote_settle_share)
            track.fixed = track.settled and not self.is_vehicle(track)
        return self._release(self.tracker.tracks) + self._leaving(ended)

    def finish(self) -> list[Track]:
        """The end of the source: every track leaves."""
        return self._leaving(self.tracker.end_all())

    def _leaving(self, ended: list[Track]) -> list[Track]:
        for track in ended:
            track.update_settled(self._config.vote_min_reads_at_end, self._config.vote_settle_share)
        return [t for t in ended if t.settled and self.is_vehicle(t)]

    def _release(self, tracks: list[Track]) -> list[Track]:
        """Settled tracks handed on for the first time (those that have moved, once the lane is ready for them), and
        recorded tracks whose vote has turned over to another plate since (the record is corrected)."""
        released = [t for t in tracks if t.settled and not t.released and self.is_vehicle(t) and self._ready(t)]
        for track in released:
            track.released = True
        return released + [t for t in tracks if t.released and t not in released and self.contradicted(t)]

    def is_vehicle(self, track: Track) -> bool:
        """The track's box moved as a vehicle's does (always true with the rule off), or its settled text, letters
        and digits, fits one of the site's plate formats exactly as read, or it came with the motion (first found
        where something had just stopped moving) and fits some country's format (a format of digits only, as
        Illinois' or Israel's, fits a fixed phone number or date as well; a sign's word fits none)."""
        winner = track.winner
        plate = winner is not None and not winner.read.text.isdigit() and (
            winner.read.as_read or (track.arrived and winner.read.format_name is not None))
        return track.travel >= self._config.static_min_move or plate

    def vehicles_tracked(self) -> bool:
        """Some track may be a vehicle: it moved, or it has not yet had time to show it is fixed text."""
        return any(self._may_be_vehicle(t) for t in self.tracker.tracks)

    def vehicles_in(self, left: float, top: float, right: float, bottom: float) -> bool:
        """Some track that may be a vehicle has its box's centre inside this rectangle."""
        return any(self._may_be_vehicle(t) and centre_in(t.box, left, top, right, bottom) for t in self.tracker.tracks)

    def _may_be_vehicle(self, track: Track) -> bool:
        return self.is_vehicle(track) or not track.settled

    def should_save(self, track: Track) -> bool:
        """Auto-save: a decided plate not yet recorded, read surely enough."""
        winner = track.winner
        return self.auto_save and not track.recorded and winner is not None \
            and winner.read.confidence >= self._threshold

    @staticmethod
    def contradicted(track: Track) -> Optional[str]:
        """The plate the vote now holds for a track whose record was written with another one (a small plate
        misread on the first reads, read right once the car came close), or None."""
        winner = track.winner
        if not track.recorded_plate or winner is None or winner.read.text == track.recorded_plate:
            return None
        return winner.read.text

    def settled_boxes(self, frame: int) -> list[Box]:
        """Boxes of settled tracks that need no read in `frame` (they are rechecked now and then)."""
        return [t.box for t in self.tracker.tracks
                if t.settled and frame - t.last_read_frame < self._config.settled_recheck_frames]

    def still_boxes(self) -> list[Box]:
        """Boxes of texts seen in two detector runs or more that have not moved (a sign, an overlay, a parked car)."""
        return [t.box for t in self.tracker.tracks if self._still(t)]

    def undecided_boxes(self) -> list[Box]:
        """Boxes of plates read but not yet decided, still texts left out: where a run that misses them looks closer."""
        return [t.box for t in self.tracker.tracks if t.votes and not t.settled and not self._still(t)]

    @staticmethod
    def _still(track: Track) -> bool:
        return len(track.path) >= 2 and track.travel < STILL_TRAVEL

    def visible(self) -> list[Track]:
        """Tracks to draw: seen in the last detector runs."""
        return [t for t in self.tracker.tracks if t.missed <= SHOWN_AFTER_MISSED]

    def surest_visible(self) -> Optional[Track]:
        """The visible track with the most confident read (the S key saves it)."""
        candidates = [t for t in self.visible() if t.winner is not None]
        return max(candidates, key=lambda t: t.winner.read.confidence) if candidates else None
