"""The world gate benchmark's schedule: one car after another, two lanes side by side, or a queue."""

import numpy as np

from benchmarks import world_gate as gate
from benchmarks.accuracy import site_config
from securex.config import load_config


def rows(count: int) -> list[dict]:
    return [{"plate": f"P{i}", "image": f"{i}.jpg"} for i in range(count)]


def test_one_car_after_another_in_the_middle():
    visits = gate.schedule(rows(3), "eased", pairs=False, queue=False)
    assert all(len(steps) == 175 for *_, steps in visits)
    assert [(row["plate"], x, first) for row, x, first, _ in visits] == [
        ("P0", 640, 0), ("P1", 640, 175 + gate.GAP), ("P2", 640, 2 * (175 + gate.GAP))]


def test_pairs_put_two_cars_in_view_at_once_in_two_lanes():
    visits = gate.schedule(rows(5), "eased", pairs=True, queue=False)
    lanes = [x for _, x, _, _ in visits]
    assert lanes == [320, 960, 320, 960, 320]  # left lane, right lane; an odd last car alone on the left
    starts = [first for _, _, first, _ in visits]
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
    for (_, x, _, _), lane in zip(gate.schedule(rows(2), "eased", pairs=True, queue=False), (left, right), strict=True):
        assert min(p[0] for p in lane) * gate.WIDTH < x < max(p[0] for p in lane) * gate.WIDTH


def test_a_queue_has_the_next_car_waiting_behind_while_the_one_ahead_is_at_the_barrier():
    visits = gate.schedule(rows(3), "eased", pairs=False, queue=True)
    assert [x for _, x, _, _ in visits] == [640, 640, 640]  # one lane
    at = {}  # frame -> {plate: (scale, centre height)}
    for row, _, first, steps in visits:
        for i, step in enumerate(steps):
            at.setdefault(first + i, {})[row["plate"]] = step
    at_barrier = [frame for frame, cars in sorted(at.items()) if cars.get("P0") == gate.BARRIER]
    first_still = at_barrier[0]
    assert "P1" in at[first_still - 1] and at[first_still - 1]["P1"] != at[first_still]["P1"]  # P1 drives in as
    # P0 comes to rest
    assert all(at[f]["P1"] == gate.QUEUE_SPOT for f in at_barrier[-gate.MOVE_UP:])  # P1 waits behind P0 ...
    for ahead, behind in (("P0", "P1"), ("P1", "P2")):  # ... and stays behind it (higher in the picture)
        assert all(cars[behind][1] < cars[ahead][1] for cars in at.values() if ahead in cars and behind in cars)
    for *_, steps in visits:  # each car drives to the barrier, waits there WAIT frames and leaves
        assert steps.count(gate.BARRIER) >= gate.WAIT and steps[-1][1] > gate.HEIGHT


def test_a_photo_taller_than_four_by_three_is_cut_around_its_plate_for_a_queue():
    photo = np.zeros((1000, 600, 3), np.uint8)
    photo[800:830, 250:350] = 255  # the plate, low in the photo
    cut = gate.landscape(photo, {"x": "250", "y": "800", "w": "100", "h": "30"})
    assert cut.shape[:2] == (450, 600) and cut.max() == 255
    assert gate.landscape(photo, {"x": "", "y": "", "w": "", "h": ""}).shape[:2] == (450, 600)
    wide = np.zeros((300, 600, 3), np.uint8)
    assert gate.landscape(wide, {}) is wide
