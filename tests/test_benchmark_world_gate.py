"""The world gate benchmark's schedule: one car after another, or two lanes side by side."""

import numpy as np

from benchmarks import world_gate as gate
from benchmarks.accuracy import site_config
from securex.config import load_config


def rows(count: int) -> list[dict]:
    return [{"plate": f"P{i}", "image": f"{i}.jpg"} for i in range(count)]


def test_one_car_after_another_in_the_middle():
    visits = gate.schedule(rows(3), 175, pairs=False)
    assert [(row["plate"], x, first) for row, x, first in visits] == [
        ("P0", 640, 0), ("P1", 640, 175 + gate.GAP), ("P2", 640, 2 * (175 + gate.GAP))]


def test_pairs_put_two_cars_in_view_at_once_in_two_lanes():
    visits = gate.schedule(rows(5), 175, pairs=True)
    lanes = [x for _, x, _ in visits]
    assert lanes == [320, 960, 320, 960, 320]  # left lane, right lane; an odd last car alone on the left
    starts = [first for _, _, first in visits]
    assert starts[1] - starts[0] == gate.PAIR_DELAY < 175  # both in view: the second comes a second later
    assert starts[2] == starts[1] + 175 + gate.GAP  # the next pair once the right lane is empty again
    assert starts[4] == starts[3] + 175 + gate.GAP


def test_a_street_photo_is_cut_around_its_plate_and_a_photo_without_a_box_is_kept_whole():
    photo = np.zeros((720, 1280, 3), np.uint8)
    photo[400:430, 600:660] = 255  # the plate, 60 px wide
    cut = gate.around_plate(photo, {"x": "600", "y": "400", "w": "60", "h": "30"})
    assert cut.shape[:2] == (int(gate.AROUND_PLATE * 60) * 3 // 4, int(gate.AROUND_PLATE * 60))
    assert cut.max() == 255  # the plate is in it
    assert gate.around_plate(photo, {"x": "", "y": "", "w": "", "h": ""}) is photo


def test_two_lanes_of_one_camera_each_read_the_half_its_cars_drive_in(tmp_path):
    left, right = gate.HALVES
    lanes = [{"name": "left", "source": "clip.mp4", "direction": "in", "region": left},
             {"name": "right", "source": "clip.mp4", "direction": "in", "region": right}]
    config = load_config(path=site_config(str(tmp_path), {"PLATE_COUNTRIES": ["us"], "LANES": lanes}))
    assert [lane.region for lane in config.camera.lanes] == [((0, 0), (0.5, 0), (0.5, 1), (0, 1)),
                                                             ((0.5, 0), (1, 0), (1, 1), (0.5, 1))]
    assert config.plates.countries == ["us"]
    for (_, x, _), lane in zip(gate.schedule(rows(2), 175, pairs=True), (left, right), strict=True):
        assert min(p[0] for p in lane) * gate.WIDTH < x < max(p[0] for p in lane) * gate.WIDTH
