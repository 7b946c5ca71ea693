"""The PP-OCR neural models (text-line detector and line recogniser), run offline with ONNX Runtime.

The models come inside wheels (the PP-OCRv4 detector in `rapidocr_onnxruntime`, the PP-OCRv6 recogniser
in `rapidocr`); we run them with our own small pre- and post-processing so that the recogniser can be
limited to plate characters (a whitelist applied to the model's per-step probabilities) and report a
confidence per character.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from securex.core.domain import Detection, OcrResult
from securex.pipeline.slant import slanted_line

DET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
DET_STD = np.array([0.229, 0.224, 0.225], np.float32)
DET_STRIDE = 32  # the detector's input sides must be multiples of this
REC_MAX_WIDTH = 960  # widest line the recogniser is given, in pixels at its input height
REC_PAD_RATIO = 320 / 48  # PP-OCR trains the recogniser on 48x320 lines, shorter ones padded on the right
MIN_BOX_SIDE = 3  # text boxes thinner than this (detector pixels) are noise
SHRINK_AVERAGED = 2  # a line made this many times smaller or more for the recogniser is averaged, not interpolated


def _session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class TextLineModel:
    """PP-OCR DB text detector: finds boxes around lines of text in an image."""

    def __init__(self, path: Path, threads: int, threshold: float, box_score: float, unclip: float):
        self._session = _session(path, threads)
        self._input = self._session.get_inputs()[0].name
        self._threshold, self._box_score, self._unclip = threshold, box_score, unclip

    def find_lines(self, image: np.ndarray, long_side: int) -> list[Detection]:
        """Text lines: their boxes (in `image` pixels) and slopes."""
        h, w = image.shape[:2]
        scale = long_side / max(h, w)
        nh = max(DET_STRIDE, int(round(h * scale / DET_STRIDE)) * DET_STRIDE)
        nw = max(DET_STRIDE, int(round(w * scale / DET_STRIDE)) * DET_STRIDE)
        blob = (cv2.resize(image, (nw, nh)).astype(np.float32) / 255.0 - DET_MEAN) / DET_STD
        prob = self._session.run(None, {self._input: blob.transpose(2, 0, 1)[None]})[0][0, 0]
        mask = (prob > self._threshold).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        fx, fy = w / nw, h / nh
        lines = []
        for contour in contours:
            x, y, bw, bh = cv2.boundingRect(contour)
            if bw < MIN_BOX_SIDE or bh < MIN_BOX_SIDE:
                continue
            region = mask[y:y + bh, x:x + bw] > 0
            score = float(prob[y:y + bh, x:x + bw][region].mean())
            if score < self._box_score:
                continue
            # DB predicts a shrunken text core; grow it back as PP-OCR does (offset = area * ratio / perimeter).
            grow = cv2.contourArea(contour) * self._unclip / max(cv2.arcLength(contour, True), 1.0)
            slanted = slanted_line(contour, grow, fx, fy, w, h)
            if slanted is not None:
                lines.append(slanted)
                continue
            x0, y0 = max(0.0, (x - grow) * fx), max(0.0, (y - grow) * fy)
            x1, y1 = min(float(w), (x + bw + grow) * fx), min(float(h), (y + bh + grow) * fy)
            lines.append(Detection((int(x0), int(y0), int(x1 - x0), int(y1 - y0))))
        return lines


LATIN_TWINS = "АВЕКМНОРСТУХІЅЈΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"  # Cyrillic and Greek capitals plates share with Latin ones


class LineRecognizer:
    """PP-OCR CTC line recogniser limited to the allowed characters."""

    def __init__(self, path: Path, threads: int, allowed: str, height: int):
        self._session = _session(path, threads)
        self._input = self._session.get_inputs()[0].name
        chars = self._session.get_modelmeta().custom_metadata_map["character"].splitlines()
        alphabet = ["<blank>"] + chars + [" "]
        keep = [0] + [i for i, c in enumerate(alphabet) if c in allowed]
        self._keep = np.array(keep)
        self._foreign = np.array([i != 0 and c.upper() not in allowed and c.upper() not in LATIN_TWINS
                                  for i, c in enumerate(alphabet)])
        self._symbols = [alphabet[i] for i in keep]
        self._height = height

    def read(self, line: np.ndarray) -> OcrResult:
        """Read one text line (BGR). Greedy CTC decoding over the allowed characters only."""
        h, w = line.shape[:2]
        if h < 2 or w < 2:
            return OcrResult("", 0.0)
        blob = line_blob(line, self._height)
        probs = self._session.run(None, {self._input: blob.transpose(2, 0, 1)[None]})[0][0]
        text, confs = ctc_decode(probs, self._keep, self._foreign, self._symbols)
        confidence = float(np.mean(confs)) if confs else 0.0
        return OcrResult("".join(text), confidence, tuple(confs))


def line_blob(line: np.ndarray, height: int) -> np.ndarray:
    """The recogniser's input (height x width x 3, values -1..1): the line scaled to `height`, at most
    REC_MAX_WIDTH wide, padded on the right with zeros to the width PP-OCR trains on (REC_PAD_RATIO)."""
    h, w = line.shape[:2]
    width = max(height // 3, min(int(math.ceil(height * w / h)), REC_MAX_WIDTH))
    blob = (resized(line, (width, height)).astype(np.float32) / 255.0 - 0.5) / 0.5
    padded = int(round(height * REC_PAD_RATIO))
    if width >= padded:
        return blob
    return np.concatenate([blob, np.zeros((height, padded - width, blob.shape[2]), np.float32)], axis=1)


def resized(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` at `size` (width, height). Made at least SHRINK_AVERAGED times smaller both ways (a close-up's line in
    a photo of many pixels), each new pixel is the mean of those it covers: interpolated, fine strokes would alias into
    noise (interpolation between the nearest pixels skips none up to that factor, and is what PP-OCR trains with)."""
    height, width = image.shape[:2]
    averaged = size[0] * SHRINK_AVERAGED <= width and size[1] * SHRINK_AVERAGED <= height
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if averaged else cv2.INTER_LINEAR)


def ctc_decode(probs: np.ndarray, keep: np.ndarray, foreign: np.ndarray,
               symbols: list[str]) -> tuple[str, list[float]]:
    """Greedy CTC decoding over the allowed characters (`keep`, blank first). A step whose likeliest
    character is `foreign` to plates (a Chinese province character, Cyrillic or Arabic script, a dash,
    a dot) is dropped, not turned into the nearest plate character."""
    allowed = probs[:, keep]
    best = np.where(foreign[probs.argmax(axis=1)], 0, allowed.argmax(axis=1))
    scores = allowed.max(axis=1)
    text, confs, previous = [], [], 0
    for index, score in zip(best, scores, strict=True):
        if index != 0 and index != previous:
            text.append(symbols[index])
            confs.append(float(score))
        previous = index
    return "".join(text), confs
