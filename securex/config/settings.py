"""Load `config.py`, apply command-line overrides, and check every value before the program starts.

Each problem becomes one plain line naming the setting and the fix, so a guard can act on it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from dataclasses import dataclass, fields
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CASCADE = "haarcascade_russian_plate_number.xml"
TESSERACT_FALLBACKS = (
    r"C:\Program Files\Tesseract-OCR\tesseract.exe",
    r"C:\Program Files (x86)\Tesseract-OCR\tesseract.exe",
    "/opt/homebrew/bin/tesseract",
    "/usr/local/bin/tesseract",
    "/usr/bin/tesseract",
)
NEURAL_MODEL_PACKAGE = "rapidocr_onnxruntime"
NEURAL_DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
NEURAL_REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"


class ConfigError(Exception):
    """One or more settings are wrong; the message has one line per problem."""


@dataclass(frozen=True)
class Settings:
    """Every setting of `config.py`, lower-cased, after overrides. Immutable for one run."""

    camera_index: int
    camera_width: int
    camera_height: int
    camera_fps: int
    frame_skip: int
    reconnect_max_seconds: float
    detector: str
    cascade_path: Optional[str]
    cascade_scale_factor: float
    cascade_min_neighbors: int
    min_plate_area: int
    max_plate_area: int
    plate_min_aspect: float
    plate_max_aspect: float
    still_detect_side: int
    video_detect_side: int
    text_det_threshold: float
    text_det_box_score: float
    text_det_unclip: float
    ocr_engine: str
    neural_model_dir: Optional[str]
    onnx_threads: int
    tesseract_path: Optional[str]
    tesseract_timeout_seconds: float
    ocr_line_height: int
    ocr_confidence_threshold: float
    plate_min_length: int
    plate_max_length: int
    plate_allowed_chars: str
    plate_formats: dict
    unknown_format_penalty: float
    fix_char_confidence: float
    sure_change_penalty: float
    drop_char_confidence: float
    plate_min_digits: int
    detect_interval_frames: int
    motion_gate: bool
    motion_thumb_width: int
    motion_pixel_delta: int
    motion_min_share: float
    track_iou_match: float
    track_max_missed_detections: int
    settled_recheck_frames: int
    vote_min_reads: int
    vote_min_reads_at_end: int
    vote_settle_share: float
    max_tracks: int
    ocr_workers: int
    pipeline_lag_frames: int
    auto_save: bool
    auto_save_threshold: float
    duplicate_window_seconds: float
    gate_name: str
    database_url: str
    key_path: str
    head_log_path: str
    csv_path: str
    images_dir: str
    crop_margin: float
    retention_days: Optional[int]
    watchlist_path: Optional[str]
    watchlist_max_distance: int
    alert_command: Optional[list]
    alert_timeout_seconds: float
    reports_dir: str
    show_dashboard: bool
    window_title: str
    fps_window_seconds: float
    log_level: str
    # Run options that only come from the command line.
    source: Optional[str] = None
    headless: bool = False
    realtime: bool = False
    loops: int = 1

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    @property
    def cascade_file(self) -> Path:
        if self.cascade_path:
            return resolve_path(self.cascade_path)
        import cv2

        return Path(cv2.data.haarcascades) / DEFAULT_CASCADE

    @property
    def neural_models(self) -> Path:
        if self.neural_model_dir:
            return resolve_path(self.neural_model_dir)
        spec = importlib.util.find_spec(NEURAL_MODEL_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            return Path(f"<{NEURAL_MODEL_PACKAGE} not installed>")
        return Path(list(spec.submodule_search_locations)[0]) / "models"

    @property
    def tesseract_command(self) -> Optional[Path]:
        return find_tesseract(self.tesseract_path)


def resolve_path(value: str) -> Path:
    """Config paths are relative to the project folder, so the program works from any directory."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def find_tesseract(configured: Optional[str]) -> Optional[Path]:
    """The configured Tesseract, else the one on PATH, else the usual install places."""
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_file() else None
    on_path = shutil.which("tesseract")
    if on_path:
        return Path(on_path)
    for candidate in TESSERACT_FALLBACKS:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def load_config_module(path: Optional[Path] = None) -> ModuleType:
    path = path or PROJECT_ROOT / "config.py"
    spec = importlib.util.spec_from_file_location("securex_config", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"config file {path} cannot be loaded: restore config.py from the repository")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a syntax error in config.py must still be one plain line
        raise ConfigError(f"config.py cannot be read ({type(exc).__name__}: {exc}): fix that line") from None
    return module


