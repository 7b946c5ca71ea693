"""Which text boxes are one plate: rows of a two-row plate, and pieces of one line split by an emblem.

The text detector finds lines of characters, and some plates are more than one: a two-row plate
(motorbikes, trucks, square plates) gives one box per row; a crest, a dot, a dash, a flag or a
region panel splits one line into pieces. Plain geometry: detector lines in, groups of them in
reading order (top row first, then left to right) out. Pieces of a slanted line (a tilted camera)
are compared as if levelled.
"""

from __future__ import annotations

from securex.core.domain import Box, Detection

ROW_GAP = 0.8  # stacked rows: the gap between them is at most this many row heights
ROW_OVERLAP = 0.5  # stacked rows: they share this share of the narrower one's width
ROW_HEIGHT_RATIO = 2.2  # the taller row is at most this many times the shorter (small top rows exist)
PIECE_GAP = 1.2  # pieces of one line: the gap between them is at most this many character heights
PIECE_HEIGHT_RATIO = 1.6  # pieces of one line have nearly the same height
PIECE_CENTRE_SHIFT = 0.35  # and centres at nearly the same height (share of the taller)
SAME_SLOPE = 0.1  # pieces of one slanted plate slope alike: within this rise per pixel
OVERLAP = 0.8  # detected boxes are drawn wider than their characters: neighbours overlap up to this share


def stacked(top: Box, bottom: Box) -> bool:
    """`bottom` is the row under `top` on one two-row plate."""
    tall, short = max(top[3], bottom[3]), max(1, min(top[3], bottom[3]))
    overlap = min(top[0] + top[2], bottom[0] + bottom[2]) - max(top[0], bottom[0])
    gap = bottom[1] - (top[1] + top[3])
    return (tall / short <= ROW_HEIGHT_RATIO and overlap >= ROW_OVERLAP * min(top[2], bottom[2])
            and -OVERLAP * short <= gap <= ROW_GAP * tall)


def same_line(left: Box, right: Box) -> bool:
    """`right` continues `left` on one line, past a gap an emblem, a dot or a dash would fill."""
    tall, short = max(left[3], right[3]), max(1, min(left[3], right[3]))
    shift = abs((left[1] + left[3] / 2) - (right[1] + right[3] / 2))
    gap = right[0] - (left[0] + left[2])
    return (tall / short <= PIECE_HEIGHT_RATIO and shift <= PIECE_CENTRE_SHIFT * tall
            and -OVERLAP * short <= gap <= PIECE_GAP * tall)


def plate_groups(lines: list[Detection]) -> list[tuple[int, ...]]:
    """Pairs of line indices that may be one plate, in reading order."""
    groups = []
    for i, a in enumerate(lines):
        for j, b in enumerate(lines):
            if i == j:
                continue
            slope = max((a, b), key=lambda d: (d.slope != 0, d.box[2])).slope  # the longer slanted piece's
            if stacked(a.box, b.box) or same_line(levelled(a, slope), levelled(b, slope)):
                groups.append((i, j))
    return groups


def levelled(line: Detection, slope: float) -> Box:
    """The box of `line` in a picture sheared so that lines rising `slope` per pixel run level: its centre
    moved up by the rise to it, its height less its own rise (its thickness, where the detector measured it)."""
    x, y, w, h = line.box
    height = line.thickness if line.slope else max(1.0, band_thickness(line.box, slope))
    centre = y + h / 2 - slope * (x + w / 2)
    return (x, int(round(centre - height / 2)), w, max(1, int(round(height))))


def joined_line(parts: list[Detection]) -> Detection:
    """The line (or two rows) that pieces of one plate make: their union, slanted when they all slope alike."""
    box = union([d.box for d in parts])
    slopes = [d.slope for d in parts]
    if not all(slopes) or max(slopes) - min(slopes) > SAME_SLOPE:
        return Detection(box)
    slope = sum(slopes) / len(slopes)
    return Detection(box, slope, band_thickness(box, slope))


def band_thickness(box: Box, slope: float) -> float:
    """The upright thickness of a band rising `slope` per pixel whose upright box is `box`: its height less its rise."""
    return box[3] - abs(slope) * box[2]


def union(boxes: list[Box]) -> Box:
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)
