"""Slanted text lines: a plate seen from the side (a camera beside the lane) or by a tilted camera.

Its line slopes while its characters stay upright. The detector measures the slope and the line's
upright thickness from the rotated rectangle around its text region (`slanted_line`); the reader
reads the line sheared level (`level`), and plate evidence looks at its surroundings sheared the
same way (`pipeline/evidence.py`). One shear for both: `sheared_level`.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from securex.core.domain import Detection

SLANT_ELONGATION = 2.0  # a text region this many times longer than thick is a line whose slope can be measured
SLANT_MIN, SLANT_MAX = 0.06, 1.0  # slopes (rise per pixel) worth levelling: from about 3.5 to 45 degrees
LEVEL_MIN_ASPECT = 3.0  # a levelled line narrower than this many heights was seen from the side: widened back


def slanted_line(contour: np.ndarray, grow: float, fx: float, fy: float, width: int,
                 height: int) -> Optional[Detection]:
    """A slanted text line as a Detection in image pixels (the upright box around its grown rotated
    rectangle, its slope and vertical thickness), or None for a level line or a region too short to tell."""
    centre, (rw, rh), angle = cv2.minAreaRect(contour)
    if max(rw, rh) < SLANT_ELONGATION * max(1.0, min(rw, rh)):
        return None
    corners = cv2.boxPoints((centre, (rw + 2 * grow, rh + 2 * grow), angle)) * np.float32([fx, fy])
    first, second = corners[1] - corners[0], corners[2] - corners[1]
    along, across = (first, second) if np.hypot(*first) >= np.hypot(*second) else (second, first)
    if abs(along[0]) < 1e-6 or not SLANT_MIN <= abs(along[1] / along[0]) <= SLANT_MAX:
        return None
    slope = float(along[1] / along[0])
    x0, y0 = np.maximum(corners.min(axis=0), 0)
    x1, y1 = np.minimum(corners.max(axis=0), (width, height))
    return Detection((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), round(slope, 3),
                     round(float(abs(across[1] - across[0] * slope)), 1))


def sheared_level(image: np.ndarray, slope: float, centre: tuple[float, float], size: tuple[int, int]) -> np.ndarray:
    """The `size` (width, height) picture around `centre` (x, y in `image`) of a line rising `slope` per
    pixel, sheared upright so that the line runs level through the picture's middle (y' = y - slope * x)."""
    (cx, cy), (width, height) = centre, size
    shear = np.float32([[1, 0, width / 2 - cx], [-slope, 1, height / 2 - cy + slope * cx]])
    return cv2.warpAffine(image, shear, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def level(image: np.ndarray, line: Detection, margin: float = 0.0) -> np.ndarray:
    """A slanted line of `image` (its upright box, `margin` pixels more of the line each side; pixels beyond the
    picture repeat its edge) sheared so that it runs level, cut to its vertical thickness; widened back to
    LEVEL_MIN_ASPECT heights when the side view foreshortened it."""
    x, y, w, h = line.box
    dx, dy = int(round(margin)), int(round(abs(line.slope) * margin))
    region = padded_crop(image, (x - dx, y - dy, w + 2 * dx, h + 2 * dy))
    height, width = region.shape[:2]
    band = max(2, int(round(min(line.thickness, h))))
    levelled = sheared_level(region, line.slope, (width / 2, height / 2), (width, band))
    if width >= LEVEL_MIN_ASPECT * band:
        return levelled
    return cv2.resize(levelled, (int(round(LEVEL_MIN_ASPECT * band)), band), interpolation=cv2.INTER_LINEAR)


def padded_crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The `box` (x, y, w, h; it overlaps the picture) of `image`, its parts beyond the picture repeating the
    picture's edge."""
    x, y, w, h = box
    rows, cols = image.shape[:2]
    if not (x < cols and y < rows and x + w > 0 and y + h > 0 and w > 0 and h > 0):
        raise ValueError(f"the box {box} does not overlap the {cols}x{rows} picture")
    inner = image[max(0, y):min(rows, y + h), max(0, x):min(cols, x + w)]
    return cv2.copyMakeBorder(inner, max(0, -y), max(0, y + h - rows), max(0, -x), max(0, x + w - cols),
                              cv2.BORDER_REPLICATE)
