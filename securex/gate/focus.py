"""Where a lane's detector looks: the moving part of its region, closer, for what the whole region costs.

The motion gate gives the rectangle of the picture that changed; with the boxes of the plates being
tracked, padded and kept inside the lane's region, it is the window the detector runs on. The window
is scaled so that it has no more detector pixels than the whole region has at VIDEO_DETECT_SIDE: a car
that fills a small part of the picture (far away, or a wide camera) gets more pixels per plate at the
same cost, up to the picture's own resolution. Every FOCUS_FULL_EVERY-th run looks at the whole region
at the working resolution, so a plate that does not move (a parked car, a second car beside a moving
one) is still found, as it was before.

Plain code: no threads, windows or I/O, so tests/test_focus.py checks it with plain values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

from securex.core.domain import Box
from securex.video.motion import Area

FOCUS_PAD = 0.1  # the moving rectangle is grown by this share of its width / height on each side
FOCUS_MIN_PAD = 0.03  # and by at least this share of the picture's width / height
MAX_SCALE = 1.0  # the detector never sees a window larger than the picture's own pixels


@dataclass(frozen=True)
class DetectWindow:
    """The pixel rectangle of the picture the detector runs on, and the long side it is scaled to."""

    box: Box
    side: int


def focus_box(region: Box, moving: Optional[Area], tracked: Sequence[Box], width: int, height: int) -> Box:
    """The moving rectangle and the tracked plates' boxes, padded, inside the region (all of it when motion
    does not say where: the first frame, no motion gate, or nothing moved and only a tracked plate woke it)."""
    if moving is None:
        return region
    left, top, right, bottom = moving[0] * width, moving[1] * height, moving[2] * width, moving[3] * height
    for x, y, w, h in tracked:
        left, top, right, bottom = min(left, x), min(top, y), max(right, x + w), max(bottom, y + h)
    pad_x = max(FOCUS_PAD * (right - left), FOCUS_MIN_PAD * width)
    pad_y = max(FOCUS_PAD * (bottom - top), FOCUS_MIN_PAD * height)
    x0, y0 = max(region[0], math.floor(left - pad_x)), max(region[1], math.floor(top - pad_y))
    x1 = min(region[0] + region[2], math.ceil(right + pad_x))
    y1 = min(region[1] + region[3], math.ceil(bottom + pad_y))
    if x1 <= x0 or y1 <= y0:  # the motion is outside the lane's region
        return region
    return (x0, y0, x1 - x0, y1 - y0)


def window_side(box: Box, region: Box, base_side: int, width: int, height: int) -> int:
    """The long side to scale `box` to: the region's scale at `base_side`, raised while the window has no more
    pixels than the region would have (at most the picture's own resolution, never below the region's scale)."""
    base = base_side / max(width, height)
    area = max(1, box[2] * box[3])
    scale = max(base, min(max(base, MAX_SCALE), base * math.sqrt(max(1, region[2] * region[3]) / area)))
    return max(16, round(scale * max(box[2], box[3])))


def detect_window(region: Box, moving: Optional[Area], tracked: Sequence[Box], run: int, full_every: int,
                  base_side: int, width: int, height: int) -> DetectWindow:
    """Where the lane's `run`-th detector run looks (counted from 0; run 0 and every `full_every`-th: the whole
    region; `full_every` 1 = always the whole region)."""
    whole = full_every <= 1 or run % full_every == 0
    box = region if whole else focus_box(region, moving, tracked, width, height)
    return DetectWindow(box, window_side(box, region, base_side, width, height))
