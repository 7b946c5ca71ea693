"""Where something has just stopped moving (video/motion.py's movers, the lane's look there, closer): a car that
stops while another drives on is looked at where it stopped; pieces of a car driving on are not."""

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest
from test_focus import CloseReader, GatedReader, frame, pipeline

from securex.config.lanes import LaneConfig
from securex.core.domain import Detection, Frame, PlateRead
from securex.core.perf import PerfMonitor
from securex.gate.lane import Lane
from securex.video.motion import MotionGate
from securex.video.tracking import Sighting

ROAD = np.full((720, 1280, 3), 90, np.uint8)
CROP = np.zeros((4, 4, 3), np.uint8)


def two_cars(step):
    """A car on the left drives on all along; one on the right drives in over three pictures, then stops."""
    image = ROAD.copy()
    image[40 * step:200 + 40 * step, 100:400] = 200
    at = min(step, 3)
    image[300 + 10 * at:650, 800 + 10 * at:1270] = 210 - 10 * at
    return image


def lane_of(reader, pool, settings):
    return Lane(LaneConfig("gate", "gate.mp4", "in"), SimpleNamespace(is_live=False), settings, reader,
                PerfMonitor(2.0), pool)


def drove_in(lane, box):
    """A plate read three times as its car drove in: a vehicle tracked there."""
    for run in range(3):
        moved = (box[0], box[1] + 40 * (run - 2), box[2], box[3])
        lane.decider.apply([moved], [Sighting(PlateRead("AB1234", 0.9, moved), CROP, run, float(run))])
    assert lane.decider.is_vehicle(lane.decider.tracker.tracks[0])


def test_motion_gate_tells_where_one_car_stopped_while_another_drives_on():
    gate = MotionGate(160, 12, 0.002)
    gate.moved(ROAD)
    for step in range(4):
        assert gate.moved(two_cars(step)) and gate.rested == []
    assert gate.moved(two_cars(4))  # the left car still moves...
    (((left, top, right, bottom), been),) = gate.rested  # ...and the right one has stopped: there, not around both
    assert been[0] >= left - 0.02 and been[1] <= top  # where it has been: it drove in from further up
    assert 780 / 1280 <= left <= 830 / 1280 and right >= 0.99 and 0.4 <= top <= 330 / 720 and bottom >= 640 / 720
    assert gate.moved(two_cars(5)) and gate.rested == []  # once only


def test_a_far_car_seen_as_two_lights_is_seen_to_stop():
    def night(x):  # two headlights, each too small to count as motion alone
        image = ROAD.copy()
        image[400:416, x:x + 16] = 250
        image[400:416, x + 120:x + 136] = 250
        return image

    gate = MotionGate(160, 12, 0.002)
    gate.moved(night(300))
    for x in (330, 360, 390, 420):
        assert gate.moved(night(x)) and gate.rested == []
    assert not gate.moved(night(420)) and len(gate.rested) == 1


BODY = np.random.default_rng(0).integers(120, 255, (300, 400, 1), dtype=np.uint8).repeat(3, 2)  # uniform at the
# thumbnail's scale: a car's difference is two edge strips, each a mover of its own
BLOCKS = np.random.default_rng(0).integers(120, 255, (60, 60, 1), dtype=np.uint8).repeat(16, 0).repeat(16, 1)
BLOCKS = BLOCKS.repeat(3, 2)  # 16-pixel blocks: all of its area changes as its pattern moves


@pytest.mark.parametrize("piece", ["glint", "slowing"])
def test_pieces_of_the_only_car_driving_on_are_no_stop(piece):
    def picture(step):
        image = ROAD.copy()
        x = 100 + 60 * step
        image[300:600, x:x + 400] = BODY
        if piece == "glint" and step == 6:  # on the road where the car has just been, one picture long
            image[400:600, x - 120:x - 80] = 170
        if piece == "slowing" and 4 <= step <= 7:  # a patch of its own that stops changing while the car moves on
            image[250:300, x + 100:x + 200] = 60
        return image

    gate = MotionGate(160, 12, 0.002)
    gate.moved(picture(0))
    for step in range(1, 12):
        assert gate.moved(picture(step)) and gate.rested == []


