import queue
import time

import numpy as np
import pytest

from securex.core.perf import PerfMonitor
from securex.video import capture
from securex.video.capture import SourceError, VideoSource, parse_source
from securex.video.motion import MotionGate

import synth


def test_parse_source_kinds(tmp_path):
    assert parse_source("0").target == 0 and not parse_source("0").is_file
    assert parse_source("rtsp://10.0.0.5/stream").target == "rtsp://10.0.0.5/stream"
    clip = synth.write_clip(tmp_path / "c.avi", [("ABC1234", 3)], gap=1)
    assert parse_source(str(clip)).is_file
    with pytest.raises(SourceError, match="Video file not found"):
        parse_source(str(tmp_path / "missing.mp4"))


def test_file_source_gives_every_frame_in_order_with_its_clock(tmp_path):
    clip = synth.write_clip(tmp_path / "c.avi", [("ABC1234", 12)], gap=2, fps=10)
    source = VideoSource(parse_source(str(clip)), 640, 480, 25).start()
    frames = []
    while (frame := source.read(timeout=10)) is not None:
        frames.append(frame)
    source.close()
    assert [f.index for f in frames] == list(range(16))
    assert frames[10].timestamp - frames[0].timestamp == pytest.approx(1.0)
    assert not source.ended_early


def test_perf_monitor_fps_and_stage_times():
    perf = PerfMonitor(5.0)
    for _ in range(5):
        with perf.stage("detect"):
            time.sleep(0.01)
        perf.frame_done()
    assert perf.frames == 5 and perf.fps > 0
    assert 8 <= perf.mean_ms()["detect"] <= 200
    perf.add("ocr", 0.02)
    assert perf.recent_ms()["ocr"] == pytest.approx(20.0)


def test_file_source_loops_with_running_frame_numbers_and_clock(tmp_path):
    clip = synth.write_clip(tmp_path / "c.avi", [("ABC1234", 4)], gap=1, fps=10)
    source = VideoSource(parse_source(str(clip)), 640, 480, 25, loops=3).start()
    frames = []
    while (frame := source.read(timeout=10)) is not None:
        frames.append(frame)
    source.close()
    assert [f.index for f in frames] == list(range(18))  # 6 frames a loop: gap, 4 plate frames, gap
    assert frames[6].timestamp - frames[0].timestamp == pytest.approx(0.6)
    assert frames[2].image.tobytes() == frames[14].image.tobytes()


def test_nested_stage_is_not_counted_twice():
    perf = PerfMonitor(5.0)
    with perf.stage("track"):
        time.sleep(0.01)
        with perf.stage("store"):
            time.sleep(0.05)
    assert perf.mean_ms()["store"] >= 45
    assert perf.mean_ms()["track"] < 40


class FakeCapture:
    """What the tests' stand-in cameras share with cv2.VideoCapture beyond opening and reading."""

    def get(self, prop):
        return 0.0

    def set(self, prop, value):
        return True

    def release(self):
        pass


class DroppingStream(FakeCapture):
    """A stand-in for cv2.VideoCapture on a network camera: 5 frames, then down for 0.4 s, then back."""

    opened = 0
    down_until = 0.0

    def __init__(self, target=None):
        DroppingStream.opened += target is not None  # cv2.VideoCapture() opens nothing
        self._first = target is not None and DroppingStream.opened == 1
        self._given = 0

    def isOpened(self):
        return time.monotonic() >= DroppingStream.down_until

    def read(self):
        if self._first and self._given == 5:
            DroppingStream.down_until = time.monotonic() + 0.4
            return False, None
        if not self.isOpened():
            return False, None
        self._given += 1
        time.sleep(0.03)  # a camera's frame interval
        return True, np.zeros((48, 64, 3), np.uint8)



