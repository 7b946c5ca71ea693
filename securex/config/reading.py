"""The settings of reading plates: camera, detection, OCR, plate rules, tracking (declared once each)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from securex.config.plate_formats import COUNTRIES, DEFAULT_COUNTRIES, WORLD, WORLD_VANITY_LENGTH
from securex.config.setting import setting

LANES_NOTE = """Lanes watched by this PC, one camera each, in one process (one window, one record chain). Each lane:
"name", "source" (camera index, video file or rtsp:// URL), "direction" ("in", "out" or "both": a "both" lane tells
from the plate's motion, see APPROACHING_IS), optionally "region": the part of the picture where plates are read,
a polygon of [x, y] picture fractions (0..1 from the top left), and optionally "masks": areas of this lane's
picture never read, each [left, top, right, bottom] in fractions of its picture (as MASKS, which count on every
lane too). [] = one lane: --source or CAMERA_INDEX, named LANE_NAME, recording no direction (as before lanes; a
single lane with a direction is one entry here). Example:
  LANES = [{"name": "entry", "source": 0, "direction": "in", "region": [[0, 0.3], [1, 0.3], [1, 1], [0, 1]],
            "masks": [[0.0, 0.3, 0.3, 0.38]]},
           {"name": "exit", "source": "rtsp://user:pass@10.0.0.6/stream", "direction": "out"}]"""


@dataclass(frozen=True)
class CameraConfig:
    """Camera / video source"""

    index: int = setting("CAMERA_INDEX", 0, "camera used with no --source (0 = first camera)")
    width: int = setting("CAMERA_WIDTH", 1280, "resolution asked of a live camera, in pixels", 160, 7680)
    height: int = setting("CAMERA_HEIGHT", 720, "(the camera may pick the nearest mode it supports)", 120, 4320)
    fps: int = setting("CAMERA_FPS", 25, "frame rate asked of a live camera", 1, 240)
    frame_skip: int = setting("FRAME_SKIP", 0, "process one frame, then skip this many (0 = process every frame)",
                              0, 100)
    reconnect_max_seconds: float = setting("RECONNECT_MAX_SECONDS", 30.0,
                                           "longest wait between tries to reach a live source that is absent "
                                           "or dropped", 1, 3600)
    lanes: list = setting("LANES", [], "the lanes: [{\"name\", \"source\", \"direction\", \"region\", \"masks\"}, "
                          "...]; "
                          "[] = one lane (--source or CAMERA_INDEX)", note=LANES_NOTE)
    approaching_is: str = setting("APPROACHING_IS", "in", "on a \"both\" lane, a plate coming toward the camera "
                                  "(growing, moving down the picture) is going \"in\" or \"out\"")


MASKS_NOTE = """Areas of the picture where no plate is looked for: a burned-in clock or camera name, a sign.
Each is [left, top, right, bottom] in fractions of the picture's width and height, e.g.
[0.0, 0.0, 0.4, 0.08] for a clock in the top-left corner. A candidate whose centre is inside one is
dropped. Fixed text is also rejected without a mask (see STATIC_MIN_MOVE); a mask saves the work.
What changes inside one is no motion (MOTION_GATE): mask a tree or a flag that moves in the wind too,
where no plate passes (a plate centred in a mask is never read).
These count on every lane; a lane's own "masks" (see LANES) add to them on that lane's picture only."""


@dataclass(frozen=True)
class DetectionConfig:
    """Detection"""

    detector: str = setting("DETECTOR", "text",
                            "\"text\" (neural text-line detector), \"haar\" (cascade), \"hybrid\" (both) or "
                            "\"platedet\" (optional plate model, AGPL-3.0: see the README; install it yourself)")
    cascade_path: Optional[Path] = setting(
        "CASCADE_PATH", None, "Haar cascade XML; None = haarcascade_russian_plate_number.xml shipped by OpenCV",
        path=True)
    cascade_scale_factor: float = setting("CASCADE_SCALE_FACTOR", 1.05,
                                          "image pyramid step of the cascade (smaller = finds more, slower)", 1.01, 2.0)
    cascade_min_neighbors: int = setting("CASCADE_MIN_NEIGHBORS", 3,
                                         "overlapping hits a cascade box needs (higher = fewer false boxes)", 0, 50)
    min_plate_area: int = setting("MIN_PLATE_AREA", 300, "smallest plate box kept, in pixels of the original frame",
                                  1, 10**8)
    min_aspect: float = setting("PLATE_MIN_ASPECT", 1.4,
                                "plate box width / height, lower bound (two-row plates are ~1.5); narrower text "
                                "boxes, down to 0.8, are read only as vanity plates (see VANITY_MIN_EVIDENCE)", 0.5, 20)
    max_aspect: float = setting("PLATE_MAX_ASPECT", 9.0, "plate box width / height, upper bound", 0.5, 50)
    still_side: int = setting("STILL_DETECT_SIDE", 960,
                              "still photos are scaled so their long side is this before detection", 160, 4096)
    video_side: int = setting("VIDEO_DETECT_SIDE", 480,
                              "video frames are scaled so their long side is this before detection", 160, 4096)
    text_threshold: float = setting("TEXT_DET_THRESHOLD", 0.3, "text detector: pixel probability that counts as text",
                                    0.01, 0.99)
    text_box_score: float = setting("TEXT_DET_BOX_SCORE", 0.5, "text detector: mean probability a text box needs",
                                    0.01, 0.99)
    text_unclip: float = setting("TEXT_DET_UNCLIP", 1.6, "text detector: how far a text box is grown around its core",
                                 1.0, 4.0)
    masks: list = setting("MASKS", [], "areas never read, on every lane: [left, top, right, bottom] in fractions of "
                          "the picture",
                          note=MASKS_NOTE)


@dataclass(frozen=True)
class OcrConfig:
    """OCR"""

    engine: str = setting("OCR_ENGINE", "neural", "\"neural\" (PP-OCR ONNX model, offline) or \"tesseract\"")
    neural_model_dir: Optional[Path] = setting(
        "NEURAL_MODEL_DIR", None, "folder with both PP-OCR .onnx models; None = those of the installed rapidocr wheels",
        path=True)
    onnx_threads: int = setting("ONNX_THREADS", 1,
                                "CPU threads per neural model call (1 measured fastest on two cores)", 1, 64)
    tesseract_path: Optional[Path] = setting(
        "TESSERACT_PATH", None, "tesseract executable; None = search PATH, then the usual Windows/macOS places",
        path=True)
    tesseract_timeout_seconds: float = setting(
        "TESSERACT_TIMEOUT_SECONDS", 5.0, "a Tesseract call that takes longer is abandoned (costs that candidate only)",
        0.5, 120)
    line_height: int = setting("OCR_LINE_HEIGHT", 48, "text lines are scaled to this height (px) before OCR", 16, 128)
    confidence_threshold: float = setting("OCR_CONFIDENCE_THRESHOLD", 0.5,
                                          "reads below this confidence (0..1) are not shown or used", 0, 1)


COUNTRIES_NOTE = """The countries whose plates this site sees (securex/config/plate_formats.py has the table: patterns,
letters, one- and two-row layouts, lengths). A read that fits one of their formats ranks above one
that does not, confusable characters (O/0, I/1, B/8, S/5, Z/2, G/6) are fixed only where a format
decides it, and `read --json` names the country. "eu" stands for the EU plates not listed one by one
(any layout of 4 to 8 characters). "world" reads any other country's plates too: a read of 6 or
more letters and digits that fits another country's format as read (or changing only unsure
confusable characters) is named by that country and, every character read surely, needs no plate
evidence; any other layout of 4 to 10 characters passes the permissive rule; a vanity plate may
have 2 (unless PLATE_MIN_LENGTH is set). Leave "world" out to read only the countries listed. Known:
""" + "\n".join(textwrap.wrap(" ".join(sorted(COUNTRIES)), 100))

FORMATS_NOTE = """The site's own formats, added to its countries': {"name": ["LLNNNN", ...]}, L = letter, N = digit,
a "/" between the rows of a two-row plate (top row first)."""


@dataclass(frozen=True)
class PlateConfig:
    """Plate rules"""

    countries: list = setting("PLATE_COUNTRIES", DEFAULT_COUNTRIES, "the countries whose plates are read",
                              note=COUNTRIES_NOTE)
    min_length: Optional[int] = setting("PLATE_MIN_LENGTH", None,
                                        "fewest characters in a plate (None = from the countries' formats)", 1, 12)
    max_length: Optional[int] = setting("PLATE_MAX_LENGTH", None,
                                        "most characters in a plate (None = from the countries' formats)", 1, 16)
    allowed_chars: str = setting("PLATE_ALLOWED_CHARS", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                 "characters a plate may contain")
    formats: dict = setting("PLATE_FORMATS", {}, "name: [patterns] of the site's own", note=FORMATS_NOTE)
    unknown_format_penalty: float = setting("UNKNOWN_FORMAT_PENALTY", 0.15,
                                            "taken off the confidence of a read that fits no known format", 0, 1)
    world_format_penalty: float = setting(
        "WORLD_FORMAT_PENALTY", 0.05, "taken off the confidence of a read that fits no format of the site's but "
        "another country's, as read or changing only unsure characters (with \"world\" in PLATE_COUNTRIES)", 0, 1)
    fix_char_confidence: float = setting(
        "FIX_CHAR_CONFIDENCE", 0.9, "a confusable character read below this is changed freely to fit a format", 0, 1)
    sure_change_penalty: float = setting(
        "SURE_CHANGE_PENALTY", 0.1, "confidence lost per character read at or above that which a format changes", 0, 1)
    drop_char_confidence: float = setting(
        "DROP_CHAR_CONFIDENCE", 0.75, "a character read below this may be dropped if that makes a format fit (no more "
        "of them than a format needs)", 0, 1)
    min_digits: int = setting("PLATE_MIN_DIGITS", 1,
                              "a plate needs at least this many digits (text without digits is a sign, unless "
                              "its plate evidence lets it through: VANITY_MIN_EVIDENCE)", 0, 12)
    min_evidence: float = setting(
        "PLATE_MIN_EVIDENCE", 0.1, "a read that fits none of the site's formats (or only by changing a character "
        "read surely, or of digits only) needs at least this plate evidence "
        "(0..1: the text sits on a plate-shaped rectangle of uniform colour; 0 = off): a watermark, "
        "a sticker or writing in the scene does not", 0, 1)
    vanity_evidence: float = setting(
        "VANITY_MIN_EVIDENCE", 0.6, "plate evidence (0..1) that lets a read without digits through, its text centred "
        "on the plate: a short line with plate all around (a vanity plate: FAST, GT, V8) or, in photos, a line with "
        "some plate around it (a custom plate: KMBORAK, NEILDMND; above 1 = never)",
        0, 1)
    lengths: tuple = field(init=False)  # (fewest, most) characters: the two settings, or the countries'
    shortest: int = field(init=False)  # fewest characters of any plate read: a vanity plate's, with "world"
    # (unless PLATE_MIN_LENGTH is set)

    def __post_init__(self) -> None:
        ranges = [COUNTRIES[name].length_range() for name in self.countries if name in COUNTRIES]
        ranges += [(len(p.replace("/", "")),) * 2 for patterns in self.formats.values() for p in patterns]
        low = self.min_length if self.min_length is not None else min((r[0] for r in ranges), default=1)
        high = self.max_length if self.max_length is not None else max((r[1] for r in ranges), default=16)
        object.__setattr__(self, "lengths", (low, high))
        vanity = WORLD in self.countries and self.min_length is None  # a site's own PLATE_MIN_LENGTH holds for all
        object.__setattr__(self, "shortest", min(low, WORLD_VANITY_LENGTH) if vanity else low)


@dataclass(frozen=True)
class TrackingConfig:
    """Video: motion, tracking and voting"""

    detect_interval_frames: int = setting(
        "DETECT_INTERVAL_FRAMES", 3, "run the detector on one frame in this many (tracks carry boxes between)", 1, 60)
    motion_gate: bool = setting("MOTION_GATE", True, "skip the detector while nothing moves and no vehicle is tracked")
    motion_thumb_width: int = setting(
        "MOTION_THUMB_WIDTH", 160, "motion is judged on a grey thumbnail this wide (px; a lane with a region: its "
        "part of it, as finely)", 32, 640)
    motion_pixel_delta: int = setting("MOTION_PIXEL_DELTA", 12,
                                      "a thumbnail pixel whose grey level changes more than this has moved", 1, 254)
    motion_min_share: float = setting(
        "MOTION_MIN_SHARE", 0.002, "share of moved thumbnail pixels (of a lane's region, where it has one) that "
        "counts as motion (0.002 = 0.2 %); a patch with that share on its own is followed until it stops", 0, 1)
    focus_full_every: int = setting(
        "FOCUS_FULL_EVERY", 4, "every Nth detector run looks at the whole lane region; the others look closer at "
        "its moving part and the tracked plates, for the same cost (1 = always the whole region)", 1, 1000)
    iou_match: float = setting("TRACK_IOU_MATCH", 0.2, "box overlap that continues a track", 0.01, 1)
    max_missed_detections: int = setting("TRACK_MAX_MISSED_DETECTIONS", 4,
                                         "detector runs without the plate before its track ends", 1, 1000)
    settled_recheck_frames: int = setting(
        "SETTLED_RECHECK_FRAMES", 15, "a settled track is read again this often, to notice a new car in its place",
        1, 10000)
    vote_min_reads: int = setting("VOTE_MIN_READS", 3, "reads a track needs before its vote can settle", 1, 100)
    vote_min_reads_at_end: int = setting(
        "VOTE_MIN_READS_AT_END", 2, "reads an unsettled track needs to be saved when it leaves the picture", 1, 100)
    vote_settle_share: float = setting("VOTE_SETTLE_SHARE", 0.6,
                                       "share of the track's read weight the winner needs to settle", 0.0, 1.0)
    static_min_move: float = setting(
        "STATIC_MIN_MOVE", 0.75, "text that fits no plate format must move this many of its heights (or grow by this "
        "share) before it is recorded: text that stays put is a sign or overlay (0 = off)", 0, 100)
    max_tracks: int = setting("MAX_TRACKS", 32, "tracks kept at once (oldest dropped beyond this)", 1, 1000)
    worker_threads: int = setting("WORKER_THREADS", 2, "threads that run detection and OCR beside the picture", 1, 32)
    pipeline_lag_frames: int = setting(
        "PIPELINE_LAG_FRAMES", 4, "file sources: frames after which a frame's work must be finished "
        "(keeps runs reproducible)", 1, 100)
