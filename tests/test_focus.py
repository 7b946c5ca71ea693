"""Where a lane's detector looks (gate/focus.py, plain values), that the frame pipeline detects there, and that
a busy lane cannot starve a quiet one in the gate's shared worker pool."""

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pytest

from securex.config.lanes import LaneConfig
from securex.core.domain import Detection, Frame, PlateRead
from securex.core.perf import PerfMonitor
from securex.gate.focus import (
    FOLLOW_HEIGHT,
    REST_COST,
    DetectWindow,
    closer_looks,
    closer_wanted,
    cut_by_window,
    detect_window,
    focus_box,
    missing_plates,
    rest_window,
    window_side,
)
from securex.gate.frames import FramePipeline
from securex.gate.lane import Lane
from securex.video.motion import MotionGate, enclosing

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


def test_motion_gate_tells_where_the_picture_has_just_stopped_moving():
    gate = MotionGate(160, 12, 0.002)
    road = np.full((720, 1280, 3), 90, np.uint8)
    gate.moved(road)
    flicker = road.copy()
    flicker[:, :640] = 110  # light changing for a moment: no car came to rest
    assert gate.moved(flicker) and gate.moved(road) and not gate.moved(road) and gate.rested == []
    for left in (500, 520, 540):  # a car drives in...
        car = road.copy()
        car[400:600, left:left + 300] = 200
        assert gate.moved(car) and gate.rested == []  # moving: not at rest
    moving = gate.moving
    assert not gate.moved(car) and enclosing([area for area, _ in gate.rested]) == moving  # ...and stops: there
    assert not gate.moved(car) and gate.rested == []  # once only


def test_where_the_picture_has_just_stopped_is_seen_closer_within_its_cost():
    stopped = (0.35, 0.3, 0.7, 0.75)  # a car come to rest at the barrier
    moving = detect_window(WHOLE, stopped, [], False, 1, 4, 480, WIDTH, HEIGHT)
    rest = rest_window(WHOLE, stopped, 480, WIDTH, HEIGHT)
    assert rest.box == moving.box  # the same place...
    assert rest.side > 1.9 * moving.side  # ...seen twice as close
    assert pixels(rest.box, rest.side) <= REST_COST * pixels(WHOLE, 480) * 1.01
    lane = (960, 0, 960, 1080)  # the lane is the right half; the car stopped in the left one
    other = rest_window(lane, (0.1, 0.3, 0.4, 0.75), 480, WIDTH, HEIGHT)
    assert other == DetectWindow(lane, window_side(lane, lane, 480, WIDTH, HEIGHT))  # a run as any other


def test_focus_is_the_moving_part_padded_while_no_plate_is_tracked():
    far_car = (0.45, 0.0, 0.55, 0.1)  # a car far up the road
    box = focus_box(WHOLE, far_car, [], False, WIDTH, HEIGHT)
    assert box[0] < 0.45 * WIDTH and box[0] + box[2] > 0.55 * WIDTH and box[1] == 0 and box[3] > 0.1 * HEIGHT
    assert box[2] * box[3] < 0.05 * WIDTH * HEIGHT  # a small part of the picture


def test_focus_follows_the_tracked_plates_and_the_motion_only_when_one_was_lost():
    plate = (900, 600, 120, 40)
    around = focus_box(WHOLE, (0.0, 0.0, 1.0, 1.0), [plate], False, WIDTH, HEIGHT)  # the whole picture moves
    assert around[0] <= 900 - 120 and around[0] + around[2] >= 1020 + 120  # a plate width either side
    assert around[1] <= 600 - 80 and around[1] + around[3] >= 640 + 80  # two plate heights up and down
    assert around[2] * around[3] < 0.1 * WIDTH * HEIGHT  # the plate's neighbourhood, not the moving picture
    assert focus_box(WHOLE, None, [plate], False, WIDTH, HEIGHT) == around  # a still scene: the parked car's plate
    far_car = (0.45, 0.0, 0.55, 0.1)
    lost = focus_box(WHOLE, far_car, [plate], True, WIDTH, HEIGHT)  # a plate was lost: look where it moved too
    assert lost[1] == 0 and lost[0] < 0.45 * WIDTH and lost[1] + lost[3] >= 640 + 80