def test_a_far_car_at_night_is_looked_at_when_the_picture_stills_as_before():
    def night(x, walker):  # two headlights, each too small to count alone, and someone walking elsewhere
        image = ROAD.copy() // 3
        image[400:416, x:x + 16] = 250
        image[400:416, x + 120:x + 136] = 250
        image[100:220, walker:walker + 40] = 200
        return image

    gate = MotionGate(160, 12, 0.002)
    for i, x in enumerate([300, 320, 340, 360, 380, 400, 400, 400]):
        gate.moved(night(x, 900 + 30 * min(i, 3)))
        if i == 6:
            assert any(area[0] < 0.3 and area[2] > 0.4 for area, _ in gate.rested)  # around both lights


def test_apart_is_two_percent_of_the_picture():
    def picture(step, gap):  # the right car stops at 4; only then another starts to move `gap` pixels to its left
        image = ROAD.copy()
        if step >= 4:
            image[300:650, 500 - gap:800 - gap] = BLOCKS[16 * (step - 4):16 * (step - 4) + 350, :300]
        at = min(step, 3)
        image[300:650, 830 - 10 * at:1270] = 210 - 10 * at
        return image

    for gap, stop in ((30, False), (100, True)):  # 30 px: under 2 % of 1280 with the thumbnail's blur; 100 px: over
        gate = MotionGate(160, 12, 0.002)
        gate.moved(ROAD)
        rested = False
        for step in range(6):
            gate.moved(picture(step, gap))
            rested |= bool(gate.rested)
        assert rested == stop, gap


def test_a_lane_with_a_region_tells_where_its_car_stopped_in_the_whole_picture():
    gate = MotionGate(160, 12, 0.002, (0.5, 0, 1, 1))
    gate.moved(ROAD)
    for step in range(5):
        gate.moved(two_cars(step))
    assert gate.rested
    for area, been in gate.rested:
        assert 0.6 <= area[0] <= 0.65 and area[2] >= 0.99 and been[0] <= area[0]


def test_a_flash_apart_from_the_cars_has_not_moved_three_times():
    gate = MotionGate(160, 12, 0.002)
    gate.moved(two_cars(0))
    for step in range(1, 9):
        image = two_cars(step)
        if step == 5:
            image[600:700, 100:300] = 160  # far from both cars, one picture long: it changes at 5 and 6
        gate.moved(image)
        assert gate.rested == [] or step == 4  # only the right car's stop


def looked_at(pictures, settings):
    """A lane's work on these pictures (each worth detecting: something moves), what its reader was shown, and how
    many detector runs it made."""
    reader = CloseReader()
    with ThreadPoolExecutor(1) as pool:
        lane = lane_of(reader, pool, settings)
        for number, image in enumerate(pictures):
            assert lane.worth_detecting(Frame(number, float(number), image))
            lane.submit(Frame(number, float(number), image))
        return list(lane.frames.drain()), reader, lane.frames.runs


def test_a_car_that_stops_unread_while_another_drives_on_is_looked_at_closer_where_it_stopped(base_settings):
    works, reader, runs = looked_at([two_cars(number) for number in range(6)], base_settings)
    assert [len(work.arrived) for work in works] == [0] * 4 + [1, 0]  # read only where the right car stopped
    assert runs == 6  # a window more in the run that follows the car driving on, not a run of its own
    assert any(shape[1] < 600 and side / max(shape) >= 0.5 for shape, side in reader.seen)  # the stopped car's part
    # of the picture, closer


@pytest.mark.parametrize("plate", [(1000, 560, 120, 30), (900, 296, 100, 20)])  # where it stopped; where it has
def test_where_a_vehicle_is_tracked_the_lane_does_not_look_again(base_settings, plate):  # been: its first rows
    with ThreadPoolExecutor(1) as pool:
        lane = lane_of(CloseReader(), pool, base_settings)
        drove_in(lane, plate)  # the right car's plate, read as it drove in
        lane.worth_detecting(Frame(0, 0.0, ROAD))
        for number in range(1, 6):
            lane.worth_detecting(Frame(number, float(number), two_cars(number - 1)))
        assert lane.motion.rested and lane._rested is None


