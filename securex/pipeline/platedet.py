"""The optional plate detector model of the `platedet` wheel (a YOLOv8s-seg network trained on plates).

Never the default: its model is AGPL-3.0 and the package states no licence, so a site installs it
itself (`pip install --no-deps platedet==0.0.2`) and sets DETECTOR = "platedet". We load the ONNX
file from the installed package without importing the package (its own code pins other versions of
our dependencies) and decode only the boxes, not the segmentation masks.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from securex.core.domain import Box, Detection, crop, grow_box, inside_share
from securex.pipeline.detection import ROI_DETECT_SIDE, SizeFilter
from securex.pipeline.neural import TextLineModel

PACKAGE = "platedet"
MODEL_FILE = "platedet.onnx"  # in the package's `artifacts` folder
LETTERBOX_GREY = 114  # the padding colour the network was trained with
MASK_COEFFICIENTS = 32  # output0 rows after the box and the class score: segmentation coefficients
NMS_IOU = 0.5  # plate boxes overlapping this much are one plate
PLATE_ROI_MARGIN = 0.15  # a plate box is grown by this share before looking for its text lines
LINE_INSIDE_SHARE = 0.6  # a text line belongs to the plate when this share of it lies inside the plate box


def model_file() -> Path:
    """The model inside the installed `platedet` package (a placeholder path naming the package when absent)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return Path(f"<{PACKAGE} not installed>") / MODEL_FILE
    return Path(list(spec.submodule_search_locations)[0]) / "artifacts" / MODEL_FILE


class PlateBoxModel:
    """Plate boxes with their scores, in the pixels of the image given."""

    def __init__(self, path: Path, threads: int, min_score: float):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        self._side = int(model_input.shape[-1])
        self._min_score = min_score

    def find_plates(self, image: np.ndarray) -> list[tuple[Box, float]]:
        h, w = image.shape[:2]
        scale = self._side / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.full((self._side, self._side, 3), LETTERBOX_GREY, np.uint8)
        left, top = (self._side - nw) // 2, (self._side - nh) // 2
        colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        canvas[top:top + nh, left:left + nw] = cv2.resize(colour, (nw, nh), interpolation=cv2.INTER_LINEAR)
        blob = (canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0).astype(np.float16)
        rows = self._session.run(None, {self._input: blob})[0][0].T.astype(np.float32)
        scores = rows[:, 4:-MASK_COEFFICIENTS].max(axis=1)
        rows, scores = rows[scores >= self._min_score], scores[scores >= self._min_score]
        corners = [[(cx - bw / 2 - left) / scale, (cy - bh / 2 - top) / scale, bw / scale, bh / scale]
                   for cx, cy, bw, bh in rows[:, :4]]
        keep = cv2.dnn.NMSBoxes(corners, scores.tolist(), self._min_score, NMS_IOU) if corners else []
        plates = []
        for i in np.array(keep).flatten():
            x, y, bw, bh = corners[i]
            x0, y0 = max(0, int(x)), max(0, int(y))
            x1, y1 = min(w, int(round(x + bw))), min(h, int(round(y + bh)))
            if x1 > x0 and y1 > y0:
                plates.append(((x0, y0, x1 - x0, y1 - y0), float(scores[i])))
        return plates


class PlateModelDetector:
    """Text lines that lie on a plate the plate model found: lines elsewhere in the picture (signs, stickers,
    captions) are not candidates. A plate none of the picture's lines fall on (a small or far one) is looked
    at again closer up; a plate box with no line at all is read whole. Where the model finds no plate at
    all (a close-up of a plate alone, a kind of plate it was not trained on) every text line is a candidate,
    as with the "text" detector."""

    def __init__(self, plates: PlateBoxModel, lines: TextLineModel, size_filter: SizeFilter):
        self._plates, self._lines, self._filter = plates, lines, size_filter

    def detect(self, image: np.ndarray, long_side: int) -> list[Detection]:
        height, width = image.shape[:2]
        scene = self._filter(self._lines.find_lines(image, long_side))
        plates = self._plates.find_plates(image)
        if not plates:
            return scene
        found: list[Detection] = []
        for plate, _ in plates:
            near = grow_box(plate, PLATE_ROI_MARGIN / 2, width, height)
            on_plate = [d for d in scene if inside_share(d.box, near) >= LINE_INSIDE_SHARE]
            if not on_plate:
                roi = grow_box(plate, PLATE_ROI_MARGIN, width, height)
                lines = self._lines.find_lines(crop(image, roi), ROI_DETECT_SIDE)
                closer = [line.moved(roi[0], roi[1]) for line in lines]
                on_plate = self._filter([d for d in closer if inside_share(d.box, near) >= LINE_INSIDE_SHARE])
            found.extend(d for d in on_plate or [Detection(plate)] if d not in found)
        return found
