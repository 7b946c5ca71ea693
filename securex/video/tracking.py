"""Tracking and voting: one vehicle visit becomes one track, and its text is decided by a vote.

A track follows one plate box across detector runs (box overlap, or a nearby centre for a car that
moves fast toward the camera). Each read adds its confidence as a vote for its text; the vote is
settled when enough reads agree (a read of part of the plate, as it enters the picture, agrees with
the whole), and then the track needs no more OCR.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from securex.core.domain import Box, PlateRead, Record, box_area, centre, inside_share, intersection, iou
from securex.core.plate_text import read_short_of

_TRACK_IDS = itertools.count(1)  # track ids are unique across the lanes' trackers (the panel keys plates by them)
CENTRE_MATCH_FACTOR = 0.75  # a box whose centre is within this many box widths continues a track
ALIKE_SIZE = 2.0  # ...when neither its width nor its height is more than this many times the track's box's
REJOIN_WIDTHS = 2.0  # a lost track is found again by its plate this many box widths away per run since it was seen
NESTED_SHARE = 0.8  # two boxes overlapping by this share of the smaller are one place
PART_SHAPE = 1.5  # a box inside an earlier one, shrunk this many times more one way than the other, is a part of it
PART_OVERLAP = 0.6  # inside: this share of it overlaps the earlier box (a row's box may stick out sideways)
PATH_KEPT = 16  # boxes of a track's path kept from its start (its direction is judged on them)


@dataclass(frozen=True)
class Sighting:
    """One read of a track's plate, with the crop and the moment it came from."""

    read: PlateRead
    crop: np.ndarray = field(repr=False)
    frame: int
    at: float  # seconds since the epoch, source clock


