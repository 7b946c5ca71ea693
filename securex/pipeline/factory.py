"""Builds each pipeline stage from the settings: the one place that picks implementations."""

from __future__ import annotations

from securex.pipeline.detection import Detector, HaarDetector, HybridDetector, SizeFilter, TextLineDetector
from securex.pipeline.neural import LineRecognizer, TextLineModel
from securex.pipeline.ocr import NeuralOcr, OcrEngine, TesseractOcr
from securex.pipeline.plate_rules import PlateRules
from securex.pipeline.reader import PlateReader
from securex.config.settings import NEURAL_DET_MODEL, NEURAL_REC_MODEL, Settings


def build_text_model(s: Settings) -> TextLineModel:
    return TextLineModel(s.neural_models / NEURAL_DET_MODEL, s.onnx_threads, s.text_det_threshold,
                         s.text_det_box_score, s.text_det_unclip)


def build_detector(s: Settings) -> Detector:
    size_filter = SizeFilter(s)
    if s.detector == "haar":
        return HaarDetector(s.cascade_file, s.cascade_scale_factor, s.cascade_min_neighbors, size_filter)
    model = build_text_model(s)
    text = TextLineDetector(model, size_filter)
    if s.detector == "text":
        return text
    haar = HaarDetector(s.cascade_file, s.cascade_scale_factor, s.cascade_min_neighbors, size_filter)
    return HybridDetector(haar, text, model, size_filter)


def build_engine(s: Settings) -> OcrEngine:
    if s.ocr_engine == "tesseract":
        return TesseractOcr(s.tesseract_command, s.plate_allowed_chars, s.ocr_line_height,
                            s.tesseract_timeout_seconds)
    recognizer = LineRecognizer(s.neural_models / NEURAL_REC_MODEL, s.onnx_threads, s.plate_allowed_chars,
                                s.ocr_line_height)
    return NeuralOcr(recognizer)


def build_reader(s: Settings) -> PlateReader:
    return PlateReader(build_detector(s), build_engine(s), PlateRules(s), s.ocr_confidence_threshold)
