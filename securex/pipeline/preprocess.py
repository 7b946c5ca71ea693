"""Image preparation for Tesseract: one tight, upright, normalised text line in several renderings.

Tesseract's LSTM reads best with dark text on a light background, an x-height around 20-30 px and
a white margin; each rendering (gray, adaptive threshold, Otsu, CLAHE) fails on different plates,
so the OCR stage reads them all and lets them vote.
"""

from __future__ import annotations

import cv2
import numpy as np

MAX_DESKEW_DEGREES = 15.0  # larger angles are more likely noise than a tilted plate
ROW_INK_SHARE = 0.35  # a row belongs to the character line when its ink is at least this share of the peak row
BORDER_PX = 12  # white margin around the line, in pixels after scaling
ADAPTIVE_BLOCK = 31  # adaptive threshold neighbourhood, in pixels after scaling
ADAPTIVE_C = 10  # adaptive threshold offset
CLAHE_CLIP = 2.0
CLAHE_TILES = (4, 4)


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def dark_text_on_light(binary: np.ndarray) -> bool:
    """True when a binarised plate has dark characters on a light background (more light pixels)."""
    return float(binary.mean()) >= 127


def text_line_band(gray: np.ndarray) -> tuple[int, int]:
    """Rows holding the main character line: trims a plate's frame, city strip and bolts."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = binary if not dark_text_on_light(binary) else 255 - binary
    rows = (ink > 0).sum(axis=1).astype(np.float32)
    if rows.max() <= 0:
        return 0, gray.shape[0]
    strong = np.flatnonzero(rows >= ROW_INK_SHARE * rows.max())
    peak = int(rows.argmax())
    top = bottom = peak
    while top - 1 in strong:
        top -= 1
    while bottom + 1 in strong:
        bottom += 1
    pad = max(1, (bottom - top) // 8)
    return max(0, top - pad), min(gray.shape[0], bottom + pad + 1)


def deskew(gray: np.ndarray) -> np.ndarray:
    """Rotate the line level, judged from the orientation of its ink."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = binary if not dark_text_on_light(binary) else 255 - binary
    points = cv2.findNonZero(ink)
    if points is None or len(points) < 10:
        return gray
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    if w < h:
        angle -= 90
    if abs(angle) > MAX_DESKEW_DEGREES or abs(angle) < 0.5:
        return gray
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)


def normalised_line(image: np.ndarray, line_height: int) -> np.ndarray:
    """Gray, deskewed, tightly cropped character line scaled to `line_height` pixels."""
    gray = deskew(to_gray(image))
    top, bottom = text_line_band(gray)
    line = gray[top:bottom]
    if line.shape[0] < 2 or line.shape[1] < 2:
        line = gray
    scale = line_height / line.shape[0]
    return cv2.resize(line, (max(1, int(line.shape[1] * scale)), line_height), interpolation=cv2.INTER_CUBIC)


def _finish(binary_or_gray: np.ndarray, is_binary: bool) -> np.ndarray:
    """Dark text on light, with a white margin."""
    if is_binary:
        light = binary_or_gray
    else:
        _, light = cv2.threshold(binary_or_gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    image = binary_or_gray if dark_text_on_light(light) else 255 - binary_or_gray
    return cv2.copyMakeBorder(image, BORDER_PX, BORDER_PX, BORDER_PX, BORDER_PX, cv2.BORDER_CONSTANT, value=255)


def variants(image: np.ndarray, line_height: int) -> dict[str, np.ndarray]:
    """The renderings of one candidate that Tesseract reads, by name."""
    line = normalised_line(image, line_height)
    clahe = cv2.createCLAHE(clipLimit=CLAHE_CLIP, tileGridSize=CLAHE_TILES).apply(line)
    _, otsu = cv2.threshold(line, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    adaptive = cv2.adaptiveThreshold(line, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY,
                                     ADAPTIVE_BLOCK, ADAPTIVE_C)
    return {
        "gray": _finish(line, False),
        "adaptive": _finish(adaptive, True),
        "otsu": _finish(otsu, True),
        "clahe": _finish(clahe, False),
    }
