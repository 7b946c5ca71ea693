"""The gate loop, wired from its parts: frames in; plates tracked, decided, recorded and announced;
picture and panel out.

- `FramePipeline` runs detection and OCR beside the picture and hands work back in frame order;
- `VisitDecider` turns boxes and reads into decided visits (plain code);
- `Announcer` looks a decided plate up in the lists and raises alerts, once per visit;
- `Recorder` writes the record (duplicate window, errors, chain head) with its visit's event;
- `Integrations` makes the events, sends them to the receivers and opens the barrier;
- `Desk` is what the guard sees and does: the picture beside the panel, the alarm, the keys.
"""

from __future__ import annotations

import logging
import queue
from typing import Callable, Optional

from securex.config import Config
from securex.core.domain import Event, Frame
from securex.core.perf import PerfMonitor
from securex.gate.announcer import Announcer
from securex.gate.desk import Desk
from securex.gate.frames import FramePipeline, FrameWork
from securex.gate.integrations import Integrations
from securex.gate.recorder import Recorder
from securex.gate.summary import Summary
from securex.gate.visits import VisitDecider
from securex.pipeline.reader import PlateReader
from securex.records.storage import RecordStore
from securex.ui.screen import Screen
from securex.video.capture import VideoSource
from securex.video.motion import MotionGate
from securex.video.tracking import Track

log = logging.getLogger(__name__)
LIVE_READ_TIMEOUT = 0.5  # seconds without a live frame before the window shows NO SIGNAL


class StopSignal(KeyboardInterrupt):
    """A termination signal (SIGTERM: a service stop, a shutdown) ends the loop as Ctrl-C does; its name is logged."""


class GateApp:
    def __init__(self, config: Config, reader: PlateReader, store: RecordStore, source: VideoSource,
                 screen_of: Optional[Callable[[PerfMonitor], Screen]] = None,
                 progress: Optional[Callable[[int, int], None]] = None):
        t = config.tracking
        self._tracking, self._frame_skip, self.source, self._progress = t, config.camera.frame_skip, source, progress
        self.perf = PerfMonitor(config.window.fps_window_seconds)
        self.frames = FramePipeline(reader, self.perf, t.worker_threads, t.pipeline_lag_frames, source.is_live,
                                    config.detection.video_side, t.iou_match, config.storage.crop_margin)
        self.decider = VisitDecider(t, config.storage.auto_save, config.storage.auto_save_threshold)
        self.announcer = Announcer(config.alerts, config.storage.duplicate_window_seconds)
        self.recorder = Recorder(store, config.storage.duplicate_window_seconds, source.spec.label)
        self.outside = Integrations(config, store)
        self.engine = reader.engine.name
        self.desk = Desk(screen_of(self.perf), self, config.events.lane_name, config.alerts.sound) \
            if screen_of else None
        self.motion = MotionGate(t.motion_thumb_width, t.motion_pixel_delta, t.motion_min_share) \
            if t.motion_gate else None
        self.still_skips = 0  # detector runs skipped: nothing moved, nothing tracked
        self._running = True

    def run(self) -> Summary:
        try:
            while self._running:
                frame = self._next_frame()
                if frame is None:
                    break
                if frame.index % (self._frame_skip + 1) == 0:
                    self._process(frame)
        except StopSignal as stop:
            log.info("Stopped by %s", stop)
        except KeyboardInterrupt:
            log.info("Stopped by Ctrl-C")
        finally:
            self._finish()
        return self.summary()

    def _next_frame(self) -> Optional[Frame]:
        with self.perf.stage("capture"):
            if not self.source.is_live:
                return self.source.read()
            while self._running:
                self.outside.camera(self.source.signal_lost, self.source.spec.label)
                try:
                    return self.source.read(timeout=LIVE_READ_TIMEOUT)
                except queue.Empty:
                    if self.desk is not None:
                        self._running = self.desk.show(None, live=False)
        return None

    def _process(self, frame: Frame) -> None:
        if frame.index % self._tracking.detect_interval_frames == 0 and self.frames.has_room() \
                and self._worth_detecting(frame):
            self.frames.submit(frame, self.decider.settled_boxes(frame.index))
        for work in self.frames.finished(frame.index):
            self._apply(work)
        self.announcer.check_watchlist()
        if self.desk is not None:
            self._running = self.desk.show(frame, live=True)
        self.perf.frame_done()
        if self._progress:
            self._progress(frame.index, self.recorder.saved)

    def _worth_detecting(self, frame: Frame) -> bool:
        """Detect where a vehicle is tracked or the picture moved; an empty, still lane is skipped."""
        if self.motion is None or self.motion.moved(frame.image) or self.decider.tracker.tracks:
            return True
        self.still_skips += 1
        return False

    def _apply(self, work: FrameWork) -> None:
        with self.perf.stage("track"):
            self._decided(self.decider.apply(work.boxes, work.reads))

    def _decided(self, tracks: list[Track]) -> None:
        for track in tracks:
            event = self._announce(track)
            if self.decider.should_save(track):
                self.record(track, event)
            elif event is not None:
                self.outside.keep(event)

    def _announce(self, track: Track) -> Optional[Event]:
        """Decide the track's standing once; a new visit's event (the barrier opens when its standing says so)."""
        if track.announced:
            return None
        new_visit = self.announcer.announce(track)
        if track.announced and self.desk is not None:
            self.desk.console.decided(track)
        return self.outside.visited(track) if new_visit else None

    def record(self, track: Track, event: Optional[Event] = None) -> bool:
        """Record the track's plate now (auto-save, or the guard's S key); True when it was kept."""
        event = self._announce(track) or event
        with self.perf.stage("store"):
            saved = self.recorder.record(track, event)
        if saved and self.desk is not None:
            self.desk.console.saved(track)
        elif not saved and event is not None:
            self.outside.keep(event)
        self.outside.sender.wake()
        return saved

    def _finish(self) -> None:
        for work in self.frames.drain():
            self._apply(work)
        self._decided(self.decider.finish())
        if self.desk is not None:
            self.desk.close()
        self.outside.close()

    def summary(self) -> Summary:
        r = self.recorder
        return Summary(self.perf.elapsed, self.perf.frames, self.perf.average_fps, self.decider.plates_read,
                       r.saved, len(r.unique_plates), self.perf.mean_ms(), self.source.outages, r.head, r.errors,
                       self.announcer.flagged, self.still_skips, r.waiting, r.key_fingerprint, self.outside.waiting,
                       self.outside.barrier.opened, self.outside.barrier.failed)
