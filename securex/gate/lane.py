"""One lane at run time: its camera, its frames in the gate's worker pool, its visits and its last picture."""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from securex.config import Config
from securex.config.lanes import LaneConfig
from securex.core.domain import BOTH, Frame, in_pixels
from securex.core.perf import PerfMonitor
from securex.gate.frames import FramePipeline
from securex.gate.lanes import direction_of, region_area
from securex.gate.visits import VisitDecider
from securex.pipeline.reader import PlateReader
from securex.video.capture import VideoSource
from securex.video.motion import Area, MotionGate, enclosing
from securex.video.tracking import PATH_KEPT, Track

LIVE_READ_TIMEOUT = 0.5  # seconds without a live frame before the window shows NO SIGNAL

PATH_JUDGED = 6  # boxes of its path a `both` lane waits for before it judges a plate's direction


class Lane:
    def __init__(self, spec: LaneConfig, source: VideoSource, config: Config, reader: PlateReader,
                 perf: PerfMonitor, pool: ThreadPoolExecutor):
        t = config.tracking
        self.spec, self.name, self.source = spec, spec.name, source
        self.reader = reader.with_masks(spec.masks)  # the lane's own masks added to MASKS
        self.frames = FramePipeline(self.reader, perf, pool, t.worker_threads, t.pipeline_lag_frames, source.is_live,
                                    config.detection.video_side, t.iou_match, config.storage.crop_margin, spec.region,
                                    t.focus_full_every)
        self.decider = VisitDecider(t, config.storage.auto_save, config.storage.auto_save_threshold,
                                    self._direction_known if spec.direction == BOTH else None)
        self.motion = MotionGate(t.motion_thumb_width, t.motion_pixel_delta, t.motion_min_share,
                                 region_area(spec.region), [*config.detection.masks, *spec.masks]) \
            if t.motion_gate else None
        self._approaching_is = config.camera.approaching_is
        self.still_skips = 0  # detector runs skipped: nothing moved, nothing tracked
        self._rested: Optional[Area] = None  # where it has just stopped, no vehicle tracked there: looked at next
        self._rest_only = False  # ...and nothing else is worth looking at
        self.frame: Optional[Frame] = None  # the last picture
        self.live = True  # False while a live camera gives no picture (NO SIGNAL)
        self.ended = False

    def read(self, wait: float = LIVE_READ_TIMEOUT) -> Optional[Frame]:
        """The lane's next frame (None: a file ended, or no live picture within `wait`; see `live`)."""
        if not self.source.is_live:
            frame = self.source.read()
            self.ended = frame is None
        else:
            try:
                frame = self.source.read(timeout=wait)
            except queue.Empty:
                frame = None
            self.live = frame is not None
        if frame is not None:
            self.frame = frame
        return frame

    def worth_detecting(self, frame: Frame) -> bool:
        """Detect where a vehicle is tracked or the picture moved, and once where something has just stopped moving
        with no vehicle tracked there (a car at rest there may never have been read: alone, or while another drives
        on); an empty, still lane is skipped."""
        self._rested = None
        if self.motion is None:
            return True
        busy = self.motion.moved(frame.image) or self.decider.vehicles_tracked()
        height, width = frame.image.shape[:2]
        unread = [area for area, been in self.motion.rested  # no vehicle tracked where it has been: not read yet
                  if not self.decider.vehicles_in(*in_pixels(been, width, height))]
        if unread:
            self._rested = enclosing(unread)
        self._rest_only = not busy
        if busy or self._rested is not None:
            return True
        self.still_skips += 1
        return False

    def submit(self, frame: Frame) -> None:
        """Hand the frame to the workers: the detector looks where it moved and where plates are tracked, and where
        something has just stopped."""
        tracks = self.decider.tracker.tracks
        moving = self.motion.moving if self.motion is not None else None
        self.frames.submit(frame, self.decider.settled_boxes(frame.index), moving,
                           [track.box for track in tracks if not track.missed], any(track.missed for track in tracks),
                           self.decider.undecided_boxes(), self.decider.still_boxes(), self._rested, self._rest_only)

    def direction(self, track: Track) -> str:
        return direction_of(self.spec.direction, track.path, self._approaching_is)

    def _direction_known(self, track: Track) -> bool:
        """A `both` lane records a plate once its path is long enough to judge and its direction is clear there,
        or once its path is as long as is kept."""
        return (len(track.path) >= PATH_JUDGED and self.direction(track) != "") or len(track.path) >= PATH_KEPT
