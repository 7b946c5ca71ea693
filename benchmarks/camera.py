"""The dev photos as other cameras would see them: at a higher resolution, farther away, worse, tilted. Each function
takes a photo and its labelled plate box (or None) and returns the changed photo and where the box is in it, so
detection is scored as on the photo itself."""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[int, int, int, int]

WORSE_SCALE = 0.75   # a camera of lower resolution
WORSE_QUALITY = 60   # JPEG quality, as a cheap camera or a busy stream sends it
WORSE_LIGHT = 0.6    # dusk: every pixel at this share of its brightness


def enlarged(image: np.ndarray, box: Box | None, factor: float) -> tuple[np.ndarray, Box | None]:
    """`image` at `factor` times its pixels each way (bicubic), as a camera of higher resolution sends the same view
    (a phone's 12 MP, a 4K camera): each plate has that many times more pixels each way, though no finer detail."""
    if factor <= 1.0:
        return image, box
    seen = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return seen, None if box is None else tuple(round(v * factor) for v in box)


def widened(image: np.ndarray, box: Box | None, factor: float) -> tuple[np.ndarray, Box | None]:
    """`image` in the middle of a `factor` times wider and taller grey picture (its plates as far away as in a
    wider view)."""
    if factor <= 1.0:
        return image, box
    height, width = image.shape[:2]
    wide = np.full((int(height * factor), int(width * factor), 3), 110, np.uint8)
    x, y = (wide.shape[1] - width) // 2, (wide.shape[0] - height) // 2
    wide[y:y + height, x:x + width] = image
    return wide, None if box is None else (box[0] + x, box[1] + y, box[2], box[3])


def worse(image: np.ndarray, box: Box | None) -> tuple[np.ndarray, Box | None]:
    """`image` as a worse camera at dusk sends it: scaled to 0.75, darkened to 60 %, saved as JPEG at quality 60."""
    small = cv2.resize(image, None, fx=WORSE_SCALE, fy=WORSE_SCALE, interpolation=cv2.INTER_AREA)
    dark = cv2.convertScaleAbs(small, alpha=WORSE_LIGHT)
    ok, data = cv2.imencode(".jpg", dark, [cv2.IMWRITE_JPEG_QUALITY, WORSE_QUALITY])
    if not ok:
        raise ValueError("could not encode the photo as JPEG")
    seen = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return seen, None if box is None else tuple(round(v * WORSE_SCALE) for v in box)


def tilted(image: np.ndarray, box: Box | None, degrees: float) -> tuple[np.ndarray, Box | None]:
    """`image` turned by `degrees` (counter-clockwise) on a grey picture large enough to hold all of it, as a
    tilted camera sees it; the plate's box becomes the upright box around its turned corners."""
    if not degrees:
        return image, box
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(width * cos + height * sin), int(width * sin + height * cos))
    turn[0, 2] += size[0] / 2 - width / 2
    turn[1, 2] += size[1] / 2 - height / 2
    seen = cv2.warpAffine(image, turn, size, flags=cv2.INTER_LINEAR, borderValue=(110, 110, 110))
    if box is None:
        return seen, None
    x, y, w, h = box
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], float) @ turn.T
    left, top = corners.min(axis=0)
    right, bottom = corners.max(axis=0)
    return seen, (round(left), round(top), round(right - left), round(bottom - top))
