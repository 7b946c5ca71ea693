"""`read`: the plates in still images, as a table or one JSON line per image."""

from __future__ import annotations

import json
import sys
from typing import Optional

import cv2
import numpy as np

from securex.cli.show import PhotoViewer
from securex.config import Config
from securex.core.domain import PlateRead
from securex.core.errors import EXIT_FAILED, EXIT_OK
from securex.pipeline.factory import build_reader

PROGRESS_MIN_FILES = 5  # a progress bar on a terminal from this many images


def load_image(path: str) -> np.ndarray:
    """Decode an image file; raises ValueError with a plain reason. Works with any path on Windows."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ValueError(f"cannot open file ({exc.strerror or exc})") from None
    if data.size == 0:
        raise ValueError("empty file")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise ValueError("not a readable image (corrupt, truncated, too large or not an image)")
    return image


def read_command(config: Config, images: list[str], as_json: bool, show: bool = False) -> int:
    viewer = PhotoViewer(config) if show else None
    try:
        return _read_all(config, images, as_json, viewer)
    finally:
        if viewer is not None:
            viewer.close()


def _read_all(config: Config, images: list[str], as_json: bool, viewer: Optional[PhotoViewer]) -> int:
    reader = build_reader(config)
    failures = 0
    if not as_json:
        print(f"{'IMAGE':40} {'PLATE':10} {'CONF':>5}  BOX")
    progress = _files_progress(len(images))
    for path in images:
        line: dict = {"image": path, "plates": []}
        image, reads = None, []
        try:
            image = load_image(path)
            reads = reader.read_image(image, config.detection.still_side)
            line["plates"] = [plate_json(r) for r in reads]
        except ValueError as exc:
            line["error"] = str(exc)
            failures += 1
        for text in [json.dumps(line)] if as_json else _table_rows(line):
            if progress is not None:
                progress.write(text, file=sys.stdout)
            else:
                print(text, flush=True)
        if progress is not None:
            progress.update(1)
        if viewer is not None and image is not None and not viewer.show(path, image, reads):
            break  # the window was closed
    if progress is not None:
        progress.close()
    return EXIT_OK if failures == 0 else EXIT_FAILED


def plate_json(read: PlateRead) -> dict:
    """One plate of `read --json`; "country" when a country's format decided the text (the first whose format fits:
    several countries may share a form)."""
    plate = {"text": read.text, "confidence": round(read.confidence, 4), "box": list(read.box)}
    if read.format_name is not None:
        plate["country"] = read.format_name
    return plate


def _files_progress(total: int):
    """A tqdm bar on a terminal for a batch of images (the results still go to stdout)."""
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="image", dynamic_ncols=True, file=sys.stderr)


def _table_rows(line: dict) -> list[str]:
    name = line["image"] if len(line["image"]) <= 40 else "..." + line["image"][-37:]
    if "error" in line:
        return [f"{name:40} error: {line['error']}"]
    if not line["plates"]:
        return [f"{name:40} {'-':10}"]
    return [f"{name:40} {p['text']:10} {p['confidence']:5.2f}  {p['box']}" for p in line["plates"]]