def load_settings(overrides: Optional[dict] = None, module: Optional[ModuleType] = None) -> Settings:
    """Settings from config.py with command-line overrides applied; raises ConfigError when invalid."""
    module = module or load_config_module()
    values: dict[str, Any] = {}
    missing = []
    for f in fields(Settings):
        if f.default is not dataclasses.MISSING:
            continue
        name = f.name.upper()
        if hasattr(module, name):
            values[f.name] = getattr(module, name)
        else:
            missing.append(f"{name} is missing from config.py: add it back (see README, Configuration)")
    if missing:
        raise ConfigError("\n".join(missing))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    settings = Settings(**values)
    problems = validate(settings)
    if problems:
        raise ConfigError("\n".join(problems))
    return settings


def _type_problems(s: Settings) -> list[str]:
    problems = []
    for f in fields(Settings):
        value = getattr(s, f.name)
        kind = f.type.replace("Optional[", "").rstrip("]")
        if value is None and f.type.startswith("Optional"):
            continue
        expected = {"int": int, "float": (int, float), "str": str, "bool": bool, "dict": dict,
                    "list": (list, tuple)}.get(kind)
        ok = isinstance(value, expected) if expected else True
        if kind in ("int", "float") and isinstance(value, bool):
            ok = False
        if not ok:
            problems.append(f"{f.name.upper()} = {value!r} is not a {kind}: set a {kind} in config.py")
    return problems


def _range(s: Settings, name: str, low: float, high: float) -> list[str]:
    value = getattr(s, name)
    if low <= value <= high:
        return []
    return [f"{name.upper()} = {value!r} is out of range: set it between {low} and {high} in config.py"]