def test_stream_that_stops_is_reported_and_reconnected(monkeypatch, caplog):
    monkeypatch.setattr(capture.cv2, "VideoCapture", DroppingStream)
    monkeypatch.setattr(capture, "RECONNECT_FIRST_WAIT", 0.01)
    DroppingStream.opened, DroppingStream.down_until = 0, 0.0
    source = VideoSource(parse_source("rtsp://camera.local/live"), 640, 480, 25, reconnect_max_seconds=1).start()
    seen, lost_seen = 0, False
    deadline = time.monotonic() + 10
    while seen < 8 and time.monotonic() < deadline:
        try:
            source.read(timeout=0.05)
            seen += 1
        except queue.Empty:
            lost_seen = lost_seen or source.signal_lost
    source.close()
    assert seen >= 6  # frames from before the drop and after the reconnect
    assert lost_seen and source.outages >= 1 and DroppingStream.opened >= 3
    assert "No signal from rtsp://camera.local/live; reconnecting" in caplog.text
    assert "Signal back" in caplog.text


class AbsentAtStart(FakeCapture):
    """A stand-in for cv2.VideoCapture on a camera that is not ready yet: the first 5 opens fail, then frames."""

    attempts: list = []  # when each open was tried (monotonic seconds)

    def __init__(self, target=None):
        if target is not None:
            AbsentAtStart.attempts.append(time.monotonic())
        self._open = target is not None and len(AbsentAtStart.attempts) > 5

    def isOpened(self):
        return self._open

    def read(self):
        if not self._open:
            return False, None
        time.sleep(0.03)
        return True, np.zeros((48, 64, 3), np.uint8)



def test_live_source_absent_at_start_is_waited_for_with_back_off(monkeypatch, caplog):
    # finding 9: a camera not ready when SecureX started made it exit at once
    monkeypatch.setattr(capture.cv2, "VideoCapture", AbsentAtStart)
    monkeypatch.setattr(capture, "RECONNECT_FIRST_WAIT", 0.05)
    AbsentAtStart.attempts = []
    source = VideoSource(parse_source("0"), 640, 480, 25, reconnect_max_seconds=0.2).start()
    waited = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            frame = source.read(timeout=0.05)
            break
        except queue.Empty:
            waited = waited or source.signal_lost  # the window shows NO SIGNAL meanwhile
    source.close()
    assert frame.index == 0 and waited and source.outages == 1 and len(AbsentAtStart.attempts) == 6
    gaps = np.diff(AbsentAtStart.attempts)
    assert 0.04 <= gaps[0] < 0.15 and gaps[1] > gaps[0] and all(0.18 <= g < 0.4 for g in gaps[2:])  # capped
    lines = [r.getMessage() for r in caplog.records]
    assert lines.count("No signal from camera 0; waiting for it (check its power, cable or network)") == 1
    assert "Signal back from camera 0" in lines and sum("No signal" in line for line in lines) == 1


def test_video_file_that_cannot_be_opened_still_fails_at_once(monkeypatch, tmp_path):
    monkeypatch.setattr(capture.cv2, "VideoCapture", AbsentAtStart)
    AbsentAtStart.attempts = []
    clip = tmp_path / "gate.mp4"
    clip.write_bytes(b"not a video")
    with pytest.raises(SourceError, match="Video file cannot be opened: .*gate.mp4"):
        VideoSource(parse_source(str(clip)), 640, 480, 25)
    assert len(AbsentAtStart.attempts) == 1


def test_motion_gate_skips_a_still_picture_and_wakes_on_a_car():
    gate = MotionGate(160, 12, 0.002)
    road = np.full((720, 1280, 3), 90, np.uint8)
    noisy = np.clip(road.astype(int) + np.random.default_rng(1).integers(-4, 5, road.shape), 0, 255).astype(np.uint8)
    assert gate.moved(road)  # the first look always counts
    assert not gate.moved(noisy)  # sensor noise is not motion
    car = noisy.copy()
    car[500:560, 900:1000] = 230  # a small plate-sized bright patch enters far away
    assert gate.moved(car)
    assert not gate.moved(car)