def test_focus_without_motion_or_plates_or_outside_the_lane_is_the_whole_region():
    region = (960, 0, 960, 1080)  # the lane is the right half
    assert focus_box(region, None, [], False, WIDTH, HEIGHT) == region  # nothing says where
    assert focus_box(region, (0.0, 0.5, 0.2, 0.6), [], False, WIDTH, HEIGHT) == region  # motion in another lane
    inside = focus_box(region, (0.4, 0.5, 0.6, 0.6), [], False, WIDTH, HEIGHT)  # across the lane edge: cut at it
    assert inside[0] == 960 and inside[0] + inside[2] < WIDTH


@pytest.mark.parametrize("window", [(860, 0, 200, 120), (500, 100, 800, 500), (0, 0, 1400, 1080), WHOLE])
def test_a_window_costs_no_more_than_the_whole_region(window):
    side = window_side(window, WHOLE, 480, WIDTH, HEIGHT)
    assert pixels(window, side) <= pixels(WHOLE, 480) * 1.01
    assert side / max(window[2], window[3]) >= 480 / WIDTH - 1e-9  # never coarser than the region's scale
    assert side <= 2 * max(window[2], window[3])  # never finer than twice the picture's own pixels


def test_a_small_window_is_seen_closer_up_to_the_pictures_own_pixels():
    assert window_side(WHOLE, WHOLE, 480, WIDTH, HEIGHT) == 480
    assert window_side((480, 0, 960, 540), WHOLE, 480, WIDTH, HEIGHT) == 480  # a quarter: twice the scale (0.5)
    assert window_side((900, 0, 120, 60), WHOLE, 480, WIDTH, HEIGHT) == 240  # tiny: twice its own pixels, no more
    half = (960, 0, 960, 1080)
    assert window_side(half, half, 480, WIDTH, HEIGHT) == 270  # a lane region keeps the picture's scale


def test_a_found_plate_is_followed_only_as_close_as_its_height_needs():
    window, plate = (800, 300, 300, 200), (900, 380, 100, 24)
    searching = window_side(window, WHOLE, 480, WIDTH, HEIGHT)
    following = window_side(window, WHOLE, 480, WIDTH, HEIGHT, [plate])
    assert following < searching
    assert following / window[2] * plate[3] == pytest.approx(FOLLOW_HEIGHT, abs=1)  # the plate at FOLLOW_HEIGHT
    tiny = window_side(window, WHOLE, 480, WIDTH, HEIGHT, [(900, 380, 30, 4)])  # a far plate: closer, within the cost
    assert tiny == searching
    big = window_side(window, WHOLE, 480, WIDTH, HEIGHT, [(850, 300, 250, 150)])  # never coarser than the region's
    assert big == round(480 / WIDTH * window[2])
    tracked = detect_window(WHOLE, None, [plate], False, 1, 4, 480, WIDTH, HEIGHT)
    lost = detect_window(WHOLE, (0.4, 0.3, 0.6, 0.5), [plate], True, 1, 4, 480, WIDTH, HEIGHT)
    assert tracked.side / tracked.box[2] < lost.side / lost.box[2]  # a lost plate is searched for closer


def test_every_nth_run_looks_at_the_whole_region():
    moving = (0.4, 0.4, 0.5, 0.5)
    boxes = [detect_window(WHOLE, moving, [], False, run, 4, 480, WIDTH, HEIGHT).box for run in range(9)]
    assert [box == WHOLE for box in boxes] == [True, False, False, False, True, False, False, False, True]
    assert all(detect_window(WHOLE, moving, [], False, run, 1, 480, WIDTH, HEIGHT) == DetectWindow(WHOLE, 480)
               for run in range(5))


