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


class DroppingStream:
    """A stand-in for cv2.VideoCapture on a network camera: 5 frames, then down for 0.4 s, then back."""

    opened = 0
    down_until = 0.0

    def __init__(self, target=None):
        DroppingStream.opened += 1
        self._first = DroppingStream.opened == 1
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

    def get(self, prop):
        return 0.0

    def set(self, prop, value):
        return True

    def release(self):
        pass


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
