"""Where everything goes in the window, computed from sizes alone (plain code: no drawing, no window).

The window is one or more lane pictures beside one panel, with a band across the bottom. Pictures are
scaled to fit their cell (aspect kept) and never drawn over; the panel holds the current decision, the
last plates and the recording state. Every size is in units of a 1920x1080 design, scaled to the window,
so the layout holds at any window size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

DESIGN = (1920, 1080)  # the window size the pixel figures below are for
PANEL_W = 620  # panel width
BAND_H = 66  # bottom band: the alert, else the keys
HEAD_H = 44  # lane header: name and camera state
PAD = 12
WORD_H, NOTE_H, PLATE_H, CROP_H = 84, 44, 72, 90  # current decision: word, note, plate text, crop
MESSAGE_H = 50  # the key message strip
TITLE_H = 36  # "Last plates"
ROW_H = 66  # one of the last plates
STATUS_H = 36  # recording, auto-save
RECENT_ROWS = 8
# Cap heights (inked height of a capital letter) of each kind of text, in design pixels.
TEXT = {"word": 64, "plate": 56, "note": 30, "message": 28, "head": 28, "row_plate": 25, "row": 22, "status": 26,
        "band": 28, "label": 24, "info": 22}


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Rect) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom

    def overlaps(self, other: Rect) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


@dataclass(frozen=True)
class LaneCell:
    head: Rect  # lane name and camera state
    picture: Rect  # where the scaled picture goes
    scale: float  # picture pixels per source pixel


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]  # window width, height
    unit: float  # window pixels per design pixel
    lanes: list[LaneCell]
    panel: Rect
    band: Rect
    word: Rect
    note: Rect
    plate: Rect
    crop: Rect
    message: Rect
    title: Rect
    rows: list[Rect]  # the last plates, newest first
    status: list[Rect]  # recording, auto-save

    def text_px(self, kind: str) -> int:
        """Cap height in window pixels of a kind of text."""
        return max(6, round(TEXT[kind] * self.unit))


def compute_layout(size: tuple[int, int], pictures: list[tuple[int, int]]) -> Layout:
    """The layout of a window of `size` (w, h) showing pictures of the given sizes (w, h), one per lane."""
    width, height = size
    u = min(width / DESIGN[0], height / DESIGN[1])

    def px(design: float) -> int:
        return max(1, round(design * u))

    band = Rect(0, height - px(BAND_H), width, px(BAND_H))
    panel = Rect(width - px(PANEL_W), 0, px(PANEL_W), band.y)
    lanes = _lane_cells(Rect(0, 0, panel.x, band.y), pictures, px(HEAD_H))
    inner_x, inner_w, pad = panel.x + px(PAD), panel.w - 2 * px(PAD), px(PAD)
    y = pad
    parts = {}
    for name, h in (("word", WORD_H), ("note", NOTE_H), ("plate", PLATE_H), ("crop", CROP_H), ("gap", PAD),
                    ("message", MESSAGE_H), ("title", TITLE_H)):
        parts[name] = Rect(inner_x, y, inner_w, px(h))
        y += px(h)
    status_top = panel.bottom - pad - 2 * px(STATUS_H)
    count = max(0, min(RECENT_ROWS, (status_top - y) // px(ROW_H)))
    rows = [Rect(inner_x, y + i * px(ROW_H), inner_w, px(ROW_H)) for i in range(count)]
    status = [Rect(inner_x, status_top + i * px(STATUS_H), inner_w, px(STATUS_H)) for i in range(2)]
    return Layout((width, height), u, lanes, panel, band, parts["word"], parts["note"], parts["plate"],
                  parts["crop"], parts["message"], parts["title"], rows, status)


def _lane_cells(area: Rect, pictures: list[tuple[int, int]], head_h: int) -> list[LaneCell]:
    """Lanes in a grid (the column count that shows the pictures largest), each scaled to fit its cell, its
    header (name, LIVE) right above its picture."""
    if not pictures:
        return []
    best: Optional[tuple[float, int]] = None
    for cols in range(1, len(pictures) + 1):
        rows = -(-len(pictures) // cols)
        cell_w, cell_h = area.w // cols, area.h // rows - head_h
        scale = min(min(cell_w / w, cell_h / h) for w, h in pictures)
        if best is None or scale > best[0]:
            best = (scale, cols)
    cols = best[1]
    rows = -(-len(pictures) // cols)
    cell_w, cell_h = area.w // cols, area.h // rows
    gap = max(2, head_h // 3)  # between the headers of lanes side by side, so each name reads as its own
    cells = []
    for i, (w, h) in enumerate(pictures):
        cx, cy = area.x + (i % cols) * cell_w, area.y + (i // cols) * cell_h
        scale = max(1e-6, min(cell_w / w, (cell_h - head_h) / h))
        pw, ph = max(1, round(w * scale)), max(1, round(h * scale))
        picture = Rect(cx + (cell_w - pw) // 2, cy + head_h + (cell_h - head_h - ph) // 2, pw, ph)
        head = Rect(cx, picture.y - head_h, cell_w - (gap if (i + 1) % cols else 0), head_h)  # right above it
        cells.append(LaneCell(head, picture, scale))
    return cells


def place_box(box: tuple[int, int, int, int], cell: LaneCell) -> Rect:
    """A plate box (source pixels) in window pixels."""
    x, y, w, h = box
    s, p = cell.scale, cell.picture
    x0, y0 = p.x + int(x * s), p.y + int(y * s)
    return Rect(x0, y0, max(1, p.x + int((x + w) * s) - x0), max(1, p.y + int((y + h) * s) - y0))


def place_label(plate: Rect, size: tuple[int, int], area: Rect, gap: int) -> Optional[Rect]:
    """Where a label of `size` goes beside a plate: right, left, below or above it, inside `area`, never on
    the plate (nor on its frame, `gap` wide). None when there is no room (the panel still shows the read)."""
    w, h = size
    mid = min(max(area.y, plate.y + (plate.h - h) // 2), area.bottom - h)
    centre = min(max(area.x, plate.x + (plate.w - w) // 2), area.right - w)
    for x, y in ((plate.right + gap, mid), (plate.x - gap - w, mid),
                 (centre, plate.bottom + gap), (centre, plate.y - gap - h)):
        rect = Rect(x, y, w, h)
        if area.contains(rect) and not rect.overlaps(Rect(plate.x - gap, plate.y - gap, plate.w + 2 * gap,
                                                          plate.h + 2 * gap)):
            return rect
    return None
