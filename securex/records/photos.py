"""Plate photos: each crop written once under a name of its own, on disk before the record naming it."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from securex.config.loader import resolve

log = logging.getLogger(__name__)
JPEG_QUALITY = 95


def stored_path(path: Path, root: Path) -> str:
    """Image paths are kept relative to the config file's folder when inside it, so the folder can be moved."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class PhotoFolder:
    def __init__(self, images_dir: Path, root: Path):
        self.images_dir, self._root = images_dir, root

    def write(self, image: np.ndarray, when: datetime) -> tuple[str, str]:
        """Save the crop as plate_YYYYMMDD_HHMMSS[_n].jpg, never replacing a file; returns (path, SHA-256)."""
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            log.error("Plate image could not be encoded; record saved without an image")
            return "", ""
        data = encoded.tobytes()
        stem = when.strftime("plate_%Y%m%d_%H%M%S")
        for n in range(10000):
            path = self.images_dir / (f"{stem}.jpg" if n == 0 else f"{stem}_{n}.jpg")
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())  # on disk before the record that names it is committed
                return stored_path(path, self._root), hashlib.sha256(data).hexdigest()
            except FileExistsError:
                continue
            except OSError as exc:
                path.unlink(missing_ok=True)  # no empty or partial photo left behind
                log.error("Plate image %s could not be written (%s); record saved without an image", path, exc)
                return "", ""
        log.error("Too many images named %s_*.jpg; record saved without an image", stem)
        return "", ""

    def remove(self, image_path: str) -> None:
        if image_path:
            try:
                resolve(image_path, self._root).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("Plate image %s could not be removed (%s)", image_path, exc.strerror or exc)
