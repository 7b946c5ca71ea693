"""Lanes: which lanes run, which way a vehicle went, and where in the picture a lane's plates are read.

Plain code: no threads, windows or I/O, so tests/test_lanes.py checks it with plain values.
"""

from __future__ import annotations

import math
import statistics
from typing import Optional, Sequence

from securex.config.lanes import LaneConfig
from securex.core.domain import BOTH, IN, OUT, Box

NO_DIRECTION = ""  # the one lane of a run without LANES or --lane: no direction recorded, as before lanes
CLEAR_MOTION = 0.3  # approach score a plate must pass (either way) for its direction to count as known


def lanes_to_run(configured: Sequence[LaneConfig], given: Sequence[LaneConfig], source: Optional[str],
                 camera_index: int, lane_name: str) -> list[LaneConfig]:
    """The lanes of this run: --lane options, else --source (one lane), else LANES, else the configured camera.
    The one lane of --source or the camera records no direction (as before lanes): a single lane that should
    record one is set in LANES or with --lane."""
    if given:
        return list(given)
    if source is None and configured:
        return list(configured)
    return [LaneConfig(lane_name, source if source is not None else str(camera_index), NO_DIRECTION)]


def barrier_lane_problem(barrier: dict, lanes: Sequence[LaneConfig], configured: Sequence[LaneConfig] = ()
                         ) -> Optional[str]:
    """One plain line when BARRIER names a lane that is neither a lane of this run nor one in LANES: a typo,
    or a rule left from an earlier setup, would leave that barrier shut. (A run on --source at a site with
    LANES keeps the rules of the LANES lanes it does not run.)"""
    names = list(dict.fromkeys([lane.name for lane in lanes] + [lane.name for lane in configured]))
    unknown = [name for name in barrier if name not in names]
    if not unknown:
        return None
    return (f"BARRIER names lane {', '.join(repr(n) for n in unknown)}, which is no lane of this run nor of LANES "
            f"(lanes: {', '.join(repr(n) for n in names)}): fix the lane name in BARRIER in config.py")


def approach_score(first: Box, last: Box) -> float:
    """How clearly a plate came toward the camera between two boxes (negative: went away): the doublings of its
    area (judged by its width), plus how many plate heights it moved down the picture (up, when leaving) where
    that agrees. Only the size says which way whatever the camera's mounting: an approaching plate moves down
    the picture of a camera above the lane, but up that of one below the plates' height."""
    growth = 2 * math.log2(max(1, last[2]) / max(1, first[2]))  # by the width: a line's height is noisier
    height = max(1.0, (first[3] + last[3]) / 2)
    down = (last[1] + last[3] / 2 - first[1] - first[3] / 2) / height
    return growth + down if growth * down > 0 else growth


def path_ends(path: Sequence[Box]) -> tuple[Box, Box]:
    """Where a plate was early and late on its path (its boxes, oldest first): the median box of the first half
    and of the second half, so one odd box (a line found taller, or two rows for one) does not decide."""
    half = max(1, len(path) // 2)

    def median(boxes: Sequence[Box]) -> Box:
        return tuple(int(statistics.median(values)) for values in zip(*boxes, strict=True))

    return median(path[:half]), median(path[-half:])


def direction_of(lane_direction: str, path: Sequence[Box], approaching_is: str) -> str:
    """IN or OUT: an `in` or `out` lane's own; on a `both` lane, from the plate's motion along its `path` (its
    boxes, oldest first; "" when it hardly moved); "" on a lane without a direction (NO_DIRECTION)."""
    if lane_direction != BOTH:
        return lane_direction
    score = approach_score(*path_ends(path))
    if abs(score) < CLEAR_MOTION:
        return ""
    leaving_is = OUT if approaching_is == IN else IN
    return approaching_is if score > 0 else leaving_is


def region_box(region: Sequence[tuple[float, float]], width: int, height: int) -> Box:
    """The pixel rectangle around a lane's region (picture fractions); the whole picture when there is none."""
    if not region:
        return (0, 0, width, height)
    xs = [min(width, max(0, round(x * width))) for x, _ in region]
    ys = [min(height, max(0, round(y * height))) for _, y in region]
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def region_area(region: Sequence[tuple[float, float]]) -> Optional[tuple[float, float, float, float]]:
    """The rectangle around a lane's region as (left, top, right, bottom) picture fractions; None when there is none
    (or it has no width or height)."""
    if not region:
        return None
    xs = [min(1.0, max(0.0, x)) for x, _ in region]
    ys = [min(1.0, max(0.0, y)) for _, y in region]
    if max(xs) <= min(xs) or max(ys) <= min(ys):
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def region_points(region: Sequence[tuple[float, float]], box: Box, width: int, height: int) -> list[tuple[int, int]]:
    """The region's corners in pixels of its rectangle `box` (what is outside the polygon is blanked there)."""
    return [(round(x * width) - box[0], round(y * height) - box[1]) for x, y in region]


def is_rectangle(region: Sequence[tuple[float, float]]) -> bool:
    """A region whose rectangle is the region itself needs no blanking (no region: the whole picture)."""
    return not region or len(region) == 4 and len({x for x, _ in region}) == 2 and len({y for _, y in region}) == 2
