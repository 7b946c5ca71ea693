"""Plate evidence: how much a text line looks like it sits on a plate, not on a sign, a wall or a picture.

A plate is a bright (or dark) uniform face around its characters, with a margin on every side, ending
at the edges of a rectangle of plate shape. Text burned into a picture (a photographer's watermark),
a model badge on the paint, or writing in the scene has no such face: the colour behind it runs on
past where a plate would end, or breaks up into the scene.

Plain code on pixels: the text box's surroundings are scaled to a small fixed height; the pixels
behind the characters (the box's majority brightness class) set the face's brightness and colour;
the face is the connected region of that colour holding the text box. Each component is 0..1:

- `contrast`: characters against the face (plates are made to be read), as a share of the picture's white (the
  brightness its brightest pixels reach), so a dark or underexposed picture's plates count as a bright one's.
- `enclosed`: share of the four sides on which the face ends before the search window does, squared.
- `rectangular`: the face fills the smallest rectangle around it, turned to any angle (a plate is a rectangle).
- `shape`: the face's upright rectangle has a plate's width/height and holds the text at a plate's share of its
  height.

The face is looked for within FACE_TOLERANCE of its brightness; where that face runs on past the window (a white
plate on a white car, whose paint is about as bright), a photo's is looked for again within TIGHT_TOLERANCE, and
that face counts when it is closed, ends at a step (a plate's edge, its shadow: paint that only shades off has none)
and leaves a margin beside the text (seen that tightly, the paint around a badge or a decal ends at its letters).

The score is their product, so one missing trait (no edge, a ragged face) is enough to make it weak.
A vanity plate's short text (`FAST`, `GT`) also needs face around it (`margin`: share of a thin ring
around the text that is face), to take a small share of the face's width and to sit in its middle:
a region code, a country band or a dealer's name on the frame does not. A line of letters that fills its
plate (a custom plate, `KMBORAK`; a show plate) needs some face around it and to sit in the plate's middle: a
sticker's, a badge's or a dealer's lettering has its face end at the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from securex.core.domain import Box, Detection
from securex.pipeline.slant import sheared_level

WORK_HEIGHT = 16  # the text box's height, in pixels, once its surroundings are scaled for the measure
SIDE_REACH = 1.6  # the window reaches this many text heights left and right of the box (a vanity plate's margins)
UP_REACH = 1.1  # and this many above and below (a plate is at most about three text heights tall)
RING = 0.25  # the ring that must be face, in text heights around the box
MIN_CONTRAST = 0.35  # face and characters this far apart (share of the picture's white) count as full contrast
WHITE_PERCENTILE = 99  # the picture's white: this percentile of its brightness
MIN_WHITE = 64  # and at least this grey level (a black picture's noise is not contrast)
WHITE_STEP = 8  # measured on every 8th pixel each way
FACE_TOLERANCE = 0.4  # a pixel is face when within this share of the contrast from the face's brightness
MIN_TOLERANCE = 12  # ... or within this many grey levels
COLOUR_SPREAD = 1.5  # and no colour channel further than this many tolerances from the face's colour
TIGHT_TOLERANCE = 0.2  # where that face is open, a photo's is looked for again within this share (white car)
TIGHT_WIDTH_SHARE = 0.9  # that face counts, closed, when the text takes at most this share of its width (margins:
# paint around a badge or a decal, seen that tightly, ends at its letters)
TIGHT_STEP = 1.5  # and when it ends at a step: the pixels just outside it this many tolerances from its brightness
PLATE_ASPECT = (1.0, 6.5)  # the width/height of a plate's face
TEXT_SHARE = (0.3, 0.95)  # the text's height as a share of the face's height
VANITY_MARGIN = 0.6  # a vanity plate's short text has face on most of the ring around it
VANITY_WIDTH_SHARE = 0.65  # and takes at most this share of the plate's width
VANITY_OFF_CENTRE = 0.1  # centred on the plate (a region code or country band sits at one side)
LETTERED_MARGIN = 0.2  # a line of letters has some face around it on a plate (on a sticker or a badge it ends at it)


@dataclass(frozen=True)
class Evidence:
    """How much a text line looks like a plate's: the score and its named components (each 0..1)."""

    contrast: float
    margin: float
    enclosed: float
    rectangular: float
    shape: float
    width_share: float = 1.0  # the text's width as a share of the face's
    off_centre: float = 0.0  # how far the text's centre is from the face's, as a share of the face's width

    @property
    def score(self) -> float:
        """Contrast, a closed face, a rectangle and a plate's shape; the margin only counts for a line without
        digits (the text of a standard plate fills its face from edge to edge)."""
        return self.contrast * self.enclosed * self.rectangular * self.shape

    def is_lettered_plate(self, threshold: float) -> bool:
        """Strong enough evidence for a line without digits (a custom plate, KM BORAK; a show plate): a strong
        plate with the text centred on it and some face around it."""
        return self.score >= threshold and self.off_centre <= VANITY_OFF_CENTRE and self.margin >= LETTERED_MARGIN

    def is_vanity_plate(self, threshold: float) -> bool:
        """Strong enough evidence for a short text (no digits, narrower than a plate line): a strong plate
        with the text centred on it and face all around."""
        return (self.is_lettered_plate(threshold) and self.margin >= VANITY_MARGIN
                and self.width_share <= VANITY_WIDTH_SHARE)


