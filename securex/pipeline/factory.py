"""Builds the plate reader from the configuration: the one place that picks each stage's implementation.

Each stage has a registry: its names (the DETECTOR and OCR_ENGINE values, the command line's
`--detector`/`--engine` choices) mapped to a builder and the model files it needs. Checking the
configuration, building, and the command line all read these same keys.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from securex.config import Config, ConfigError, DetectionConfig, OcrConfig
from securex.core.errors import SecureXError
from securex.pipeline.detection import Detector, HaarDetector, HybridDetector, SizeFilter, TextLineDetector
from securex.pipeline.neural import LineRecognizer, TextLineModel
from securex.pipeline.ocr import NeuralOcr, OcrEngine, TesseractOcr
from securex.pipeline.plate_rules import PlateRules
from securex.pipeline.platedet import PlateBoxModel, PlateModelDetector, model_file
from securex.pipeline.reader import PlateReader

DEFAULT_CASCADE = "haarcascade_russian_plate_number.xml"
NEURAL_DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
NEURAL_REC_MODEL = "PP-OCRv6_rec_small.onnx"
# The wheel whose `models` folder holds each neural model (all Apache-2.0, from PaddleOCR). `rapidocr` is
# installed with --no-deps (its pins would bring a second OpenCV): SecureX loads only its model file.
NEURAL_MODEL_PACKAGES = {NEURAL_DET_MODEL: ("rapidocr_onnxruntime", "rapidocr-onnxruntime==1.4.4"),
                         NEURAL_REC_MODEL: ("rapidocr", "rapidocr==3.10.0")}
PLATE_MODEL_MIN_SCORE = 0.25  # the optional plate model's score a box needs
TESSERACT_FALLBACKS = (
    r"C:\Program Files\Tesseract-OCR\tesseract.exe",
    r"C:\Program Files (x86)\Tesseract-OCR\tesseract.exe",
    "/opt/homebrew/bin/tesseract",
    "/usr/local/bin/tesseract",
    "/usr/bin/tesseract",
)


# --- where the models are --------------------------------------------------------------------------
def cascade_file(config: DetectionConfig) -> Path:
    if config.cascade_path:
        return config.cascade_path
    import cv2

    return Path(cv2.data.haarcascades) / DEFAULT_CASCADE


def neural_model(config: OcrConfig, name: str) -> Path:
    """A neural model file: in NEURAL_MODEL_DIR when set, else in its wheel's `models` folder (a placeholder
    folder naming the wheel when it is not installed; the package is located, never imported)."""
    if config.neural_model_dir:
        return config.neural_model_dir / name
    package = NEURAL_MODEL_PACKAGES[name][0]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return Path(f"<{package} not installed>") / name
    return Path(list(spec.submodule_search_locations)[0]) / "models" / name


def find_tesseract(config: OcrConfig) -> Optional[Path]:
    """The configured Tesseract, else the one on PATH, else the usual install places."""
    if config.tesseract_path:
        return config.tesseract_path if config.tesseract_path.is_file() else None
    on_path = shutil.which("tesseract")
    if on_path:
        return Path(on_path)
    return next((Path(c) for c in TESSERACT_FALLBACKS if Path(c).is_file()), None)


def _missing_neural(config: Config, models: list[str]) -> list[str]:
    missing = [m for m in models if not neural_model(config.ocr, m).is_file()]
    wheels = " and ".join(NEURAL_MODEL_PACKAGES[m][1] for m in missing) + (" wheels" if len(missing) > 1 else " wheel")
    if missing and config.ocr.neural_model_dir:
        return [f"Neural model {', '.join(missing)} not found in {config.ocr.neural_model_dir}: put the model files "
                f"there (from the {wheels}) or set NEURAL_MODEL_DIR = None in config.py (the installed ones)"]
    return [f"Neural model {m} not found in {neural_model(config.ocr, m).parent}: run the setup (bash "
            f"scripts/setup.sh, or pip install --no-deps --force-reinstall {NEURAL_MODEL_PACKAGES[m][1]}) or set "
            "NEURAL_MODEL_DIR in config.py" for m in missing]


def _missing_cascade(config: Config) -> list[str]:
    cascade = cascade_file(config.detection)
    if cascade.is_file():
        return []
    return [f"Cascade not found at {cascade}: set CASCADE_PATH in config.py to a Haar cascade XML "
            "(or None for OpenCV's own)"]


def _missing_tesseract(config: Config) -> list[str]:
    if find_tesseract(config.ocr) is not None:
        return []
    where = config.ocr.tesseract_path or "PATH and the usual install places"
    return [f"Tesseract not found at {where}: install tesseract-ocr or set TESSERACT_PATH in config.py"]


def _missing_plate_model(config: Config) -> list[str]:
    if model_file().is_file():
        return []
    return ['DETECTOR = "platedet" needs the optional plate detector model: pip install --no-deps platedet==0.0.2 '
            "(its model is AGPL-3.0: see the README), or use another DETECTOR"]


MISSING: dict[str, Callable[[Config], list[str]]] = {"cascade": _missing_cascade, "tesseract": _missing_tesseract,
                                                     "platedet": _missing_plate_model}


# --- the registries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """One implementation of a stage: how to build it and what it needs (neural model files, "cascade",
    "tesseract")."""

    build: Callable[[Config], object]
    needs: tuple[str, ...]


def _text_model(c: Config) -> TextLineModel:
    d = c.detection
    return TextLineModel(neural_model(c.ocr, NEURAL_DET_MODEL), c.ocr.onnx_threads, d.text_threshold,
                         d.text_box_score, d.text_unclip)


def _haar(c: Config) -> HaarDetector:
    d = c.detection
    return HaarDetector(cascade_file(d), d.cascade_scale_factor, d.cascade_min_neighbors, SizeFilter(d))


def _hybrid(c: Config) -> HybridDetector:
    model = _text_model(c)
    return HybridDetector(_haar(c), TextLineDetector(model, SizeFilter(c.detection)), model, SizeFilter(c.detection))


def _plate_model(c: Config) -> PlateModelDetector:
    plates = PlateBoxModel(model_file(), c.ocr.onnx_threads, PLATE_MODEL_MIN_SCORE)
    return PlateModelDetector(plates, _text_model(c), SizeFilter(c.detection))


DETECTORS: dict[str, Choice] = {
    "text": Choice(lambda c: TextLineDetector(_text_model(c), SizeFilter(c.detection)), (NEURAL_DET_MODEL,)),
    "haar": Choice(_haar, ("cascade",)),
    "hybrid": Choice(_hybrid, (NEURAL_DET_MODEL, "cascade")),
    "platedet": Choice(_plate_model, (NEURAL_DET_MODEL, "platedet")),
}
OCR_ENGINES: dict[str, Choice] = {
    "neural": Choice(lambda c: NeuralOcr(LineRecognizer(neural_model(c.ocr, NEURAL_REC_MODEL), c.ocr.onnx_threads,
                                                        c.plates.allowed_chars, c.ocr.line_height)),
                     (NEURAL_REC_MODEL,)),
    "tesseract": Choice(lambda c: TesseractOcr(find_tesseract(c.ocr), c.plates.allowed_chars, c.ocr.line_height,
                                               c.ocr.tesseract_timeout_seconds), ("tesseract",)),
}


def _quoted(names) -> str:
    return " or ".join(", ".join(f'"{n}"' for n in names).rsplit(", ", 1))


def check_stages(config: Config) -> None:
    """Raise ConfigError (one line per problem) when a stage is unknown or its model files are missing."""
    problems, needs = [], []
    for setting, value, registry in (("DETECTOR", config.detection.detector, DETECTORS),
                                     ("OCR_ENGINE", config.ocr.engine, OCR_ENGINES)):
        if value not in registry:
            problems.append(f"{setting} = {value!r} is unknown: use {_quoted(registry)} in config.py")
        else:
            needs += [n for n in registry[value].needs if n not in needs]
    if problems:
        raise ConfigError("\n".join(problems))
    problems = _missing_neural(config, [n for n in needs if n not in MISSING])
    problems += [line for need in needs if need in MISSING for line in MISSING[need](config)]
    if problems:
        raise ConfigError("\n".join(problems))


def build_detector(config: Config) -> Detector:
    return DETECTORS[config.detection.detector].build(config)


def build_engine(config: Config) -> OcrEngine:
    return OCR_ENGINES[config.ocr.engine].build(config)


def build_reader(config: Config) -> PlateReader:
    """The configuration's plate reader; SecureXError (one line) when a stage cannot be checked or built."""
    check_stages(config)
    try:
        return PlateReader(build_detector(config), build_engine(config), PlateRules(config.plates),
                           config.ocr.confidence_threshold, config.detection.masks, config.detection.min_aspect,
                           config.plates.min_evidence, config.plates.vanity_evidence)
    except Exception as exc:  # a model or cascade that will not load: one line, not a traceback
        raise SecureXError(f"Cannot start the plate reader: {exc}") from None
