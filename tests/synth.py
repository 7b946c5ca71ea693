"""Synthetic test material: plates drawn on a plain 'car' scene, stills and short clips.

Made by the tests themselves so they pass on a fresh clone without the shared data set.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

PLATE_W, PLATE_H = 260, 60


def plate_image(text: str, width: int = PLATE_W, height: int = PLATE_H) -> np.ndarray:
    """A white plate with a dark border and the text in large dark letters."""
    plate = np.full((height, width, 3), 235, np.uint8)
    cv2.rectangle(plate, (1, 1), (width - 2, height - 2), (20, 20, 20), 3)
    scale = height / 40.0
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 3)
    x, y = (width - tw) // 2, (height + th) // 2
    cv2.putText(plate, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (15, 15, 15), 3, cv2.LINE_AA)
    return plate


def scene(text: str, plate_scale: float = 1.0, size: tuple[int, int] = (640, 480),
          centre: tuple[float, float] = (0.5, 0.62)) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A grey car-like scene with one plate; returns the image and the plate box."""
    width, height = size
    image = np.full((height, width, 3), 90, np.uint8)
    cv2.rectangle(image, (width // 6, height // 4), (5 * width // 6, 7 * height // 8), (150, 140, 130), -1)
    pw, ph = int(PLATE_W * plate_scale), int(PLATE_H * plate_scale)
    plate = plate_image(text, pw, ph)
    x, y = int(centre[0] * width - pw / 2), int(centre[1] * height - ph / 2)
    image[y:y + ph, x:x + pw] = plate
    return image, (x, y, pw, ph)


def write_clip(path: Path, visits: list[tuple[str, int]], gap: int = 10, fps: float = 10.0,
               size: tuple[int, int] = (640, 480), drive: str = "toward") -> Path:
    """A video of cars one after another: (plate text, frames on screen) per visit.

    `drive`: "toward" the camera (the plate grows and moves down the picture, as under a gate camera) or
    "away" (it shrinks and moves up)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    blank = np.full((size[1], size[0], 3), 90, np.uint8)
    for text, frames in visits:
        for _ in range(gap):
            writer.write(blank)
        for i in range(frames):
            t = i / max(1, frames - 1)
            t = 1 - t if drive == "away" else t
            image, _ = scene(text, 0.8 + 0.4 * t, size, (0.5, 0.45 + 0.3 * t))
            writer.write(image)
    for _ in range(gap):
        writer.write(blank)
    writer.release()
    return path


def write_turning_clip(path: Path, first: str, later: str, size: tuple[int, int] = (640, 480)) -> Path:
    """One car coming toward the camera whose plate shows `first` for its first 25 frames and `later` for the other
    95 (a small plate misread far away, read right close up), at 10 frames/s."""
    blank = np.full((size[1], size[0], 3), 90, np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, size)
    for i in range(120):
        writer.write(scene(first if i < 25 else later, 0.8 + 0.4 * i / 119, size, (0.5, 0.45 + 0.25 * i / 119))[0])
    for _ in range(10):
        writer.write(blank)
    writer.release()
    return path


def two_row_scene(top: str, bottom: str, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A grey car-like scene with a square two-row plate (motorbikes, trucks): `top` above `bottom`."""
    width, height = size
    image = np.full((height, width, 3), 90, np.uint8)
    cv2.rectangle(image, (width // 6, height // 4), (5 * width // 6, 7 * height // 8), (150, 140, 130), -1)
    pw, ph = 200, 130
    plate = np.full((ph, pw, 3), 235, np.uint8)
    cv2.rectangle(plate, (1, 1), (pw - 2, ph - 2), (20, 20, 20), 3)
    for text, baseline in ((top, 55), (bottom, 115)):
        (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, 1.3, 3)
        cv2.putText(plate, text, ((pw - tw) // 2, baseline), cv2.FONT_HERSHEY_DUPLEX, 1.3, (15, 15, 15), 3, cv2.LINE_AA)
    x, y = (width - pw) // 2, int(0.6 * height)
    image[y:y + ph, x:x + pw] = plate
    return image


def car(background="paint", size=(640, 480)):
    """A scene: uniform grey paint, or a busy one (gravel, grass, leaves: mottled light and shade)."""
    width, height = size
    if background == "busy":
        rng = np.random.default_rng(7)
        light = rng.integers(20, 235, (height // 8, width // 8), dtype=np.uint8).astype(np.float32)
        light = cv2.GaussianBlur(cv2.resize(light, size, interpolation=cv2.INTER_LINEAR), (0, 0), 2)
        return np.clip(light[:, :, None] * np.array([0.6, 1.0, 0.75]), 0, 255).astype(np.uint8)  # green-grey
    image = np.full((height, width, 3), 90, np.uint8)
    cv2.rectangle(image, (60, 80), (580, 440), (150, 140, 130), -1)
    return image
