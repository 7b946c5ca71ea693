"""Drawing what the guard sees: plate boxes with their reads, the dashboard panel, the alert band, NO SIGNAL."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from securex.core.domain import Box

FONT = cv2.FONT_HERSHEY_SIMPLEX
GREEN, AMBER, WHITE, RED, BLACK = (60, 200, 60), (0, 190, 255), (255, 255, 255), (40, 40, 230), (0, 0, 0)
PANEL_ALPHA = 0.6  # panel background opacity
LINE_PX = 26  # dashboard line spacing
TEXT_SCALE = 0.6
PLATE_TEXT_SCALE = 0.8
ALERT_BAND_PX = 56  # height of the alert band
ALERT_TEXT_SCALE = 0.9


@dataclass(frozen=True)
class PlateOverlay:
    box: Box
    text: str  # empty while the plate is still being read
    confidence: float
    saved: bool
    status: str = ""  # watchlist standing once decided: allowed, flagged, unknown ("" = no list or undecided)
    note: str = ""


STATUS_LOOK = {"allowed": (GREEN, "AUTHORISED"), "flagged": (RED, "FLAGGED"), "unknown": (AMBER, "UNKNOWN")}


def plate_look(plate: PlateOverlay) -> tuple[tuple[int, int, int], str]:
    """Colour and label of a plate box: by watchlist standing when a list is in use, else saved/reading."""
    if not plate.text:
        return AMBER, "reading..."
    read = f"{plate.text} {plate.confidence:.0%}"
    if plate.status in STATUS_LOOK:
        colour, word = STATUS_LOOK[plate.status]
        if plate.status == "flagged":
            return colour, f"FLAGGED: {plate.note or plate.text}  {read}"
        return colour, f"{word}  {read}"
    return (GREEN if plate.saved else AMBER), read


def draw_plates(image: np.ndarray, plates: list[PlateOverlay]) -> None:
    """Box each plate in its colour, with its label (standing, text, confidence) above it."""
    for plate in plates:
        x, y, w, h = plate.box
        colour, label = plate_look(plate)
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, 3 if plate.status == "flagged" else 2)
        (tw, th), base = cv2.getTextSize(label, FONT, PLATE_TEXT_SCALE, 2)
        top = max(0, y - th - base - 6)
        cv2.rectangle(image, (x, top), (x + tw + 8, top + th + base + 6), colour, -1)
        text_colour = WHITE if colour == RED else BLACK
        cv2.putText(image, label, (x + 4, top + th + 3), FONT, PLATE_TEXT_SCALE, text_colour, 2, cv2.LINE_AA)


def draw_alert(image: np.ndarray, message: str, count: int) -> None:
    """A red band across the bottom of the picture that stays until the guard presses F."""
    h, w = image.shape[:2]
    more = f"  (+{count - 1} more)" if count > 1 else ""
    text = f"ALERT  {message}{more}  -  press F to acknowledge"
    cv2.rectangle(image, (0, h - ALERT_BAND_PX), (w, h), RED, -1)
    (tw, th), _ = cv2.getTextSize(text, FONT, ALERT_TEXT_SCALE, 2)
    cv2.putText(image, text, (max(10, (w - tw) // 2), h - (ALERT_BAND_PX - th) // 2), FONT, ALERT_TEXT_SCALE,
                WHITE, 2, cv2.LINE_AA)


def draw_panel(image: np.ndarray, lines: list[str]) -> None:
    """The dashboard: a translucent panel at the top left with one fact per line."""
    width = max(cv2.getTextSize(line, FONT, TEXT_SCALE, 1)[0][0] for line in lines) + 20
    height = LINE_PX * len(lines) + 10
    region = image[0:height, 0:width]
    region[:] = (region * (1 - PANEL_ALPHA)).astype(image.dtype)
    for i, line in enumerate(lines):
        cv2.putText(image, line, (10, LINE_PX * (i + 1)), FONT, TEXT_SCALE, WHITE, 1, cv2.LINE_AA)


def draw_no_signal(image: np.ndarray, source: str) -> None:
    h, w = image.shape[:2]
    text = "NO SIGNAL"
    (tw, th), _ = cv2.getTextSize(text, FONT, 2.0, 4)
    cv2.putText(image, text, ((w - tw) // 2, (h + th) // 2), FONT, 2.0, RED, 4, cv2.LINE_AA)
    detail = f"reconnecting to {source}"
    (dw, _), _ = cv2.getTextSize(detail, FONT, TEXT_SCALE, 1)
    cv2.putText(image, detail, ((w - dw) // 2, (h + th) // 2 + 40), FONT, TEXT_SCALE, WHITE, 1, cv2.LINE_AA)
