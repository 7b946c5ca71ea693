"""Where a lane's detector looks (gate/focus.py, plain values), that the frame pipeline detects there, and that
a busy lane cannot starve a quiet one in the gate's shared worker pool."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from securex.core.domain import Detection, Frame
from securex.core.perf import PerfMonitor
from securex.gate.focus import DetectWindow, detect_window, focus_box, window_side
from securex.gate.frames import FramePipeline
from securex.video.motion import MotionGate

WIDTH, HEIGHT = 1920, 1080
WHOLE = (0, 0, WIDTH, HEIGHT)


def pixels(box, side):
    """Detector pixels of a window scaled to `side` on its long side."""
    scale = side / max(box[2], box[3])
    return box[2] * box[3] * scale * scale


def test_motion_gate_tells_where_the_picture_moved():
    gate = MotionGate(160, 12, 0.002)
    road = np.full((720, 1280, 3), 90, np.uint8)
    assert gate.moved(road) and gate.moving is None  # the first look: moved, but nowhere in particular
    car = road.copy()
    car[500:560, 900:1000] = 230
    assert gate.moved(car)
    left, top, right, bottom = gate.moving
    assert 0.68 <= left <= 900 / 1280 and 1000 / 1280 <= right <= 0.8
    assert 0.67 <= top <= 500 / 720 and 560 / 720 <= bottom <= 0.8
    assert not gate.moved(car) and gate.moving is None


def test_focus_is_the_moving_part_padded_and_the_tracked_plates():
    far_car = (0.45, 0.0, 0.55, 0.1)  # a car far up the road
    box = focus_box(WHOLE, far_car, [], WIDTH, HEIGHT)
    assert box[0] < 0.45 * WIDTH and box[0] + box[2] > 0.55 * WIDTH and box[1] == 0 and box[3] > 0.1 * HEIGHT
    assert box[2] * box[3] < 0.1 * WIDTH * HEIGHT  # a small part of the picture
    plate = (1500, 900, 120, 40)  # a plate still tracked elsewhere stays in view
    wider = focus_box(WHOLE, far_car, [plate], WIDTH, HEIGHT)
    assert wider[0] + wider[2] >= 1620 and wider[1] + wider[3] >= 940


def test_focus_without_motion_or_outside_the_lane_is_the_whole_region():
    region = (960, 0, 960, 1080)  # the lane is the right half
    assert focus_box(region, None, [(1000, 500, 100, 30)], WIDTH, HEIGHT) == region  # motion does not say where
    assert focus_box(region, (0.0, 0.5, 0.2, 0.6), [], WIDTH, HEIGHT) == region  # motion in another lane
    inside = focus_box(region, (0.4, 0.5, 0.6, 0.6), [], WIDTH, HEIGHT)  # motion across the lane edge is cut at it
    assert inside[0] == 960 and inside[0] + inside[2] < WIDTH


@pytest.mark.parametrize("window", [(860, 0, 200, 120), (500, 100, 800, 500), (0, 0, 1400, 1080), WHOLE])
def test_a_window_costs_no_more_than_the_whole_region(window):
    side = window_side(window, WHOLE, 480, WIDTH, HEIGHT)
    assert pixels(window, side) <= pixels(WHOLE, 480) * 1.01
    assert side / max(window[2], window[3]) >= 480 / WIDTH - 1e-9  # never coarser than the region's scale
    assert side <= max(window[2], window[3])  # never finer than the picture itself


def test_a_small_window_is_seen_closer_up_to_the_pictures_own_pixels():
    assert window_side(WHOLE, WHOLE, 480, WIDTH, HEIGHT) == 480
    assert window_side((480, 0, 960, 540), WHOLE, 480, WIDTH, HEIGHT) == 480  # a quarter: twice the scale (0.5)
    assert window_side((900, 0, 120, 60), WHOLE, 480, WIDTH, HEIGHT) == 120  # tiny: its own pixels, no more
    half = (960, 0, 960, 1080)
    assert window_side(half, half, 480, WIDTH, HEIGHT) == 270  # a lane region keeps the picture's scale


def test_every_nth_run_looks_at_the_whole_region():
    moving = (0.4, 0.4, 0.5, 0.5)
    boxes = [detect_window(WHOLE, moving, [], run, 4, 480, WIDTH, HEIGHT).box for run in range(9)]
    assert [box == WHOLE for box in boxes] == [True, False, False, False, True, False, False, False, True]
    assert all(detect_window(WHOLE, moving, [], run, 1, 480, WIDTH, HEIGHT) == DetectWindow(WHOLE, 480)
               for run in range(5))


class GatedReader:
    """A stand-in reader whose detector waits until the test lets each frame through (frame number = pixel value)."""

    def __init__(self):
        self.detector = self
        self.release = {n: threading.Event() for n in range(256)}
        self.started = {n: threading.Event() for n in range(256)}
        self.seen = []

    def detect(self, image, side):
        number = int(image[0, 0, 0])
        self.seen.append((image.shape[:2], side))
        self.started[number].set()
        assert self.release[number].wait(30), "the test never let this frame through"
        return [Detection((5, 5, 40, 12))]

    def unmasked(self, detections, width, height):
        return detections

    def read_detections(self, image, detections):
        return []


def frame(number, width=640, height=360):
    return Frame(number, float(number), np.full((height, width, 3), number, np.uint8))


def pipeline(reader, pool, live=True):
    return FramePipeline(reader, PerfMonitor(5), pool, 2, 5, live, 480, 0.5, 0.1, full_every=2)


def test_the_detector_runs_on_the_window_and_boxes_come_back_in_picture_pixels():
    reader = GatedReader()
    for event in reader.release.values():
        event.set()
    with ThreadPoolExecutor(1) as pool:
        lane = pipeline(reader, pool, live=False)
        lane.submit(frame(1, 1280, 720), [], moving=(0.5, 0.5, 0.6, 0.6))  # run 0: the whole picture
        lane.submit(frame(2, 1280, 720), [], moving=(0.5, 0.5, 0.6, 0.6))  # run 1: the moving part, closer
        works = list(lane.drain())
    assert reader.seen[0] == ((720, 1280), 480)
    (height, width), side = reader.seen[1]
    assert width < 1280 and height < 720 and side / max(height, width) > 480 / 1280
    assert works[0].frame == 1 and works[1].frame == 2
    window = detect_window(WHOLE[:2] + (1280, 720), (0.5, 0.5, 0.6, 0.6), [], 1, 2, 480, 1280, 720)
    assert lane.runs == 2 and window.box[2:] == (width, height)


def test_a_busy_lane_cannot_starve_a_quiet_one_in_the_shared_pool():
    reader = GatedReader()
    with ThreadPoolExecutor(2) as pool:  # WORKER_THREADS = 2, shared by both lanes
        busy, quiet = pipeline(reader, pool), pipeline(reader, pool)
        submitted = 0
        while busy.has_room() and submitted < 10:
            submitted += 1
            busy.submit(frame(submitted), [])
        assert submitted == 2 and not busy.has_room()  # the busy lane holds no more than its share of the pool
        assert reader.started[1].wait(30) and reader.started[2].wait(30)  # both workers on the busy lane
        assert quiet.has_room()
        reader.release[100].set()
        quiet.submit(frame(100), [])  # the quiet lane's car, queued behind the busy lane's two frames
        reader.release[1].set()  # one busy frame ends...
        assert reader.started[100].wait(30)  # ...and the freed worker takes the quiet lane's frame next
        assert list(busy.finished(1))[0].frame == 1 and busy.has_room()
        busy.submit(frame(3), [])  # the busy lane's next frame comes after the quiet lane's
        assert [work.frame for work in quiet.drain()] == [100]
        for number in (2, 3):
            reader.release[number].set()
        assert [work.frame for work in busy.drain()] == [2, 3]