def test_a_candidate_that_could_not_be_read_is_looked_at_closer():
    coarse = DetectWindow(WHOLE, 480)  # a quarter of the picture's pixels
    wanted = closer_wanted([], [(900, 300, 40, 20), (100, 100, 60, 30), (5, 5, 8, 4), (1500, 800, 30, 15)])
    assert wanted[:2] == [(100, 100, 60, 30), (900, 300, 40, 20)]  # the largest first
    looks = closer_looks(wanted, coarse, WHOLE, 480, WIDTH, HEIGHT)
    assert len(looks) == 2  # two at most
    assert looks[0].box == (40, 25, 180, 180)  # a width either side, 2.5 heights up and down: a second row too
    assert looks[0].side / 180 > 1.9  # closer...
    assert pixels(looks[0].box, looks[0].side) <= 1.01 * pixels(WHOLE, 480)  # ...within the region's cost
    assert looks[1].box[0] == 860 and looks[1].side == 2 * max(looks[1].box[2:])
    assert closer_looks([(900, 300, 40, 20)], DetectWindow((800, 200, 300, 200), 600), WHOLE, 480, WIDTH,
                        HEIGHT) == []  # already seen at twice its pixels: nothing closer to gain
    big = (0, 0, 1800, 300)  # a candidate as wide as the picture gains nothing: within the region's cost
    assert closer_looks([big], coarse, WHOLE, 480, WIDTH, HEIGHT) == []


def test_an_undecided_plate_the_run_did_not_find_again_is_looked_for_closer_first():
    plate = (821, 191, 32, 26)  # read at the last run, not yet decided
    assert missing_plates([plate], [(830, 200, 30, 25)]) == []  # found again near where it was
    assert missing_plates([plate], [(1500, 800, 30, 25)]) == [plate]
    unread_row = (823, 204, 28, 12)  # a row of it, found but not read: the plate's own look covers it
    assert closer_wanted([plate], [(100, 100, 60, 30), unread_row]) == [plate, (100, 100, 60, 30)]


def test_a_line_cut_by_the_window_is_not_a_candidate_but_the_pictures_edge_cuts_nothing():
    window = (400, 0, 800, 500)  # its top is the picture's edge, the other sides are inside it
    assert not cut_by_window((600, 200, 100, 30), window, WHOLE)
    assert cut_by_window((400, 200, 100, 30), window, WHOLE)  # the clock's last digits, cut at the left edge
    assert cut_by_window((1120, 200, 80, 30), window, WHOLE)  # at the right edge
    assert cut_by_window((600, 470, 100, 30), window, WHOLE)  # at the bottom edge
    assert not cut_by_window((600, 0, 100, 30), window, WHOLE)  # at the picture's own top: whole as it is
    assert not cut_by_window((0, 0, 100, 30), WHOLE, WHOLE)


class GatedReader:
    """A stand-in reader whose detector waits until the test lets each frame through (frame number = pixel value)."""

    def __init__(self, readable=False):
        self.detector, self.readable = self, readable
        self.release = {n: threading.Event() for n in range(256)}
        self.started = {n: threading.Event() for n in range(256)}
        self.seen = []

    def detect(self, image, side):
        number = int(image[0, 0, 0])
        self.seen.append((number, image.shape[:2], side))
        self.started[number].set()
        assert self.release[number].wait(30), "the test never let this frame through"
        return [Detection((5, 5, 40, 12))]

    def unmasked(self, detections, width, height):
        return detections

    def read_detections(self, image, detections):
        return [PlateRead("AB123", 0.9, d.box, "eu", as_read=True) for d in detections] if self.readable else []


def frame(number, width=640, height=360):
    return Frame(number, float(number), np.full((height, width, 3), number, np.uint8))


def pipeline(reader, pool, live=True):
    return FramePipeline(reader, PerfMonitor(5), pool, 2, 5, live, 480, 0.5, 0.1, full_every=2)


def test_the_detector_runs_on_the_window_and_boxes_come_back_in_picture_pixels():
    reader = GatedReader(readable=True)
    for event in reader.release.values():
        event.set()
    moving = (0.5, 0.5, 0.6, 0.6)
    with ThreadPoolExecutor(1) as pool:
        lane = pipeline(reader, pool, live=False)
        lane.submit(frame(1, 1280, 720), [], moving=moving)  # run 0: the whole picture
        lane.submit(frame(2, 1280, 720), [], moving=moving)  # run 1: the moving part, closer
        works = list(lane.drain())
    window = detect_window((0, 0, 1280, 720), moving, [], False, 1, 2, 480, 1280, 720)
    assert reader.seen == [(1, (720, 1280), 480), (2, (window.box[3], window.box[2]), window.side)]
    assert window.side / max(window.box[2:]) > 480 / 1280  # closer than the whole picture
    assert works[0].boxes == [(5, 5, 40, 12)]
    assert works[1].boxes == [(window.box[0] + 5, window.box[1] + 5, 40, 12)]  # in the picture's pixels
    assert lane.runs == 2