def both_stop(step):
    """Two cars drive in over three pictures and stop at the same check, one on the left and one on the right."""
    image = ROAD.copy()
    at = min(step, 3)
    image[100 + 20 * at:400 + 20 * at, 100:400] = 200
    image[300 + 10 * at:650, 800 + 10 * at:1270] = 210 - 10 * at
    return image


def test_a_car_that_stops_as_a_tracked_car_stops_is_still_looked_at(base_settings):
    with ThreadPoolExecutor(1) as pool:
        lane = lane_of(CloseReader(), pool, base_settings)
        drove_in(lane, (1000, 500, 120, 30))  # the right car's plate, read as it drove in; the left one unread
        for step in range(5):
            lane.worth_detecting(Frame(step, float(step), both_stop(step)))
        assert max(area[2] for area, _ in lane.motion.rested) > 0.9  # both stopped...
        assert lane._rested is not None and lane._rested[2] < 0.5  # ...the left car, unread, is looked at


def test_two_unread_cars_that_stop_at_one_check_are_both_looked_at(base_settings):
    with ThreadPoolExecutor(1) as pool:
        lane = lane_of(CloseReader(), pool, base_settings)
        for step in range(5):
            lane.worth_detecting(Frame(step, float(step), both_stop(step)))
        assert lane._rested is not None and lane._rested[0] < 0.1 and lane._rested[2] > 0.95


def test_a_lane_with_nothing_else_to_look_at_looks_only_where_its_car_stopped(base_settings):
    reader = CloseReader()
    pictures = [ROAD]
    for left in (500, 520, 540, 540):
        car = ROAD.copy()
        car[400:600, left:left + 300] = 200
        pictures.append(car)
    with ThreadPoolExecutor(1) as pool:
        lane = lane_of(reader, pool, base_settings)
        for number, image in enumerate(pictures):
            if lane.worth_detecting(Frame(number, float(number), image)):
                lane.submit(Frame(number, float(number), image))
        list(lane.frames.drain())
    assert len(reader.seen) == 5 and lane.frames.runs == 4  # the rest window alone, not counted among the runs


def test_where_nothing_else_moves_the_look_where_it_stopped_is_the_run():
    reader = CloseReader()
    with ThreadPoolExecutor(1) as lines_pool:
        lines = pipeline(reader, lines_pool, live=False)
        lines.submit(frame(1, 1280, 720), [], rested=(0.4, 0.4, 0.6, 0.6), rest_only=True)
        (work,) = lines.drain()
    assert lines.runs == 0 and len(reader.seen) == 1  # one window, not counted: FOCUS_FULL_EVERY keeps its phase
    assert len(work.arrived) == 1


def test_a_plate_both_windows_find_is_one_read_the_surer_kept():
    class Bright(GatedReader):
        def detect(self, image, side):  # finds the bright plate wherever the window is
            self.seen.append((image.shape[:2], side))
            ys, xs = np.nonzero(image[:, :, 0] == 255)
            return [Detection((int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
                               int(ys.max() - ys.min() + 1)))] if len(xs) else []

        def read_detections(self, image, detections, photo=False):  # read surer the closer it was seen
            return [PlateRead("AB1234", 0.5 + 0.1 * len(self.seen), d.box, "us", True) for d in detections]

    reader = Bright(readable=True)
    image = ROAD.copy()
    image[400:430, 600:700] = 255
    with ThreadPoolExecutor(1) as pool:
        lines = pipeline(reader, pool, live=False)
        lines.submit(Frame(1, 1.0, image), [], rested=(0.4, 0.5, 0.6, 0.65))  # the whole region, and closer
        (work,) = lines.drain()
    assert len(reader.seen) == 2 and len(work.boxes) == len(work.reads) == 1
    assert work.reads[0].read.confidence == 0.7 and work.arrived == []  # the run found it too: not arrived
