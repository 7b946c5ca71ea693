"""A queue at the barrier (video/motion.py's left_behind): the first car stops as one patch of change with the car
behind it, which drives on; it is seen to stop where what still moves leaves it out at two checks in a row, and the
car behind is looked at where it stops in turn."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_focus import CloseReader
from test_rest import BLOCKS, ROAD, drove_in, lane_of, looked_at

from securex.core.domain import Frame
from securex.video.motion import MotionGate, left_behind, uncovered


def queue(step, behind_stops=99):
    """A car drives in over three pictures and stops; the car behind it, farther up, drives on behind it (its lower
    part hidden by the first) until `behind_stops`: the two change as one patch until the first stops. The first
    car's grey changes as it drives in, so all of it changes, as a car with detail does at the thumbnail's scale."""
    image = ROAD.copy()
    top = 60 + 30 * min(step, behind_stops)
    image[top:top + 300, 450:850] = BLOCKS[:300, :400]
    at = min(step, 3)
    image[300 + 10 * at:650, 400:900] = 210 - 20 * at
    return image


def test_a_car_that_stops_as_one_patch_with_the_car_behind_is_seen_to_stop():
    gate = MotionGate(160, 12, 0.002)
    gate.moved(ROAD)
    for step in range(5):
        assert gate.moved(queue(step)) and gate.rested == []  # at 4 it has just been left behind...
    assert gate.moved(queue(5))  # ...and at 5 still is, while the car behind still moves: it has stopped
    (((left, top, right, bottom), been),) = gate.rested
    assert been == (left, top, right, bottom)
    assert 390 / 1280 <= left <= 410 / 1280 and 890 / 1280 <= right <= 910 / 1280
    assert 320 / 720 <= top <= 350 / 720 and bottom >= 640 / 720
    for step in (6, 7):
        assert gate.moved(queue(step)) and gate.rested == []  # once only


def test_a_car_crossing_a_lanes_narrow_region_leaves_no_stop_behind():
    car = np.random.default_rng(2).integers(40, 220, (8, 16, 1), dtype=np.uint8).repeat(25, 0).repeat(25, 1)
    gate = MotionGate(160, 12, 0.002, (0, 0, 0.4, 1))  # a lane's rectangle, 0.4 of the picture wide
    stops = []
    for step in range(20):  # a textured car 400 wide drives across it, 100 pixels a check, and on
        image = ROAD.copy()
        left = -400 + 100 * step
        shown = slice(max(0, left), min(1280, left + 400))
        if shown.stop > shown.start:
            image[350:550, shown] = car[:, shown.start - left:shown.stop - left]
        gate.moved(image)
        stops += gate.rested
    assert len(stops) <= 2  # what it leaves at each check is under a fifth of the picture wide


def test_a_picture_of_another_shape_forgets_what_was_left_behind():
    gate = MotionGate(160, 12, 0.002)
    gate.moved(ROAD)
    for step in range(5):  # at 4 the first car has just been left behind...
        gate.moved(queue(step))
    smaller = np.full((480, 640, 3), 90, np.uint8)  # ...when the camera's picture changes (another stream)
    gate.moved(smaller)
    assert not gate.moved(smaller) and gate.rested == []


@pytest.mark.parametrize("moves, now, band", [
    (3, [(0.3, 0.1, 0.7, 0.45)], (0.3, 0.45, 0.7, 0.9)),  # the car behind moves on; the first car stopped below it
    (3, [(0.3, 0.1, 0.7, 0.8)], None),  # a strip 0.1 high: the car itself, a little further on
    (3, [(0.3, 0.1, 0.7, 0.73)], None),  # 0.17 high: under LEFT_BEHIND
    (3, [(0.3, 0.1, 0.7, 0.67)], (0.3, 0.67, 0.7, 0.9)),  # 0.23 high: over it
    (2, [(0.3, 0.1, 0.7, 0.45)], None),  # it moved at two calls only: a flicker, no car that drove in
    (3, [(0.8, 0.1, 0.9, 0.45)], None),  # what moves now is elsewhere: come_to_rest's to tell
    (3, [(0.3, 0.5, 0.7, 0.9)], (0.3, 0.1, 0.7, 0.5)),  # a car drives on below one that stopped above it
    (3, [(0.3, 0.1, 0.45, 0.9)], (0.45, 0.1, 0.7, 0.9)),  # one drives on left of one that stopped beside it
    (3, [(0.6, 0.1, 0.7, 0.9)], (0.3, 0.1, 0.6, 0.9)),  # one drives on right of one that stopped beside it
    (3, [(0.3, 0.1, 0.7, 0.2), (0.3, 0.35, 0.7, 0.45)], (0.3, 0.45, 0.7, 0.9)),  # the car behind as two patches
    (3, [(0.3, 0.1, 0.7, 0.45), (0.8, 0.5, 0.9, 0.95)], (0.3, 0.45, 0.7, 0.9)),  # and something moving elsewhere
    (3, [(0.52, 0.4, 0.6, 0.6)], (0.3, 0.1, 0.7, 0.9)),  # strips all around a small patch: one stop around them
])
def test_what_a_mover_leaves_behind_as_it_moves_on_in_part(moves, now, band):
    last = [((0.3, 0.1, 0.7, 0.9), moves, (0.3, 0.0, 0.7, 0.9))]
    assert left_behind(last, now) == ([band] if band else [])


@pytest.mark.parametrize("now, still", [
    ([], (0.3, 0.45, 0.7, 0.9)),  # nothing moves over it: all of it has stopped
    ([(0.3, 0.3, 0.7, 0.5)], (0.3, 0.5, 0.7, 0.9)),  # the car behind comes closer: the rest of it has stopped
    ([(0.2, 0.4, 0.8, 0.8)], None),  # it moves again (a car that slowed, then drove on): no stop
])
def test_what_was_left_behind_is_a_stop_where_it_is_still_uncovered_at_the_next_call(now, still):
    assert uncovered((0.3, 0.45, 0.7, 0.9), now) == still


def test_a_car_that_stops_unread_in_a_queue_is_looked_at_closer_where_it_stopped(base_settings):
    works, reader, _ = looked_at([queue(number) for number in range(7)], base_settings)
    assert [len(work.arrived) for work in works] == [0] * 5 + [1, 0]  # read only where the first car stopped
    assert any(shape[0] < 500 and side / max(shape) >= 0.5 for shape, side in reader.seen)  # its part of the picture


def test_the_car_behind_is_looked_at_where_it_stops_once_the_first_car_is_read(base_settings):
    with ThreadPoolExecutor(1) as pool:
        lane = lane_of(CloseReader(), pool, base_settings)
        looks = []
        for step in range(14):
            if step == 6:
                drove_in(lane, (600, 560, 100, 25))  # the first car, read where it stopped
            lane.worth_detecting(Frame(step, float(step), queue(step, behind_stops=8)))
            looks += [(step, lane._rested)] if lane._rested is not None else []
    assert [step for step, _ in looks] == [5, 9]  # the first car's stop, then the second's: its own place only
    assert looks[1][1][3] < 0.5