NONE = Evidence(0.0, 0.0, 0.0, 0.0, 0.0)


def picture_white(image: np.ndarray) -> float:
    """The grey level the picture's brightest pixels reach (WHITE_PERCENTILE), at least MIN_WHITE."""
    sample = image[::WHITE_STEP, ::WHITE_STEP]
    if not sample.size:
        return 255.0
    grey = cv2.cvtColor(np.ascontiguousarray(sample), cv2.COLOR_BGR2GRAY) if sample.ndim == 3 else sample
    return float(max(MIN_WHITE, np.percentile(grey, WHITE_PERCENTILE)))


def plate_evidence(image: np.ndarray, box: Box, white: float = 255.0, tight: bool = False) -> Evidence:
    """The evidence that the text in `box` (x, y, w, h in `image` pixels) sits on a plate; `white`: the
    picture's white (`picture_white`), which the characters' contrast is measured against; `tight`: a face that runs
    on is looked for again within TIGHT_TOLERANCE."""
    x, y, w, h = box
    if w < 2 or h < 2 or image.size == 0:
        return NONE
    height, width = image.shape[:2]
    dx, dy = int(round(SIDE_REACH * h)), int(round(UP_REACH * h))
    x0, y0, x1, y1 = max(0, x - dx), max(0, y - dy), min(width, x + w + dx), min(height, y + h + dy)
    step = max(1, h // (2 * WORK_HEIGHT))  # every step-th pixel first, then a linear resize: cheap
    window = np.ascontiguousarray(image[y0:y1:step, x0:x1:step])
    scale = WORK_HEIGHT / h
    size = (max(3, int(round((x1 - x0) * scale))), max(3, int(round((y1 - y0) * scale))))
    small = cv2.resize(window, size, interpolation=cv2.INTER_LINEAR)
    grey = (cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small).astype(np.int16)
    bx0, by0 = int(round((x - x0) * scale)), int(round((y - y0) * scale))
    bx1, by1 = min(size[0], max(bx0 + 1, int(round((x + w - x0) * scale)))), min(size[1], by0 + WORK_HEIGHT)
    text = grey[by0:by1, bx0:bx1]
    if text.size == 0:  # a box thinner than a pixel at the measure's scale
        return NONE
    face, ink = face_and_ink(text)
    spread = abs(face - ink)
    found = face_at(grey, small, (bx0, by0, bx1, by1), face, max(MIN_TOLERANCE, FACE_TOLERANCE * spread))
    if tight and found.enclosed < 1.0:  # the face runs on: a white plate on a white car looks so at that tolerance
        tighter = face_at(grey, small, (bx0, by0, bx1, by1), face, max(MIN_TOLERANCE, TIGHT_TOLERANCE * spread),
                          edge=True)
        if tighter.enclosed == 1.0 and tighter.width_share <= TIGHT_WIDTH_SHARE and tighter.step >= TIGHT_STEP \
                and tighter.strength > found.strength:
            found = tighter
    return Evidence(round(min(1.0, spread / white / MIN_CONTRAST), 3), round(found.margin, 3), found.enclosed,
                    round(found.rectangular, 3), round(found.shape, 3), round(found.width_share, 3),
                    round(found.off_centre, 3))


@dataclass(frozen=True)
class Face:
    """The face around a text box as found at one tolerance: the evidence components it gives, and `step`: how far
    the pixels just outside it are from its brightness, in the median, in tolerances (a plate ends at an edge; paint
    shades off)."""

    enclosed: float
    rectangular: float
    shape: float
    margin: float
    width_share: float
    off_centre: float
    step: float

    @property
    def strength(self) -> float:
        return self.enclosed * self.rectangular * self.shape


def face_at(grey: np.ndarray, small: np.ndarray, box: tuple[int, int, int, int], face: float,
            tolerance: float, edge: bool = False) -> Face:
    """The face holding `box` (x0, y0, x1, y1 in the scaled window `small`, `grey` its brightness): the connected
    region of pixels within `tolerance` of the face's brightness `face`, and of its colour; `edge`: its `step` is
    measured too (else 0)."""
    bx0, by0, bx1, by1 = box
    near = (np.abs(grey - face) <= tolerance).astype(np.uint8)
    ring = ring_share(near, box, max(1, int(round(RING * WORK_HEIGHT))))
    mask = same_colour(near, small, box, COLOUR_SPREAD * tolerance)
    mask[by0:by1, bx0:bx1] = 1  # the characters are part of the plate
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    label = labels[(by0 + by1) // 2, (bx0 + bx1) // 2]
    left, top, fw, fh, area = (int(v) for v in stats[label])
    touches = (left == 0, top == 0, left + fw == grey.shape[1], top + fh == grey.shape[0])
    region = (labels == label).astype(np.uint8)
    outside = cv2.dilate(region, np.ones((3, 3), np.uint8)) > region if edge else None
    step = float(np.median(np.abs(grey[outside] - face))) / tolerance if edge and outside.any() else 0.0
    return Face(enclosed=(1.0 - sum(touches) / 4.0) ** 2,  # a face open on two sides is far less a plate than on one
                rectangular=min(1.0, area / max(1.0, turned_area(region))),
                shape=shape_fit(fw / max(1, fh), (by1 - by0) / max(1, fh)), margin=ring,
                width_share=min(1.0, (bx1 - bx0) / max(1, fw)),
                off_centre=abs((bx0 + bx1) / 2 - (left + fw / 2)) / max(1, fw), step=step)


def line_evidence(image: np.ndarray, detection: Detection, white: float = 255.0, tight: bool = False) -> Evidence:
    """The evidence for a detector's line (`white`, `tight`: as for `plate_evidence`); a slanted line (a plate seen
    from the side) is measured with its surroundings sheared level, as a plate seen from the front."""
    if not detection.slope or detection.thickness < 2:
        return plate_evidence(image, detection.box, white, tight)
    x, y, w, h = detection.box
    thickness = int(round(detection.thickness))
    reach_x, reach_y = int(round(SIDE_REACH * thickness)), int(round(UP_REACH * thickness))
    size = (w + 2 * reach_x, thickness + 2 * reach_y)
    levelled = sheared_level(image, detection.slope, (x + w / 2, y + h / 2), size)
    return plate_evidence(levelled, (reach_x, reach_y, w, thickness), white, tight)


def same_colour(near: np.ndarray, small: np.ndarray, box: tuple[int, int, int, int], tolerance: float) -> np.ndarray:
    """`near` (pixels of the face's brightness) less those of another colour, in colour pictures: a blue
    plate on a grey bumper of the same brightness is still told from it."""
    x0, y0, x1, y1 = box
    inside = near[y0:y1, x0:x1] > 0
    if small.ndim != 3 or not inside.any():
        return near
    colour = np.median(small[y0:y1, x0:x1][inside], axis=0).astype(np.int16)
    return near & (np.abs(small.astype(np.int16) - colour).max(axis=2) <= tolerance).astype(np.uint8)


def face_and_ink(text: np.ndarray) -> tuple[float, float]:
    """Brightness of the face (the majority class of the box's pixels, split at Otsu's threshold) and of the ink."""
    values = text.astype(np.uint8).reshape(-1, 1)
    threshold, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    counts = np.bincount(values.ravel(), minlength=256)
    dark, bright = counts[:int(threshold) + 1], counts[int(threshold) + 1:]
    if not dark.sum() or not bright.sum():
        return float(values.mean()), float(values.mean())
    dark_level, bright_level = median_level(dark, 0), median_level(bright, int(threshold) + 1)
    return (bright_level, dark_level) if bright.sum() >= dark.sum() else (dark_level, bright_level)


def median_level(counts: np.ndarray, first: int) -> float:
    """The median grey level of a histogram slice starting at level `first`."""
    return float(first + np.searchsorted(np.cumsum(counts), counts.sum() / 2))


def ring_share(mask: np.ndarray, box: tuple[int, int, int, int], thickness: int) -> float:
    """Share of the ring `thickness` pixels wide around `box` (x0, y0, x1, y1) that is set in `mask`."""
    x0, y0, x1, y1 = box
    rows, cols = mask.shape
    ox0, oy0 = max(0, x0 - thickness), max(0, y0 - thickness)
    ox1, oy1 = min(cols, x1 + thickness), min(rows, y1 + thickness)
    outer = mask[oy0:oy1, ox0:ox1]
    total = outer.size - (y1 - y0) * (x1 - x0)
    if total <= 0:
        return 0.0
    return float(outer.sum() - mask[y0:y1, x0:x1].sum()) / total


def turned_area(region: np.ndarray) -> float:
    """The area of the smallest rectangle, turned to any angle, around the set pixels of `region` (a tilted
    camera's plate is a turned rectangle)."""
    (_, _), (width, height), _ = cv2.minAreaRect(cv2.findNonZero(region.astype(np.uint8)))
    return (width + 1) * (height + 1)


def shape_fit(aspect: float, text_share: float) -> float:
    """1 for a plate's face shape and text share, falling off outside them."""
    return inside(aspect, PLATE_ASPECT) * inside(text_share, TEXT_SHARE)


def inside(value: float, bounds: tuple[float, float]) -> float:
    """1 within bounds, falling linearly to 0 at half the lower or twice the upper bound."""
    low, high = bounds
    if value < low:
        return max(0.0, 2 * value / low - 1)
    if value > high:
        return max(0.0, 2 - value / high)
    return 1.0
