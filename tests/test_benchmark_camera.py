"""The accuracy benchmark's other cameras keep the labelled plate box on the plate."""

import numpy as np

from benchmarks import camera


def plate_photo() -> tuple[np.ndarray, tuple]:
    image = np.zeros((200, 300, 3), np.uint8)
    box = (100, 80, 80, 20)
    image[80:100, 100:180] = 255
    return image, box


def white_bounds(image: np.ndarray) -> tuple:
    ys, xs = np.nonzero(image[:, :, 0] > 200)
    return xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def test_tilted_box_holds_the_turned_plate():
    image, box = plate_photo()
    seen, seen_box = camera.tilted(image, box, 12)
    x, y, w, h = white_bounds(seen)
    assert seen.shape[0] > image.shape[0] and seen.shape[1] > image.shape[1]
    assert abs(seen_box[0] - x) <= 2 and abs(seen_box[1] - y) <= 2
    assert abs(seen_box[2] - w) <= 3 and abs(seen_box[3] - h) <= 3
    assert h > 20 + 10  # turned: taller than the plate


def test_worse_and_widened_move_the_box_with_the_plate():
    image, box = plate_photo()
    seen, seen_box = camera.worse(*camera.widened(image, box, 2.0))
    x, y, w, h = white_bounds(cv_threshold(seen))
    assert abs(seen_box[0] - x) <= 2 and abs(seen_box[1] - y) <= 2
    assert abs(seen_box[2] - w) <= 2 and abs(seen_box[3] - h) <= 2
    assert seen.max() < 200  # darkened


def test_enlarged_moves_the_box_with_the_plate():
    image, box = plate_photo()
    seen, seen_box = camera.enlarged(image, box, 3.0)
    assert seen.shape[:2] == (600, 900) and seen_box == (300, 240, 240, 60)
    x, y, w, h = white_bounds(cv_threshold(seen))
    assert abs(seen_box[0] - x) <= 2 and abs(seen_box[1] - y) <= 2
    assert abs(seen_box[2] - w) <= 2 and abs(seen_box[3] - h) <= 2


def cv_threshold(image: np.ndarray) -> np.ndarray:
    return np.where(image > 100, 255, 0).astype(np.uint8)
