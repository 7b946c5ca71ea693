"""The gate loop, wired from its parts: frames in from every lane; plates tracked, decided, recorded and
announced; the lanes' pictures and the panel out.

- `Lane` is one camera: its `FramePipeline` (detection and OCR of its region in the gate's one worker
  pool, work handed back in frame order) and its `VisitDecider` (boxes and reads in, decided visits out);
- `Announcer` looks a decided plate up in the lists and raises alerts, once per visit;
- `Recorder` writes the record (lane, direction, duplicate window, errors, chain head) with its event;
- `Integrations` makes the events, sends them to the receivers and opens each lane's barrier;
- `Desk` is what the guard sees and does: the lanes' pictures beside the panel, the alarm, the keys.
"""

from __future__ import annotations

import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

from securex.config import Config
from securex.core.domain import Event, Frame
from securex.core.perf import PerfMonitor
from securex.gate.announcer import Announcer
from securex.gate.desk import Desk
from securex.gate.frames import FrameWork
from securex.gate.integrations import Integrations
from securex.gate.lane import LIVE_READ_TIMEOUT, Lane
from securex.gate.recorder import Recorder
from securex.gate.summary import Summary, session_summary
from securex.pipeline.reader import PlateReader
from securex.records.storage import RecordStore
from securex.ui.screen import Screen
from securex.video.capture import VideoSource
from securex.video.tracking import Track

log = logging.getLogger(__name__)


class StopSignal(KeyboardInterrupt):
    """A termination signal (SIGTERM: a service stop, a shutdown) ends the loop as Ctrl-C does; its name is logged."""


def stop_on_signal(signum, frame) -> None:
    """The SIGTERM handler (installed by the command line)."""
    raise StopSignal(signal.Signals(signum).name)


def stop_name(stop: KeyboardInterrupt) -> str:
    return str(stop) if isinstance(stop, StopSignal) else "Ctrl-C"