@dataclass(eq=False)  # a track is itself: compared by identity, never field by field (crops are arrays)
class Track:
    id: int  # unique in the process, across every lane's tracker
    box: Box
    missed: int = 0
    read_at: Optional[Box] = None  # where its plate was last read
    votes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    times: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # how many reads of each text
    best: dict[str, Sighting] = field(default_factory=dict, repr=False)
    reads: int = 0
    last_read_frame: int = -1
    settled: bool = False
    decided: Optional[str] = None  # the text holding the settled vote: the one it settled on, or one that took its
    # place with the settling share
    decided_share: float = 1.0  # the share it settled at: another text needs as much to take its place
    recorded: bool = False
    record: Optional[Record] = None  # its record as written (with an id once in the database)
    recorded_plate: str = ""  # the plate its record says: as written, as corrected since, or as the guard was told
    decision: Optional[Any] = None  # what the gate made of the settled plate (its watchlist standing)
    announced: bool = False  # alert raised / alert command run for this track
    path: list[Box] = field(default_factory=list, repr=False)  # its first PATH_KEPT boxes: its direction
    origin: Optional[Box] = None  # where the track began (or the track it replaced began)
    seen_at: Optional[float] = None  # source time of the last detector run that found it
    travel: float = 0.0  # farthest the box has moved from its origin, in box heights or growth share
    released: bool = False  # its settled plate was handed on (it had moved, or the rule is off)
    fixed: bool = False  # settled without moving: fixed text, continued only by overlapping boxes
    arrived: bool = False  # first found where something had just stopped moving: it came with the motion

    def __post_init__(self) -> None:
        if not self.path:
            self.path = [self.box]
        if self.origin is None:
            self.origin = self.box

    def move_to(self, box: Box) -> None:
        """The box in a new detector run; the travel from the origin is kept at its largest. A box that is a part
        of one the track had before (a row of a two-row sign, a word of a line), or the whole of one, has not moved."""
        if not any(part_of(box, earlier) or part_of(earlier, box) for earlier in self.path):
            self.travel = max(self.travel, box_travel(self.origin, box))
        self.box, self.missed = box, 0
        if len(self.path) < PATH_KEPT:
            self.path.append(box)

    def add_read(self, sighting: Sighting) -> None:
        """A confidence-weighted vote for the read's text; the surest sighting of each text is kept. A text that
        took a settled vote's place holds it as the settled one did: a read more of the text it replaced does not
        turn it back (two texts near the settling share would otherwise take turns with each read)."""
        text = sighting.read.text
        self.read_at = sighting.read.box
        self.votes[text] += sighting.read.confidence
        self.times[text] += 1
        self.reads += 1
        self.last_read_frame = max(self.last_read_frame, sighting.frame)
        if text not in self.best or sighting.read.confidence > self.best[text].read.confidence:
            self.best[text] = sighting
        if self.decided is not None:
            self.decided = self.winner.read.text

    def support(self, text: str) -> float:
        """The votes for `text` and for reads of a part of it (the plate half in view, one row of two) read no
        surer than it: a read with a character of its own added (a screw, the letter on a country band) is less
        sure than the plate read without it, and takes none of its votes. A read of it with one character lost
        (a far plate's first reads) counts for it too when it was read at most half as often: the far plate's
        reads lose different characters, each outnumbered by the whole; a sticker read as a letter in the
        middle is not made part of the plate sooner than the settling share would make it."""
        sure = self.best[text].read.confidence
        return sum(votes for part, votes in self.votes.items() if part == text or (
            self.best[part].read.confidence <= sure
            and (part in text or (read_short_of(part, text) and 2 * self.times[part] <= self.times[text]))))

    def share(self, text: str) -> float:
        """`text`'s share of the votes, its parts' counted for it, not against it."""
        total = sum(self.votes.values())
        return self.support(text) / total if total else 0.0

    @property
    def winner(self) -> Optional[Sighting]:
        """The surest sighting of the text with the most support (the longer text on a tie: the whole plate). Once
        the vote has settled, its text stays the winner until another has the share that settles a vote: a read
        more of another text does not turn a decided plate over (a sticker read as a letter half the time); the
        other then holds it the same way (`add_read`)."""
        if not self.votes:
            return None
        text = max(self.votes, key=lambda text: (self.support(text), len(text)))
        if self.decided is not None and text != self.decided and self.share(text) < self.decided_share:
            text = self.decided
        return self.best[text]

    @property
    def winner_share(self) -> float:
        """The winner's share of the votes."""
        return self.share(self.winner.read.text)

    def update_settled(self, min_reads: int, share: float) -> bool:
        """Settle the vote once enough reads agree; True only on the call that settles it."""
        if self.settled or self.reads < min_reads or self.winner_share < share:
            return False
        self.settled = True
        self.decided, self.decided_share = self.winner.read.text, share
        return True


