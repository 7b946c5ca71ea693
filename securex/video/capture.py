"""Capture: frames from a camera, a video file or a network stream, read in their own thread.

Files give every frame, in order (paced to their frame rate with `realtime`); a file that cannot be
opened stops the program at once. Live sources always give the newest frame, so a slow moment never
builds a backlog; one that is absent (a gate PC booting before its camera) or drops out is waited
for, reconnecting with back-off.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import cv2

from securex.core.domain import Frame
from securex.core.errors import SecureXError
from securex.core.urls import STREAM_SCHEMES, expand_variables, hide_password, url_scheme

log = logging.getLogger(__name__)
FILE_QUEUE_FRAMES = 8  # frames read ahead from a file
RECONNECT_FIRST_WAIT = 0.5  # seconds before the first reconnect attempt; doubles up to the configured cap
FFMPEG_DEBUG = 48  # AV_LOG_DEBUG: FFmpeg's most detailed level that prints no password
_END = None


class SourceError(SecureXError):
    """The source cannot be opened; the message is one plain line."""


@dataclass(frozen=True)
class SourceSpec:
    target: Union[int, str]
    is_file: bool

    @property
    def label(self) -> str:
        """What logs, the screen, error messages and records show: a URL without its password."""
        return f"camera {self.target}" if isinstance(self.target, int) else hide_password(self.target)


def parse_source(text: Union[str, int]) -> SourceSpec:
    """A camera index, a stream URL, or a video file path (which must exist); `${NAME}` in it is replaced by the
    environment variable NAME (a camera password kept off the command line)."""
    text = str(text).strip()
    try:
        text = expand_variables(text, os.environ)
    except ValueError as missing:
        raise SourceError(f"Source {hide_password(text)} uses the environment variable {missing}, which is not set: "
                          f"set {missing} before starting SecureX (or give the source in LANES in config.py)") from None
    if text.isdigit():
        return SourceSpec(int(text), False)
    scheme = url_scheme(text)
    if scheme in STREAM_SCHEMES:
        return SourceSpec(text, False)
    if scheme:
        raise SourceError(f"{hide_password(text)} is no stream SecureX can open: give a camera index, a video file "
                          f"or a URL starting with {', '.join(s + '://' for s in STREAM_SCHEMES)}")
    path = Path(text).expanduser()
    if not path.is_file():
        raise SourceError(f"Video file not found: {hide_password(text)} (give a camera index, a video file or an "
                          "rtsp:// URL)")
    return SourceSpec(str(path), True)


class VideoSource:
    """A source opened and read in a background thread; `read()` hands frames to the loop."""

    def __init__(self, spec: SourceSpec, width: int, height: int, fps: int, realtime: bool = False,
                 reconnect_max_seconds: float = 30.0, loops: int = 1):
        self.spec = spec
        self._loops = loops
        self._size, self._asked_fps = (width, height), fps
        self._realtime = realtime
        self._reconnect_max = reconnect_max_seconds
        self._capture = self._open() if spec.is_file else cv2.VideoCapture()  # live: opened by its thread
        self.fps = self._capture.get(cv2.CAP_PROP_FPS) or 0.0
        if not 1 <= self.fps <= 240:
            self.fps = float(fps)
        self.frame_count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) if spec.is_file else 0
        self.start_time = Path(spec.target).stat().st_mtime if spec.is_file else time.time()
        self.signal_lost = False
        self.outages = 0
        self.ended_early = False
        self._queue: queue.Queue = queue.Queue(maxsize=FILE_QUEUE_FRAMES if spec.is_file else 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)

    @property
    def is_live(self) -> bool:
        return not self.spec.is_file

    def _open(self) -> cv2.VideoCapture:
        """The source, opened when it can be; a video file that cannot be raises SourceError."""
        if self.spec.label != self.spec.target:
            _quiet_opencv()
        capture = cv2.VideoCapture(self.spec.target)
        if isinstance(self.spec.target, int) and capture.isOpened():
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
            capture.set(cv2.CAP_PROP_FPS, self._asked_fps)
        if self.spec.is_file and not capture.isOpened():
            capture.release()
            raise SourceError(f"Video file cannot be opened: {self.spec.label} (corrupt or unsupported)")
        return capture

    def start(self) -> "VideoSource":
        self._thread.start()
        return self

    def read(self, timeout: Optional[float] = None) -> Optional[Frame]:
        """The next frame (files) or the newest one (live); None when the source has ended.

        With a timeout, a live source that gives nothing in time raises queue.Empty, so the window
        can show NO SIGNAL and stay responsive.
        """
        return self._queue.get(timeout=timeout)

    def _run(self) -> None:
        if self.spec.is_file:
            self._read_file()
        else:
            self._read_live()

    def _read_file(self) -> None:
        """Every frame of the file, `loops` times over; frame numbers and times run on across loops."""
        index, started = 0, time.monotonic()
        for loop in range(1, self._loops + 1):
            if loop > 1:
                self._capture.release()
                self._capture = self._open()
            first = index
            while not self._stop.is_set():
                ok, image = self._capture.read()
                if not ok or image is None:
                    break
                if self._realtime:
                    delay = started + index / self.fps - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                self._put(Frame(index, self.start_time + index / self.fps, image))
                index += 1
            if self._stop.is_set():
                break
            if self.frame_count and index - first < self.frame_count - 1:
                self.ended_early = True
                log.warning("Video ended at frame %d of %d: the file is truncated or corrupt",
                            index - first, self.frame_count)
                break
            if self._loops > 1:
                log.info("Video loop %d of %d read", loop, self._loops)
        self._put(_END)

    def _put(self, item: Optional[Frame]) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _read_live(self) -> None:
        """The newest frame, always. A source that gives nothing, from the start or after a drop, is one outage
        (one log line) and is reopened after 0.5 s, then twice as long each time up to the configured cap."""
        index, wait = 0, RECONNECT_FIRST_WAIT
        self._capture = self._open()
        while not self._stop.is_set():
            ok, image = self._capture.read()
            if ok and image is not None:
                if self.signal_lost:
                    log.warning("Signal back from %s", self.spec.label)
                self.signal_lost, wait = False, RECONNECT_FIRST_WAIT
                self._offer_newest(Frame(index, time.time(), image))
                index += 1
                continue
            if not self.signal_lost:
                self.outages += 1
                log.warning("No signal from %s; %s", self.spec.label,
                            "reconnecting" if index else "waiting for it (check its power, cable or network)")
            self.signal_lost = True
            self._capture.release()
            if self._stop.wait(wait):
                break
            wait = min(wait * 2, self._reconnect_max)
            self._capture = self._open()

    def _offer_newest(self, frame: Frame) -> None:
        try:
            self._queue.get_nowait()  # drop the unread older frame: live means newest
        except queue.Empty:
            pass
        self._queue.put_nowait(frame)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._capture.release()


def _quiet_opencv() -> None:
    """Keep OpenCV and FFmpeg from printing a URL's password, whatever their log levels are set to.

    OpenCV's INFO and DEBUG lines name the URL it opens, password and all; FFmpeg's trace level
    prints each RTSP request, with the password in its Authorization header. FFmpeg reads its level
    when OpenCV first opens a stream, so this runs before that.
    """
    if cv2.utils.logging.getLogLevel() > cv2.utils.logging.LOG_LEVEL_WARNING:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_WARNING)
    level = os.environ.get("OPENCV_FFMPEG_LOGLEVEL", "")
    if level.lstrip("-").isdigit() and int(level) > FFMPEG_DEBUG:
        os.environ["OPENCV_FFMPEG_LOGLEVEL"] = str(FFMPEG_DEBUG)