def test_a_candidate_that_reads_nothing_is_detected_again_closer():
    reader = GatedReader()
    for event in reader.release.values():
        event.set()
    with ThreadPoolExecutor(1) as pool:
        lane = pipeline(reader, pool, live=False)
        lane.submit(frame(1, 1280, 720), [])
        assert [work.frame for work in lane.drain()] == [1]
    (number, whole, side), (again, shape, closer) = reader.seen
    assert number == again == 1 and whole == (720, 1280) and side == 480
    assert shape[0] < 100 and closer / max(shape) == 2.0  # around the candidate at twice the picture's pixels


def test_an_undecided_plate_the_window_misses_is_read_closer_in_the_same_run():
    class FarReader(GatedReader):
        def detect(self, image, side):  # the plate is found only when seen at twice the pixels or more
            self.seen.append((image.shape[:2], side))
            return [Detection((20, 20, 40, 12))] if side / max(image.shape[:2]) >= 2 else []

    reader = FarReader(readable=True)
    with ThreadPoolExecutor(1) as pool:
        lane = pipeline(reader, pool, live=False)
        lane.submit(frame(1, 1280, 720), [], undecided=[(600, 300, 40, 12)])
        (work,) = lane.drain()
        assert len(reader.seen) == 2 and work.boxes and work.reads[0].read.text == "AB123"
        lane.submit(frame(2, 1280, 720), [])  # nothing undecided: the run that finds nothing looks no further
        list(lane.drain())
        assert len(reader.seen) == 3


def test_a_small_read_of_no_site_format_is_replaced_by_what_a_closer_look_reads():
    class TwoRowReader(GatedReader):
        def detect(self, image, side):  # at the picture's scale only the bottom row; closer, both rows
            self.seen.append((image.shape[:2], side))
            closer = side / max(image.shape[:2]) >= 1
            return [Detection((20, 10, 40, 24) if closer else (20, 22, 40, 12))]

        def read_detections(self, image, detections):
            return [PlateRead("LZW9715", 0.95, d.box, "pk") if d.box[3] > 20 else PlateRead("9715", 0.8, d.box)
                    for d in detections]

    reader = TwoRowReader()
    with ThreadPoolExecutor(1) as pool:
        lane = pipeline(reader, pool, live=False)
        lane.submit(frame(1, 1280, 720), [])
        (work,) = lane.drain()
        assert len(reader.seen) == 2 and [s.read.text for s in work.reads] == ["LZW9715"]
        lane.submit(frame(2, 1280, 720), [], still=[(20, 22, 40, 12)])  # text that stays put: its box stays too
        (work,) = lane.drain()
        assert len(reader.seen) == 3 and [s.read.text for s in work.reads] == ["9715"]


class CloseReader(GatedReader):
    """Finds its plate only when the window is seen at half the picture's own pixels or closer."""

    def __init__(self):
        super().__init__(readable=True)
        self.detector = self

    def with_masks(self, masks):
        return self

    def detect(self, image, side):
        self.seen.append((image.shape[:2], side))
        return [Detection((20, 20, 40, 12))] if side / max(image.shape[:2]) >= 0.5 else []


def test_a_car_that_stops_unread_is_looked_at_once_closer_where_it_stopped(base_settings):
    reader = CloseReader()
    road = np.full((720, 1280, 3), 90, np.uint8)
    car = road.copy()
    car[100:650, 150:1150] = 200  # a car filling most of the picture: its moving part is seen barely closer
    parked = car.copy()
    parked[120:630, 170:1130] = 180  # it comes closer, then stops
    with ThreadPoolExecutor(1) as pool:
        lane = Lane(LaneConfig("gate", "gate.mp4", "in"), SimpleNamespace(is_live=False), base_settings, reader,
                    PerfMonitor(2.0), pool)
        worth = []
        nearer = car.copy()
        nearer[110:640, 160:1140] = 160
        for number, image in enumerate([road, car, nearer, parked, parked, parked]):
            worth.append(lane.worth_detecting(Frame(number, float(number), image)))
            if worth[-1]:
                lane.submit(Frame(number, float(number), image))
        works = list(lane.frames.drain())
    assert worth == [True, True, True, True, True, False]  # the first still picture is looked at, then it idles
    assert [len(work.reads) for work in works] == [0, 0, 0, 0, 1]  # too small while it moved; read once it stopped
    assert [len(work.arrived) for work in works] == [0] * 4 + [1]  # it came with the motion: no sign
    assert [side / max(shape) for shape, side in reader.seen][-1] >= 0.5


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


