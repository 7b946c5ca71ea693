"""The gate loop, wired from its parts: frames in; plates tracked, decided, recorded and announced;
picture and dashboard out.

- `FramePipeline` runs detection and OCR beside the picture and hands work back in frame order;
- `VisitDecider` turns boxes and reads into decided visits (plain code);
- `Announcer` looks a decided plate up in the lists, raises alerts, runs the alert command;
- `Recorder` writes the record (duplicate window, errors, chain head);
- `Screen` draws and turns keys into actions.
"""

from __future__ import annotations

import logging
import queue
from typing import Callable, Optional

from securex.config import Config
from securex.core.domain import Frame
from securex.core.perf import PerfMonitor
from securex.gate.announcer import Announcer
from securex.gate.frames import FramePipeline, FrameWork
from securex.gate.recorder import Recorder
from securex.gate.summary import Summary
from securex.gate.visits import VisitDecider
from securex.pipeline.reader import PlateReader
from securex.records.storage import RecordStore
from securex.ui.dashboard import PlateOverlay
from securex.ui.screen import Screen, Status
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
        self._engine = reader.engine.name
        self.perf = PerfMonitor(config.window.fps_window_seconds)
        self.frames = FramePipeline(reader, self.perf, t.worker_threads, t.pipeline_lag_frames, source.is_live,
                                    config.detection.video_side, t.iou_match, config.storage.crop_margin)
        self.decider = VisitDecider(t, config.storage.auto_save, config.storage.auto_save_threshold)
        self.announcer = Announcer(config.alerts, config.storage.duplicate_window_seconds)
        self.recorder = Recorder(store, config.storage.duplicate_window_seconds, source.spec.label)
        self.screen = screen_of(self.perf) if screen_of else None
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
                try:
                    return self.source.read(timeout=LIVE_READ_TIMEOUT)
                except queue.Empty:
                    if self.screen is not None:
                        self._act(self.screen.show_no_signal(self.source.spec.label, self.status()))
        return None

    def _process(self, frame: Frame) -> None:
        if frame.index % self._tracking.detect_interval_frames == 0 and self.frames.has_room() \
                and self._worth_detecting(frame):
            self.frames.submit(frame, self.decider.settled_boxes(frame.index))
        for work in self.frames.finished(frame.index):
            self._apply(work)
        self.announcer.check_watchlist()
        if self.screen is not None:
            self._act(self.screen.show(frame.image, self._overlays(), self.status(), self.announcer.alerts))
        self.perf.frame_done()
        if self._progress:
            self._progress(frame.index, self.recorder.saved)

    def _worth_detecting(self, frame: Frame) -> bool:
        """Detect where a vehicle is tracked or the picture moved; an empty, still lane is skipped."""
        if self.motion is None or self.motion.moved(frame.image) or self.decider.vehicles_tracked():
            return True
        self.still_skips += 1
        return False

    def _apply(self, work: FrameWork) -> None:
        with self.perf.stage("track"):
            self._decided(self.decider.apply(work.boxes, work.reads))

    def _decided(self, tracks: list[Track]) -> None:
        for track in tracks:
            self.announcer.announce(track)
            if self.decider.should_save(track):
                self._record(track)

    def _record(self, track: Track) -> None:
        self.announcer.announce(track)
        with self.perf.stage("store"):
            self.recorder.record(track)

    def _act(self, action: Optional[str]) -> None:
        """Carry out a key's action (the screen handles its own dashboard key)."""
        if action == "auto_save":
            self.decider.auto_save = not self.decider.auto_save
            log.info("Auto-save %s", "on" if self.decider.auto_save else "off")
        elif action == "save":
            track = self.decider.surest_visible()
            if track is None:
                log.info("No plate on screen to save")
            else:
                self._record(track)
        elif action == "acknowledge":
            self.announcer.acknowledge()
        elif action == "quit":
            self._running = False

    def _overlays(self) -> list[PlateOverlay]:
        overlays = []
        for track in self.decider.visible():
            winner, decision = track.winner, track.decision
            overlays.append(PlateOverlay(track.box, winner.read.text if winner else "",
                                         winner.read.confidence if winner else 0.0, track.recorded,
                                         decision.status if decision else "", decision.note if decision else ""))
        return overlays

    def status(self) -> Status:
        head = self.recorder.head
        return Status(self.perf.fps, self.decider.tracker.started, self.recorder.unique_today, self.recorder.saved,
                      self.decider.auto_save, self._engine, head.seq, head.hash, self.announcer.watchlist.size,
                      self.announcer.flagged, self.perf.recent_ms(), self.recorder.waiting)

    def _finish(self) -> None:
        for work in self.frames.drain():
            self._apply(work)
        self._decided(self.decider.finish())
        self.announcer.close()

    def summary(self) -> Summary:
        r = self.recorder
        return Summary(self.perf.elapsed, self.perf.frames, self.perf.average_fps, self.decider.plates_read,
                       r.saved, len(r.unique_plates), self.perf.mean_ms(), self.source.outages, r.head, r.errors,
                       self.announcer.flagged, self.still_skips, r.waiting, r.key_fingerprint)