class Tracker:
    def __init__(self, iou_match: float, max_missed: int, max_tracks: int):
        self._iou_match, self._max_missed, self._max_tracks = iou_match, max_missed, max_tracks
        self.started = 0  # tracks begun so far: the vehicles (or plate-like texts) seen
        self.tracks: list[Track] = []

    def update(self, boxes: list[Box]) -> tuple[list[Track], list[Track]]:
        """Match a detector run's boxes to tracks. Returns (track per box, tracks that ended)."""
        matched: list[Track] = []
        free = list(self.tracks)
        for box in boxes:
            track = self._best_match(box, free)
            if track is None:
                track = self._new(box)
                self.tracks.append(track)
            else:
                free.remove(track)
                track.move_to(box)
            matched.append(track)
        for track in free:
            track.missed += 1
        ended = [t for t in self.tracks if t.missed > self._max_missed]
        overflow = max(0, len(self.tracks) - len(ended) - self._max_tracks)
        ended += [t for t in self.tracks if t not in ended][:overflow]
        self.tracks = [t for t in self.tracks if t not in ended]
        return matched, ended

    def restart(self, track: Track) -> Track:
        """End `track` and start a new one in its place: a different plate came into its box. The new one goes on
        from where the old one began (a car that drove up into the place of another has moved) when its box
        overlaps where the old one's plate was last read as much as continues a track (or the old one was never
        read); a box the track was continued onto only by its centre near a moving plate (a sign the car passes)
        starts afresh where it is."""
        self.tracks.remove(track)
        in_its_box = track.read_at is None or iou(track.read_at, track.box) >= self._iou_match
        carried = {"origin": track.origin, "travel": track.travel, "fixed": track.fixed,
                   "arrived": track.arrived} if in_its_box else {}
        fresh = self._new(track.box, **carried)
        self.tracks.append(fresh)
        return fresh

    def rejoin(self, fresh: Track, same: Callable[[Track], bool]) -> Track:
        """The lost, undecided track that is the `same` plate as `fresh`, near enough for the runs it was missed,
        continued with `fresh`'s box (a fast plate the detector found only now and then); `fresh` itself when there
        is none."""
        def near(track: Track) -> bool:
            reach = REJOIN_WIDTHS * max(track.box[2], fresh.box[2]) * track.missed  # runs since it was seen
            return _centre_distance(track.box, fresh.box) <= reach
        lost = [t for t in self.tracks if t.missed and not t.settled and t.votes and near(t) and same(t)]
        if not lost:
            return fresh
        track = min(lost, key=lambda t: t.missed)
        self.tracks.remove(fresh)
        self.started -= 1
        track.move_to(fresh.box)
        return track

    def _new(self, box: Box, **carried) -> Track:
        self.started += 1
        return Track(next(_TRACK_IDS), box, **carried)

    def end_all(self) -> list[Track]:
        ended, self.tracks = self.tracks, []
        return ended

    def _best_match(self, box: Box, candidates: list[Track]) -> Optional[Track]:
        best, best_overlap = None, self._iou_match
        for track in candidates:
            overlap = iou(box, track.box)
            if overlap >= best_overlap:
                best, best_overlap = track, overlap
        if best is not None:
            return best
        near = [t for t in candidates if not t.fixed and alike(t.box, box)
                and _centre_distance(t.box, box) < CENTRE_MATCH_FACTOR * max(t.box[2], box[2])]
        return min(near, key=lambda t: _centre_distance(t.box, box)) if near else None


def box_travel(origin: Box, box: Box) -> float:
    """How far `box` has moved from `origin`, in plate heights: its vertical shift, half its sideways
    shift in widths (a line of fixed text that the detector splits into words or joins again jumps
    sideways within the line), neither while one box lies inside the other; or the share by which it
    grew or shrank in both width and height (a plate coming closer grows both ways; a text box drawn
    anew changes mostly one)."""
    dw, dh = (box[2] - origin[2]) / max(1, origin[2]), (box[3] - origin[3]) / max(1, origin[3])
    growth = min(abs(dw), abs(dh)) if dw * dh > 0 else 0.0
    if intersection(origin, box) >= NESTED_SHARE * max(1, min(box_area(origin), box_area(box))):
        return growth
    (x, y), (ox, oy) = centre(box), centre(origin)
    dx = abs(x - ox) / max(1, origin[2], box[2])
    dy = abs(y - oy) / max(1, origin[3], box[3])
    return max(dy, dx / 2, growth)


def alike(a: Box, b: Box) -> bool:
    """Two boxes close in size, as one plate's are from run to run however fast it moves (not a date line and the
    first digit of a sign below it)."""
    return max(a[2], b[2]) <= ALIKE_SIZE * max(1, min(a[2], b[2])) \
        and max(a[3], b[3]) <= ALIKE_SIZE * max(1, min(a[3], b[3]))


def part_of(box: Box, earlier: Box) -> bool:
    """`box` lies mostly inside `earlier`, shaped otherwise (shorter by much more than narrower or the reverse): a
    part of the same text (a row of it, a word of it), not the text moved (a plate going away shrinks alike both
    ways)."""
    narrower, shorter = box[2] / max(1, earlier[2]), box[3] / max(1, earlier[3])
    return inside_share(box, earlier) >= PART_OVERLAP and max(narrower, shorter) >= PART_SHAPE * min(narrower, shorter)


def _centre_distance(a: Box, b: Box) -> float:
    (ax, ay), (bx, by) = centre(a), centre(b)
    return float(np.hypot(ax - bx, ay - by))