def test_a_lanes_motion_gate_watches_only_its_region():
    gate = MotionGate(160, 12, 0.002, (0.5, 0.0, 1.0, 1.0))  # the right half of the picture: this lane's
    road = np.full((720, 1280, 3), 90, np.uint8)
    gate.moved(road)
    beside = road.copy()
    beside[400:600, 100:400] = 200  # a car in the lane beside it, seen by the same camera
    assert not gate.moved(beside) and gate.moving is None
    car = beside.copy()
    car[500:560, 900:1000] = 230
    assert gate.moved(car)
    left, top, right, bottom = gate.moving  # in fractions of the whole picture
    assert 0.68 <= left <= 900 / 1280 and 1000 / 1280 <= right <= 0.8
    assert 0.67 <= top <= 500 / 720 and 560 / 720 <= bottom <= 0.8


def swaying(step):
    """A tree at the top left whose leaves change at every picture."""
    image = np.full((720, 1280, 3), 90, np.uint8)
    leaves = np.random.default_rng(step).integers(60, 200, (10, 12, 1), dtype=np.uint8)  # 25-pixel patches
    image[50:300, 100:400] = leaves.repeat(25, 0).repeat(25, 1)
    return image


TREE = (100 / 1280, 50 / 720, 400 / 1280, 300 / 720)  # swaying's tree, exactly


@pytest.mark.parametrize("part, mask", [
    (None, TREE), ((0.0, 0.0, 0.6, 1.0), TREE),  # a mask drawn tight around it: the blur's spill is cleared too
    ((0.2, 0.0, 0.8, 1.0), (0.05, 0.04, 0.34, 0.45)),  # a lane's region that cuts the masked tree in two
])
def test_what_changes_in_a_mask_is_no_motion(part, mask):
    unmasked, masked = MotionGate(160, 12, 0.002, part), MotionGate(160, 12, 0.002, part, [mask])
    for gate in (unmasked, masked):
        gate.moved(swaying(0))
    for step in range(1, 6):
        assert unmasked.moved(swaying(step)) and not masked.moved(swaying(step))  # the tree, masked: still
    car = swaying(6)
    car[400:600, 300:500] = 220
    assert masked.moved(car)  # a car elsewhere still is motion
    left, top, right, bottom = masked.moving
    assert 0.2 <= left and top >= 0.5  # the car's, not the tree's


def test_a_lane_sees_its_car_stop_while_the_car_in_the_lane_beside_it_drives_on(base_settings):
    reader = CloseReader()
    right_half = ((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0))
    pictures = []
    for step in range(6):
        image = np.full((720, 1280, 3), 90, np.uint8)
        image[40 * step:200 + 40 * step, 100:500] = 200  # the car beside it drives on all along
        if step:
            at = min(step, 3)  # this lane's car drives in over three pictures, then stops
            image[100 + 10 * at:650, 660 + 10 * at:1270] = 210 - 10 * at
        pictures.append(image)
    with ThreadPoolExecutor(1) as pool:
        lane = Lane(LaneConfig("exit", "gate.mp4", "in", right_half), SimpleNamespace(is_live=False), base_settings,
                    reader, PerfMonitor(2.0), pool)
        worth = []
        for number, image in enumerate(pictures):
            worth.append(lane.worth_detecting(Frame(number, float(number), image)))
            if worth[-1]:
                lane.submit(Frame(number, float(number), image))
        list(lane.frames.drain())
    assert worth == [True, True, True, True, True, False]  # it looks where its car stopped, then idles
