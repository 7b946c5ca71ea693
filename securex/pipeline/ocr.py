"""OCR engines behind one interface: each turns a text-line crop into one or more raw readings.

`NeuralOcr` runs the PP-OCR recogniser once; `TesseractOcr` reads several renderings of the crop,
and the reader lets the readings vote. A failed engine call costs that candidate, never the run.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import Protocol

import numpy as np

from securex.core.domain import OcrResult
from securex.pipeline import preprocess
from securex.pipeline.neural import LineRecognizer

log = logging.getLogger(__name__)
HOCR_CHAR = re.compile(r"<span class=['\"]ocrx_cinfo['\"] title=['\"][^'\"]*x_conf ([\d.]+)[^'\"]*['\"]>([^<]*)</span>")


class OcrEngine(Protocol):
    name: str

    def read(self, line: np.ndarray) -> list[OcrResult]:
        """Raw readings of one text-line crop (BGR or gray); empty when nothing could be read."""


class NeuralOcr:
    name = "neural"

    def __init__(self, recognizer: LineRecognizer):
        self._recognizer = recognizer

    def read(self, line: np.ndarray) -> list[OcrResult]:
        if line.ndim == 2:
            line = np.repeat(line[:, :, None], 3, axis=2)
        result = self._recognizer.read(line)
        return [result] if result.text else []


class TesseractOcr:
    name = "tesseract"

    def __init__(self, command: Path, allowed: str, line_height: int, timeout: float):
        import pytesseract

        self._pytesseract = pytesseract
        pytesseract.pytesseract.tesseract_cmd = str(command)
        self._config = f"--psm 7 -c tessedit_char_whitelist={allowed} -c hocr_char_boxes=1"
        self._line_height = line_height
        self._timeout = timeout

    def read(self, line: np.ndarray) -> list[OcrResult]:
        results = []
        for name, image in preprocess.variants(line, self._line_height).items():
            result = self._read_one(image, name)
            if result.text:
                results.append(result)
        return results

    def _read_one(self, image: np.ndarray, variant: str) -> OcrResult:
        try:
            hocr = self._pytesseract.image_to_pdf_or_hocr(image, extension="hocr", config=self._config,
                                                          timeout=self._timeout)
        except Exception as exc:  # Tesseract 5.3 dies with SIGFPE on some near-blank crops
            log.debug("Tesseract failed on the %s rendering: %s", variant, str(exc).strip()[:200])
            return OcrResult("", 0.0)
        return parse_hocr_chars(hocr.decode("utf-8", "replace"))


def parse_hocr_chars(hocr: str) -> OcrResult:
    """Text and per-character confidences (0..1) from Tesseract hOCR made with hocr_char_boxes=1.

    Tesseract's word confidence is 0 for most whitelisted plate reads; the character ones are usable.
    """
    chars, confs = [], []
    for conf, char in HOCR_CHAR.findall(hocr):
        char = html.unescape(char).strip()
        if char:
            chars.append(char)
            confs.append(min(1.0, float(conf) / 100.0))
    if not chars:
        return OcrResult("", 0.0)
    return OcrResult("".join(chars), sum(confs) / len(confs), tuple(confs))