def validate(s: Settings) -> list[str]:
    """Every problem with the settings, one plain line each (empty when all is well)."""
    problems = _type_problems(s)
    if problems:
        return problems
    for name, low, high in (
        ("camera_width", 160, 7680), ("camera_height", 120, 4320), ("camera_fps", 1, 240),
        ("frame_skip", 0, 100), ("reconnect_max_seconds", 1, 3600),
        ("cascade_scale_factor", 1.01, 2.0), ("cascade_min_neighbors", 0, 50),
        ("min_plate_area", 1, 10**8), ("max_plate_area", 1, 10**9),
        ("plate_min_aspect", 0.5, 20), ("plate_max_aspect", 0.5, 50),
        ("still_detect_side", 160, 4096), ("video_detect_side", 160, 4096),
        ("text_det_threshold", 0.01, 0.99), ("text_det_box_score", 0.01, 0.99), ("text_det_unclip", 1.0, 4.0),
        ("onnx_threads", 1, 64), ("tesseract_timeout_seconds", 0.5, 120), ("ocr_line_height", 16, 128),
        ("ocr_confidence_threshold", 0, 1), ("plate_min_length", 1, 12), ("plate_max_length", 1, 16),
        ("unknown_format_penalty", 0, 1), ("fix_char_confidence", 0, 1), ("sure_change_penalty", 0, 1),
        ("drop_char_confidence", 0, 1), ("plate_min_digits", 0, 12),
        ("detect_interval_frames", 1, 60), ("motion_thumb_width", 32, 640), ("motion_pixel_delta", 1, 254),
        ("motion_min_share", 0, 1), ("track_iou_match", 0.01, 1), ("track_max_missed_detections", 1, 1000),
        ("settled_recheck_frames", 1, 10000), ("vote_min_reads", 1, 100), ("vote_min_reads_at_end", 1, 100),
        ("vote_settle_share", 0.0, 1.0), ("max_tracks", 1, 1000),
        ("ocr_workers", 1, 32), ("pipeline_lag_frames", 1, 100),
        ("auto_save_threshold", 0, 1), ("duplicate_window_seconds", 0, 86400), ("crop_margin", 0, 1),
        ("fps_window_seconds", 0.2, 60), ("watchlist_max_distance", 0, 3), ("alert_timeout_seconds", 0.5, 600),
    ):
        problems += _range(s, name, low, high)
    if s.min_plate_area >= s.max_plate_area:
        problems.append("MIN_PLATE_AREA must be below MAX_PLATE_AREA: fix them in config.py")
    if s.plate_min_aspect >= s.plate_max_aspect:
        problems.append("PLATE_MIN_ASPECT must be below PLATE_MAX_ASPECT: fix them in config.py")
    if s.plate_min_length > s.plate_max_length:
        problems.append("PLATE_MIN_LENGTH must not exceed PLATE_MAX_LENGTH: fix them in config.py")
    if not s.plate_allowed_chars or not all(c.isascii() and c.isalnum() and not c.islower()
                                            for c in s.plate_allowed_chars):
        problems.append("PLATE_ALLOWED_CHARS must hold upper-case letters and digits only: fix it in config.py")
    problems += _format_problems(s)
    if s.retention_days is not None and not 1 <= s.retention_days <= 36500:
        problems.append(f"RETENTION_DAYS = {s.retention_days!r} is out of range: set days (1 or more) or None "
                        "in config.py")
    if s.alert_command is not None and (not s.alert_command or not all(isinstance(a, str) and a
                                                                        for a in s.alert_command)):
        problems.append("ALERT_COMMAND must be None or a list of words, e.g. [\"python\", \"notify.py\"]: "
                        "fix it in config.py")
    if s.loops < 1:
        problems.append(f"--loop {s.loops} is not allowed: give 1 or more")
    if s.detector not in ("text", "haar", "hybrid"):
        problems.append(f"DETECTOR = {s.detector!r} is unknown: use \"text\", \"haar\" or \"hybrid\" in config.py")
    if s.ocr_engine not in ("neural", "tesseract"):
        problems.append(f"OCR_ENGINE = {s.ocr_engine!r} is unknown: use \"neural\" or \"tesseract\" in config.py")
    if s.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL = {s.log_level!r} is unknown: use DEBUG, INFO, WARNING or ERROR in config.py")
    problems += _file_problems(s)
    return problems


def _format_problems(s: Settings) -> list[str]:
    for region, patterns in s.plate_formats.items():
        if not isinstance(patterns, (list, tuple)) or not all(
            isinstance(p, str) and p and set(p) <= {"L", "N"} for p in patterns
        ):
            return [f"PLATE_FORMATS[{region!r}] must be a list of patterns of L and N (e.g. \"LLLNNNN\"): "
                    "fix it in config.py"]
    return []


def _file_problems(s: Settings) -> list[str]:
    problems = []
    if s.detector in ("haar", "hybrid"):
        cascade = s.cascade_file
        if not cascade.is_file():
            problems.append(f"Cascade not found at {cascade}: set CASCADE_PATH in config.py to a Haar cascade XML "
                            "(or None for OpenCV's own)")
    if s.ocr_engine == "tesseract" and s.tesseract_command is None:
        where = s.tesseract_path or "PATH and the usual install places"
        problems.append(f"Tesseract not found at {where}: install tesseract-ocr or set TESSERACT_PATH in config.py")
    needs_neural = s.ocr_engine == "neural" or s.detector in ("text", "hybrid")
    if needs_neural:
        missing = [m for m in (NEURAL_DET_MODEL, NEURAL_REC_MODEL) if not (s.neural_models / m).is_file()]
        if missing:
            problems.append(f"Neural model {', '.join(missing)} not found in {s.neural_models}: run the setup "
                            "(pip install -r requirements.txt) or set NEURAL_MODEL_DIR in config.py")
    if not s.gate_name.strip() or len(s.gate_name) > 64 or not s.gate_name.isprintable():
        problems.append(f"GATE_NAME = {s.gate_name!r} is not usable: give a short name such as \"north-gate\"")
    for name in ("database_url", "key_path", "head_log_path", "csv_path", "images_dir", "reports_dir"):
        if not str(getattr(s, name)).strip():
            problems.append(f"{name.upper()} is empty: give a path in config.py")
    return problems

