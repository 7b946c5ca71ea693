"""Drawing the window: lane pictures (scaled, with thin plate boxes and labels beside them), the panel, the band.

Text is OpenCV's Hershey font, sized by its cap height in pixels. It draws ASCII only: the text shown is
plates (A-Z, 0-9), SecureX's own words and numbers, and the site's notes and lane name, which are folded
to ASCII ("Müller" -> "Muller"). That needs no font file and no further dependency on any system.
"""

from __future__ import annotations

import time
import unicodedata

import cv2
import numpy as np

from securex.ui.layout import LaneCell, Layout, Rect, place_box, place_label
from securex.ui.views import (
    BLACK,
    DARK,
    GREEN,
    PANEL_BG,
    RED,
    WHITE,
    LaneView,
    plate_look,
)

FONT = cv2.FONT_HERSHEY_DUPLEX
CAP_AT_SCALE_1 = cv2.getTextSize("H", FONT, 1.0, 1)[0][1]  # cap height in pixels at scale 1
ELLIPSIS = "..."


def ascii_text(text: str) -> str:
    """What the Hershey font can draw: accents dropped, other characters as '?'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c if c.isprintable() else "?" for c in folded) if folded or not text else "?"


def text_size(text: str, cap: int) -> tuple[int, int, float, int]:
    """(width, cap height, scale, thickness) of `text` drawn with capitals `cap` pixels high."""
    scale = cap / CAP_AT_SCALE_1
    thickness = max(1, round(cap / 12))
    (w, h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    return w, h, scale, thickness


def fitted(text: str, cap: int, width: int) -> tuple[str, int]:
    """The text and cap height that fit `width`: shrunk down to 3/4 of `cap`, then cut with '...'."""
    text = ascii_text(text)
    for size in range(cap, max(1, cap * 3 // 4) - 1, -1):
        if text_size(text, size)[0] <= width:
            return text, size
    size = max(1, cap * 3 // 4)
    while len(text) > 1 and text_size(text + ELLIPSIS, size)[0] > width:
        text = text[:-1]
    return text + ELLIPSIS, size


def put_text(image: np.ndarray, text: str, area: Rect, cap: int, colour, align: str = "left") -> None:
    """`text` fitted into `area`, vertically centred; align left, centre or right."""
    text, cap = fitted(text, cap, area.w)
    w, h, scale, thickness = text_size(text, cap)
    x = {"left": area.x, "centre": area.x + (area.w - w) // 2, "right": area.right - w}[align]
    y = area.y + (area.h + h) // 2
    cv2.putText(image, text, (x, y), FONT, scale, colour, thickness, cv2.LINE_AA)


def fill(image: np.ndarray, area: Rect, colour) -> None:
    cv2.rectangle(image, (area.x, area.y), (area.right - 1, area.bottom - 1), colour, -1)


def paste(image: np.ndarray, picture: np.ndarray, area: Rect) -> Rect:
    """`picture` scaled to fit `area` (aspect kept), centred; returns where it went."""
    h, w = picture.shape[:2]
    scale = min(area.w / w, area.h / h)
    pw, ph = max(1, round(w * scale)), max(1, round(h * scale))
    place = Rect(area.x + (area.w - pw) // 2, area.y + (area.h - ph) // 2, pw, ph)
    image[place.y:place.bottom, place.x:place.right] = scaled(picture, pw, ph)
    return place


def scaled(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """The picture at (width, height): area averaging to shrink, bilinear to enlarge."""
    if (width, height) == (picture.shape[1], picture.shape[0]):
        return picture
    shrink = width < picture.shape[1]
    return cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def draw_lane(image: np.ndarray, layout: Layout, cell: LaneCell, lane: LaneView) -> None:
    """A lane: its header (name, LIVE / NO SIGNAL) and its picture, plates boxed thinly, labels beside them."""
    fill(image, cell.head, DARK)
    cap = layout.text_px("head")
    pad = max(2, cap // 3)
    text_area = Rect(cell.head.x + pad, cell.head.y, cell.head.w - 2 * pad, cell.head.h)
    state, colour = ("PHOTO", WHITE) if lane.photo else ("LIVE", GREEN) if lane.live else ("NO SIGNAL", RED)
    state_w = text_size(state, cap)[0]
    put_text(image, state, text_area, cap, colour, "right")
    put_text(image, lane.name, Rect(text_area.x, text_area.y, text_area.w - state_w - pad, text_area.h), cap, WHITE)
    p = cell.picture
    image[p.y:p.bottom, p.x:p.right] = scaled(lane.image, p.w, p.h)
    if not lane.live:
        image[p.y:p.bottom, p.x:p.right] //= 3
        put_text(image, "NO SIGNAL", Rect(p.x, p.y, p.w, p.h), max(cap, p.h // 8), RED, "centre")
        return
    line = max(1, round(2 * layout.unit))
    for plate in lane.plates:
        colour, label = plate_look(plate)
        box = place_box(plate.box, cell)
        gap = line + 1  # the frame is drawn outside the plate: every plate pixel stays as the camera saw it
        cv2.rectangle(image, (box.x - gap, box.y - gap), (box.right - 1 + gap, box.bottom - 1 + gap), colour, line)
        label_cap = layout.text_px("label")
        text, label_cap = fitted(label, label_cap, p.w)
        w, h, _, _ = text_size(text, label_cap)
        where = place_label(box, (w + 2 * pad, h + 2 * pad), p, gap + line)
        if where is not None:
            fill(image, where, colour)
            put_text(image, text, Rect(where.x + pad, where.y, w, where.h), label_cap,
                     WHITE if colour == RED else BLACK)


def draw_band(image: np.ndarray, layout: Layout, alerts: list[str], keys: str) -> None:
    """The bottom band: the oldest unacknowledged alert in red (stays until F), else the keys."""
    band = layout.band
    cap = layout.text_px("band")
    inner = Rect(band.x + cap, band.y, band.w - 2 * cap, band.h)
    if alerts:
        fill(image, band, RED)
        more = f"  (+{len(alerts) - 1} more)" if len(alerts) > 1 else ""
        press = "  -  press F"
        tail_w = text_size(ascii_text(more + press), cap)[0]
        put_text(image, "ALERT  " + alerts[0], Rect(inner.x, band.y, inner.w - tail_w, band.h), cap, WHITE)
        put_text(image, more + press, inner, cap, WHITE, "right")
    else:
        fill(image, band, DARK)
        put_text(image, keys, inner, cap, (200, 200, 200))


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def canvas(layout: Layout) -> np.ndarray:
    width, height = layout.size
    image = np.zeros((height, width, 3), np.uint8)
    fill(image, layout.panel, PANEL_BG)
    return image