class GateApp:
    def __init__(self, config: Config, reader: PlateReader, store: RecordStore, sources: list[VideoSource],
                 screen_of: Optional[Callable[[PerfMonitor], Screen]] = None,
                 progress: Optional[Callable[[int, int], None]] = None):
        """`sources`: one started VideoSource per lane of `config.camera.lanes`, in order (see cli/run.py)."""
        t = config.tracking
        self._tracking, self._frame_skip, self._progress = t, config.camera.frame_skip, progress
        self.perf = PerfMonitor(config.window.fps_window_seconds)
        self._pool = ThreadPoolExecutor(max_workers=t.worker_threads, thread_name_prefix="worker")
        self.lanes = [Lane(spec, source, config, reader, self.perf, self._pool)
                      for spec, source in zip(config.camera.lanes, sources, strict=True)]
        self.announcer = Announcer(config.alerts, config.storage.duplicate_window_seconds)
        self.recorder = Recorder(store, config.storage.duplicate_window_seconds)
        self.outside = Integrations(config, store, [lane.name for lane in self.lanes])
        self.engine = reader.engine.name
        self.desk = Desk(screen_of(self.perf), self, config.alerts.sound) if screen_of else None
        self._read = 0  # frames read from every lane
        self._running = True

    def run(self) -> Summary:
        """Each lane's next frame in turn, then the window once per round, until every file ends or the guard quits."""
        try:
            while self._running and not all(lane.ended for lane in self.lanes):
                self._round()
        except KeyboardInterrupt as stop:
            log.info("Stopped by %s", stop_name(stop))
        finally:
            self._finish()
        return session_summary(self)

    def _round(self) -> None:
        for lane in self.lanes:
            if lane.ended:
                continue
            with self.perf.stage("capture"):
                if lane.source.is_live:
                    self.outside.camera(lane.source.signal_lost, lane.source.spec.label, lane.name)
                frame = lane.read(self._wait(lane))
            if frame is None:
                if lane.ended:
                    self._finish_lane(lane)
                continue
            self._read += 1
            if frame.index % (self._frame_skip + 1) == 0:
                self._process(lane, frame)
        if self.desk is not None:
            self._running = self.desk.show()

    def _wait(self, lane: Lane) -> float:
        """How long to wait for a live lane's frame: a camera that is away holds up no lane that has pictures."""
        if not lane.source.signal_lost:
            return LIVE_READ_TIMEOUT
        return 0.0 if any(other.live and not other.ended for other in self.lanes if other is not lane) else \
            LIVE_READ_TIMEOUT / len(self.lanes)

    def _process(self, lane: Lane, frame: Frame) -> None:
        if frame.index % self._tracking.detect_interval_frames == 0 and lane.frames.has_room() \
                and lane.worth_detecting(frame):
            lane.submit(frame)
        for work in lane.frames.finished(frame.index):
            self._apply(lane, work)
        self.announcer.check_watchlist()
        self.perf.frame_done()
        if self._progress:
            self._progress(self._read - 1, self.recorder.saved)

    def _apply(self, lane: Lane, work: FrameWork) -> None:
        with self.perf.stage("track"):
            self._decided(lane, lane.decider.apply(work.boxes, work.reads, work.at, work.arrived))
            for track in lane.decider.tracker.tracks:
                if work.at is not None and track.seen_at == work.at:  # found in this run: still in view
                    self.announcer.seen(track, lane.name, work.at)
                    self.recorder.seen(track, lane.name, work.at)

    def _decided(self, lane: Lane, tracks: list[Track]) -> None:
        """Tracks settled now (announced, recorded) or leaving (recorded if not yet); a track whose visit's record says
        another plate (its vote turned over, or a track to record reads what the record left out) corrects it."""
        for track in tracks:
            if lane.decider.contradicted(track) is not None or (lane.decider.should_save(track)
                                                                 and self.recorder.adopt(track, lane.name)):
                self._correct(lane, track)
                continue
            event = self._announce(lane, track)
            if lane.decider.should_save(track):
                self.record(track, event, lane)
            elif event is not None:
                self.outside.keep(event)

    def _correct(self, lane: Lane, track: Track) -> None:
        """The plate of a recorded car as the rest of its visit read it: looked up, recorded as a correction with
        its event, and shown to the guard. When the plate is announced anew, the barrier opens as for a new visit if
        the car is still in view."""
        earlier, announced = track.recorded_plate, self.announcer.correct(track, lane.name)
        in_view = any(t is track for t in lane.decider.tracker.tracks)
        event = self.outside.corrected(track, lane.name, announced, in_view) if track.record.seq else None
        with self.perf.stage("store"):
            corrected = self.recorder.correct(track, event, lane.source.spec.label)
        if not corrected and event is not None:
            self.outside.keep(event)  # the correction could be kept nowhere: its event (a barrier opened) still goes
        if self.desk is not None:
            self.desk.corrected(track, earlier, corrected, self._panel_lane(lane))
        self.outside.sender.wake()

    def _announce(self, lane: Lane, track: Track) -> Optional[Event]:
        """Decide the track's standing once; a new visit's event (the barrier opens when its standing says so)."""
        if track.announced:
            return None
        new_visit = self.announcer.announce(track, lane.name)
        if track.announced and self.desk is not None:
            self.desk.console.decided(track, self._panel_lane(lane))
        return self.outside.visited(track, lane.name, lane.direction(track)) if new_visit else None

    def _panel_lane(self, lane: Lane) -> str:
        """The lane's name as the panel's last plates show it: only when the gate has more than one."""
        return lane.name if len(self.lanes) > 1 else ""

    def lane_of(self, track: Optional[Track]) -> Lane:
        """The lane whose camera sees `track` (the first lane when none)."""
        return next((lane for lane in self.lanes if any(t is track for t in lane.decider.tracker.tracks)),
                    self.lanes[0])

    def record(self, track: Track, event: Optional[Event] = None, lane: Optional[Lane] = None) -> bool:
        """Record the track's plate now (auto-save, or the guard's S key); True when it was kept."""
        lane = lane or self.lane_of(track)
        event = self._announce(lane, track) or event
        with self.perf.stage("store"):
            saved = self.recorder.record(track, event, lane.source.spec.label, lane.name, lane.direction(track))
        if saved and self.desk is not None:
            self.desk.console.saved(track, self._panel_lane(lane))
        elif not saved and event is not None:
            self.outside.keep(event)
        self.outside.sender.wake()
        return saved

    def _finish_lane(self, lane: Lane) -> None:
        for work in lane.frames.drain():
            self._apply(lane, work)
        self._decided(lane, lane.decider.finish())

    def _finish(self) -> None:
        for lane in self.lanes:
            self._finish_lane(lane)
        self._pool.shutdown(wait=True)
        if self.desk is not None:
            self.desk.close()
        self.outside.close()

    def abandon(self) -> None:
        """Stopping at once: the plates being read are dropped (the workers end with the process)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
