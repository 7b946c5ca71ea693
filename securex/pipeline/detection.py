"""Plate detectors: each finds candidate boxes in a frame; a size filter keeps plate-shaped ones.

- `TextLineDetector`: the PP-OCR text detector; finds the character line of nearly every plate.
- `HaarDetector`: OpenCV's plate cascade; fast, but misses plates and finds false boxes.
- `HybridDetector`: both; cascade boxes are refined to their text lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from securex.config import DetectionConfig
from securex.core.domain import Detection, box_area, crop, grow_box, iou
from securex.pipeline.neural import TextLineModel

ROI_DETECT_SIDE = 320  # long side used when looking for text inside one cascade box
ROI_MARGIN = 0.25  # a cascade box is grown by this share before looking for text in it
SAME_BOX_IOU = 0.5  # boxes from two detectors overlapping this much are one candidate
HAAR_MIN_SIZE = (24, 8)  # smallest cascade window, in pixels of the scaled frame
VANITY_MIN_ASPECT = 0.8  # boxes this narrow are kept for the reader, which reads them only on a clear vanity plate


class Detector(Protocol):
    def detect(self, image: np.ndarray, long_side: int) -> list[Detection]:
        """Plate candidates in `image`, in its own pixels; `long_side` is the working resolution."""


class SizeFilter:
    """Keeps boxes with enough pixels to be read and a width/height ratio a plate's can have (a two-letter vanity
    plate's line included: the reader holds a box narrower than PLATE_MIN_ASPECT to stronger plate evidence). No box is
    too large: a close-up photo of a plate, or a crop of one, is read."""

    def __init__(self, config: DetectionConfig):
        self._min_area = config.min_plate_area
        self._aspect = (min(config.min_aspect, VANITY_MIN_ASPECT), config.max_aspect)

    def __call__(self, detections: list[Detection]) -> list[Detection]:
        return [d for d in detections
                if box_area(d.box) >= self._min_area
                and d.box[3] > 0 and self._aspect[0] <= d.box[2] / d.box[3] <= self._aspect[1]]


class TextLineDetector:
    def __init__(self, model: TextLineModel, size_filter: SizeFilter):
        self._model, self._filter = model, size_filter

    def detect(self, image: np.ndarray, long_side: int) -> list[Detection]:
        return self._filter(self._model.find_lines(image, long_side))


class HaarDetector:
    def __init__(self, cascade_file: Path, scale_factor: float, min_neighbors: int, size_filter: SizeFilter):
        self._cascade = cv2.CascadeClassifier(str(cascade_file))
        if self._cascade.empty():
            raise ValueError(f"Cascade at {cascade_file} could not be loaded: set CASCADE_PATH in config.py "
                             "to a valid Haar cascade XML")
        self._scale_factor, self._min_neighbors = scale_factor, min_neighbors
        self._filter = size_filter

    def detect(self, image: np.ndarray, long_side: int) -> list[Detection]:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        scale = min(1.0, long_side / max(gray.shape[:2]))
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        small = cv2.equalizeHist(small)
        boxes = self._cascade.detectMultiScale(small, scaleFactor=self._scale_factor,
                                               minNeighbors=self._min_neighbors, minSize=HAAR_MIN_SIZE)
        found = [Detection(tuple(int(round(v / scale)) for v in b)) for b in boxes]
        return self._filter(found)


class HybridDetector:
    """Cascade boxes refined to the text lines inside them, plus the text detector's own lines."""

    def __init__(self, haar: HaarDetector, text: TextLineDetector, model: TextLineModel, size_filter: SizeFilter):
        self._haar, self._text, self._model, self._filter = haar, text, model, size_filter

    def detect(self, image: np.ndarray, long_side: int) -> list[Detection]:
        found = self._text.detect(image, long_side)
        height, width = image.shape[:2]
        for plate in self._haar.detect(image, long_side):
            roi = grow_box(plate.box, ROI_MARGIN, width, height)
            for found_line in self._model.find_lines(crop(image, roi), ROI_DETECT_SIDE):
                line = found_line.moved(roi[0], roi[1])
                if all(iou(line.box, other.box) < SAME_BOX_IOU for other in found):
                    found.extend(self._filter([line]))
        return found

