"""The gate loop: frames in, plates tracked and voted, records saved, picture and dashboard out.

Detection and OCR run in a small worker pool so the picture never waits for them. For a video file
every frame is processed and a frame's work is always applied a fixed number of frames later, so a
run over the same file gives the same records; live sources never wait for the workers.
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional

import numpy as np

from securex.gate.alerts import AlertCommand
from securex.video.capture import VideoSource
from securex.records.chain import Head
from securex.ui.dashboard import PlateOverlay, Window, draw_alert, draw_no_signal, draw_panel, draw_plates
from securex.core.domain import Box, Frame, crop, grow_box, iou
from securex.gate.duplicates import DuplicateManager
from securex.video.motion import MotionGate
from securex.core.perf import PerfMonitor
from securex.pipeline.plate_rules import same_plate
from securex.pipeline.reader import PlateReader
from securex.config.settings import Settings, resolve_path
from securex.records.storage import RecordStore, StorageError
from securex.video.tracking import Sighting, Track, Tracker
from securex.gate.watchlist import FLAGGED, Watchlist

log = logging.getLogger(__name__)
LIVE_READ_TIMEOUT = 0.5  # seconds without a live frame before the window shows NO SIGNAL
NO_SIGNAL_SIZE = (720, 1280, 3)
SHOWN_AFTER_MISSED = 1  # a track's box stays on screen for this many detector runs without it
WATCHLIST_CHECK_SECONDS = 2.0  # how often the watchlist file is checked for changes
SAME_PLATE_EDITS = 1  # a settled track's recheck read within this many edits is still its plate


@dataclass
class FrameWork:
    """What the workers found in one frame: each box, its read (if read) and the crop to save."""

    frame: int
    boxes: list[Box]
    reads: list[Optional[Sighting]]


@dataclass
class Summary:
    run_seconds: float
    frames: int
    average_fps: float
    plates_read: int
    saved: int
    unique: int
    stage_ms: dict[str, float]
    outages: int
    head: Head
    store_errors: int
    flagged: int
    still_skips: int

    def lines(self) -> list[str]:
        stages = ", ".join(f"{k} {v:.1f} ms" for k, v in self.stage_ms.items()) or "none"
        return [
            "SecureX session summary",
            f"  run time      {self.run_seconds:.1f} s",
            f"  frames        {self.frames}",
            f"  average FPS   {self.average_fps:.1f}",
            f"  plates read   {self.plates_read}",
            f"  saved         {self.saved}",
            f"  unique saved  {self.unique}",
            f"  flagged       {self.flagged}",
            f"  stage times   {stages}",
            f"  still lane    {self.still_skips} detector runs skipped (nothing moved, nothing tracked)",
            f"  record chain  gate {self.head.gate}: {self.head.seq} records, head {self.head.hash}",
        ] + ([f"  signal lost   {self.outages} time(s)"] if self.outages else []) \
          + ([f"  NOT SAVED     {self.store_errors} time(s) the database could not be written"]
             if self.store_errors else [])


class GateApp:
    def __init__(self, settings: Settings, reader: PlateReader, store: RecordStore, source: VideoSource,
                 window: Optional[Window] = None, progress: Optional[Callable[[int, int], None]] = None):
        self.s, self.reader, self.store, self.source, self.window = settings, reader, store, source, window
        self.auto_save = settings.auto_save
        self.show_dashboard = settings.show_dashboard
        self.tracker = Tracker(settings.track_iou_match, settings.track_max_missed_detections, settings.max_tracks)
        self.duplicates = DuplicateManager(settings.duplicate_window_seconds)
        self.perf = PerfMonitor(settings.fps_window_seconds)
        self._pool = ThreadPoolExecutor(max_workers=settings.ocr_workers, thread_name_prefix="ocr")
        self._pending: deque[tuple[int, Future]] = deque()
        self._progress = progress
        self.detections = 0
        self.plates_read = 0
        self.saved: list[str] = []
        self.store_errors = 0
        self._head = store.head()
        self._unique_today = 0
        self._running = True
        self._last_image: Optional[np.ndarray] = None
        path = resolve_path(settings.watchlist_path) if settings.watchlist_path else None
        self.watchlist = Watchlist(path, settings.watchlist_max_distance)
        self._watchlist_checked = time.monotonic()
        self.alert_command = AlertCommand(settings.alert_command, settings.alert_timeout_seconds)
        self.alerts: list[str] = []  # flagged vehicles not yet acknowledged (key F)
        self.flagged_events = 0
        self.motion = MotionGate(settings.motion_thumb_width, settings.motion_pixel_delta,
                                 settings.motion_min_share) if settings.motion_gate else None
        self.still_skips = 0  # detector runs skipped: nothing moved, nothing tracked

    # --- the loop ------------------------------------------------------------------------------
    def run(self) -> Summary:
        try:
            while self._running:
                frame = self._next_frame()
                if frame is None:
                    break
                if frame.index % (self.s.frame_skip + 1) == 0:
                    self._process(frame)
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
                    self._show_no_signal()
        return None

    def _process(self, frame: Frame) -> None:
        if frame.index % self.s.detect_interval_frames == 0 and self._has_room() and self._worth_detecting(frame):
            settled = [t.box for t in self.tracker.tracks
                       if t.settled and frame.index - t.last_read_frame < self.s.settled_recheck_frames]
            self._pending.append((frame.index, self._pool.submit(self._analyse, frame, settled)))
        self._apply_finished(frame.index)
        self._check_watchlist()
        self._show(frame)
        self.perf.frame_done()
        if self._progress:
            self._progress(frame.index, len(self.saved))

    def _worth_detecting(self, frame: Frame) -> bool:
        """Detect where a vehicle is tracked or the picture moved; an empty, still lane is skipped."""
        if self.motion is None:
            return True
        moved = self.motion.moved(frame.image)
        if moved or self.tracker.tracks:
            return True
        self.still_skips += 1
        return False

    def _has_room(self) -> bool:
        """Live sources skip a detector run rather than queue work the workers cannot keep up with."""
        return not self.source.is_live or len(self._pending) < self.s.ocr_workers

    # --- worker side -------------------------------------------------------------------------------
    def _analyse(self, frame: Frame, settled: list[Box]) -> FrameWork:
        """Detect plates in a frame and read those not on an already settled track (worker thread)."""
        image = frame.image
        with self.perf.stage("detect"):
            detections = self.reader.detector.detect(image, self.s.video_detect_side)
        boxes, reads = [], []
        for detection in detections:
            if any(iou(detection.box, box) >= self.s.track_iou_match for box in settled):
                boxes.append(detection.box)
                reads.append(None)
                continue
            with self.perf.stage("ocr"):
                read = self.reader.read_box(image, detection.box)
            if read is not None:
                plate_box = grow_box(read.box, self.s.crop_margin, image.shape[1], image.shape[0])
                boxes.append(detection.box)
                reads.append(Sighting(read, crop(image, plate_box).copy(), frame.index, frame.timestamp))
        return FrameWork(frame.index, boxes, reads)

    # --- loop side -------------------------------------------------------------------------------
    def _apply_finished(self, current: int) -> None:
        """Apply finished work in frame order; a file's work is waited for once it is `lag` frames old."""
        while self._pending:
            index, future = self._pending[0]
            must_wait = not self.source.is_live and current - index >= self.s.pipeline_lag_frames
            if not (future.done() or must_wait):
                return
            self._pending.popleft()
            self._apply(future.result())

    def _apply(self, work: FrameWork) -> None:
        with self.perf.stage("track"):
            self._apply_tracks(work)

    def _apply_tracks(self, work: FrameWork) -> None:
        self.detections += len(work.boxes)
        tracks, ended = self.tracker.update(work.boxes, work.frame)
        for track, sighting in zip(tracks, work.reads):
            if sighting is None:
                continue
            if track.settled and not same_plate(sighting.read.text, track.winner.read.text, SAME_PLATE_EDITS):
                ended.append(track)
                track = self.tracker.restart(track, work.frame)
            if not track.votes:
                self.plates_read += 1
            track.add_read(sighting)
            if track.update_settled(self.s.vote_min_reads, self.s.vote_settle_share):
                self._announce(track)
                if self.auto_save:
                    self._auto_save(track)
        for track in ended:
            self._end_track(track)

    def _auto_save(self, track: Track) -> None:
        winner = track.winner
        if not track.recorded and winner and winner.read.confidence >= self.s.auto_save_threshold:
            self._record(track)

    def _end_track(self, track: Track) -> None:
        """A track leaving unsettled is settled on fewer reads, so a fast car is still recorded."""
        track.update_settled(self.s.vote_min_reads_at_end, self.s.vote_settle_share)
        if track.settled:
            self._announce(track)
            if self.auto_save:
                self._auto_save(track)

    def _announce(self, track: Track) -> None:
        """A plate is decided: look it up in the lists, raise the alert for a flagged one, run the alert command."""
        if track.announced or track.winner is None:
            return
        track.announced = True
        plate = track.winner.read.text
        track.decision = self.watchlist.match(plate)
        if track.decision is not None and track.decision.status == FLAGGED:
            self.flagged_events += 1
            note = f": {track.decision.note}" if track.decision.note else ""
            self.alerts.append(f"FLAGGED {plate}{note}")
            log.warning("FLAGGED vehicle %s (listed as %s)%s", plate, track.decision.listed_plate, note)
        self.alert_command.notify(plate, track.decision.status if track.decision else "none")

    def _check_watchlist(self) -> None:
        now = time.monotonic()
        if now - self._watchlist_checked >= WATCHLIST_CHECK_SECONDS:
            self._watchlist_checked = now
            self.watchlist.reload_if_changed()

    def _record(self, track: Track) -> bool:
        """Save the track's winning read unless the same plate was saved within the duplicate window."""
        self._announce(track)
        sighting = track.winner
        track.recorded = True
        plate = sighting.read.text
        match = track.decision.record_fields() if track.decision is not None else None
        if self.duplicates.is_duplicate(plate, sighting.at):
            log.info("%s seen again within %.0f s: not recorded twice", plate, self.s.duplicate_window_seconds)
            return False
        when = datetime.fromtimestamp(sighting.at).astimezone()
        try:
            with self.perf.stage("store"):
                record = self.store.save(plate, sighting.read.confidence, when, self.source.spec.label,
                                         sighting.frame, sighting.crop, match)
        except StorageError as exc:
            track.recorded = False  # tried again with the track's next read or when it leaves
            self.store_errors += 1
            log.error("%s: free disk space or check the database; the plate is tried again", exc)
            return False
        self.duplicates.mark_saved(plate, sighting.at)
        self.saved.append(plate)
        self._head = Head(record.gate, record.seq, record.hash)
        day_start = when.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(timespec="milliseconds")
        self._unique_today = self.store.unique_plates_since(day_start)
        log.info("Saved %s (%.0f%%) frame %d -> record %d, decided at frame %d", plate, 100 * record.confidence,
                 record.frame, record.id, track.last_read_frame)
        return True

    def save_best_on_screen(self) -> None:
        """The S / Space key: save the surest plate on screen now, whatever its confidence."""
        candidates = [t for t in self._visible_tracks() if t.winner is not None]
        if not candidates:
            log.info("No plate on screen to save")
            return
        self._record(max(candidates, key=lambda t: t.winner.read.confidence))

    # --- screen -----------------------------------------------------------------------------------
    def _visible_tracks(self) -> list[Track]:
        return [t for t in self.tracker.tracks if t.missed <= SHOWN_AFTER_MISSED]

    def _show(self, frame: Frame) -> None:
        if self.window is None:
            return
        with self.perf.stage("draw"):
            image = frame.image.copy()
            overlays = []
            for track in self._visible_tracks():
                winner = track.winner
                decision = track.decision
                overlays.append(PlateOverlay(track.box, winner.read.text if winner else "",
                                             winner.read.confidence if winner else 0.0, track.recorded,
                                             decision.status if decision else "", decision.note if decision else ""))
            draw_plates(image, overlays)
            if self.show_dashboard:
                draw_panel(image, self.dashboard_lines())
            if self.alerts:
                draw_alert(image, self.alerts[-1], len(self.alerts))
            self._last_image = image
        self._handle_key(self.window.show(image))

    def _show_no_signal(self) -> None:
        if self.window is None:
            return
        image = np.zeros(NO_SIGNAL_SIZE, np.uint8) if self._last_image is None else self._last_image // 3
        draw_no_signal(image, self.source.spec.label)
        if self.show_dashboard:
            draw_panel(image, self.dashboard_lines())
        self._handle_key(self.window.show(image))

    def dashboard_lines(self) -> list[str]:
        stage = "  ".join(f"{k} {v:.0f}ms" for k, v in self.perf.recent_ms().items())
        return [
            f"SecureX   FPS {self.perf.fps:.1f}",
            f"Detections: {self.detections}",
            f"Unique plates today: {self._unique_today}",
            f"Saved this session: {len(self.saved)}",
            f"Auto-save: {'ON' if self.auto_save else 'OFF'} (A)   Save now: S",
            f"OCR engine: {self.reader.engine.name}",
            f"Record chain: {self._head.seq} records, head {self._head.hash[:12]}",
            f"Watchlist: {self.watchlist.size} entries   Flagged: {self.flagged_events}",
            stage or "stage times: -",
            "D: hide dashboard   F: acknowledge alert   Q: quit",
        ]

    def _handle_key(self, key: Optional[str]) -> None:
        if key is None:
            return
        if key == "a":
            self.auto_save = not self.auto_save
            log.info("Auto-save %s", "on" if self.auto_save else "off")
        elif key in ("s", " "):
            self.save_best_on_screen()
        elif key == "d":
            self.show_dashboard = not self.show_dashboard
            log.info("Dashboard %s", "shown" if self.show_dashboard else "hidden")
        elif key == "f" and self.alerts:
            log.info("Alert acknowledged: %s", "; ".join(self.alerts))
            self.alerts.clear()
        elif key in ("q", "\x1b"):
            self._running = False

    # --- end ----------------------------------------------------------------------------------------
    def _finish(self) -> None:
        for _, future in self._pending:
            self._apply(future.result())
        self._pending.clear()
        for track in self.tracker.end_all():
            self._end_track(track)
        self._pool.shutdown(wait=True)
        self.alert_command.close()

    def summary(self) -> Summary:
        return Summary(self.perf.elapsed, self.perf.frames, self.perf.average_fps, self.plates_read,
                       len(self.saved), len(set(self.saved)), self.perf.mean_ms(), self.source.outages,
                       self._head, self.store_errors, self.flagged_events, self.still_skips)
