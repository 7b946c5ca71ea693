"""The frame pipeline: detection and OCR in a small worker pool, finished work handed back in frame order.

The picture never waits for the workers. For a video file every frame's work is applied a fixed
number of frames after it was submitted (waiting for it if need be), so a run over the same file
gives the same records; a live source never waits and skips a detector run when the workers are busy.

Every lane has its own FramePipeline on the gate's one worker pool (first come, first served), and
none may have more than `workers` frames in it at once, so a busy lane cannot starve a quiet one. Only
the lane's region is detected; most runs look only at its moving part, closer, for the same cost (gate/focus.py).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

import cv2
import numpy as np

from securex.core.domain import Box, Frame, PlateRead, centre_in, crop, grow_box, iou
from securex.core.perf import PerfMonitor
from securex.gate.focus import (
    DetectWindow,
    closer_looks,
    closer_wanted,
    cut_by_window,
    detect_window,
    doubtful,
    missing_plates,
    rest_window,
)
from securex.gate.lanes import is_rectangle, region_box, region_points
from securex.pipeline.reader import PlateReader
from securex.video.motion import Area
from securex.video.tracking import Sighting


@dataclass
class FrameWork:
    """What the workers found in one frame: each box, and its read (None where it was not read)."""

    frame: int
    boxes: list[Box]
    reads: list[Optional[Sighting]]
    at: Optional[float] = None  # the frame's source time
    arrived: list[Box] = field(default_factory=list)  # boxes only the look where something had just stopped moving
    # found: they came with the motion


class FramePipeline:
    def __init__(self, reader: PlateReader, perf: PerfMonitor, pool: ThreadPoolExecutor, workers: int,
                 lag_frames: int, live: bool, detect_side: int, same_box_iou: float, crop_margin: float,
                 region: Sequence[tuple[float, float]] = (), full_every: int = 1):
        self._reader, self._perf, self._pool = reader, perf, pool
        self._workers, self._lag, self._live = workers, lag_frames, live
        self._detect_side, self._same_box_iou, self._crop_margin = detect_side, same_box_iou, crop_margin
        self._region, self._full_every = tuple(region), full_every
        self.runs = 0  # detector runs submitted but those that look only where something stopped (every
        # `full_every`-th: the whole region)
        self._pending: deque[tuple[int, Future]] = deque()

    def has_room(self) -> bool:
        """Live sources skip a detector run rather than queue work the workers cannot keep up with (at most
        `workers` frames of a lane in the pool); a file's work is waited for `lag` frames later."""
        return not self._live or len(self._pending) < self._workers

    def submit(self, frame: Frame, settled: list[Box], moving: Optional[Area] = None,
               tracked: Sequence[Box] = (), lost: bool = False, undecided: Sequence[Box] = (),
               still: Sequence[Box] = (), rested: Optional[Area] = None, rest_only: bool = False) -> None:
        """Detect and read `frame` in a worker; boxes on `settled` tracks are not read again. The detector looks
        around the `tracked` plates found at the last run, and at the `moving` part of the region when none is or
        one was `lost` (all of the region every `full_every` runs); and closer where something has just stopped
        moving (`rested`; `rest_only`: there only, the lane having nothing else to look at: a run that costs up to
        REST_COST times the region's detector pixels, else up to one more than that); `undecided` plates (read,
        not yet decided) it does not find again are looked for closer, and so are its doubtful reads but those on
        `still` texts."""
        height, width = frame.image.shape[:2]
        region = region_box(self._region, width, height)
        rest = rest_window(region, rested, self._detect_side, width, height) if rested is not None else None
        rest_only = rest_only and rest is not None
        if rest_only:  # not counted among the runs: the whole region is looked at as often
            window, rest = rest, None
        else:
            window = detect_window(region, moving, tracked, lost, self.runs, self._full_every, self._detect_side,
                                   width, height)
            self.runs += 1
        work = self._pool.submit(self._analyse, frame, settled, window, tuple(undecided), tuple(still), rest,
                                 rest_only)
        self._pending.append((frame.index, work))

    def finished(self, current: int) -> Iterator[FrameWork]:
        """Work that is done, oldest first; a file's work is applied when it is `lag` frames old (waited for if
        need be, never sooner: what the next detector run looks at depends on it, so runs are reproducible)."""
        while self._pending:
            index, future = self._pending[0]
            if not (future.done() if self._live else current - index >= self._lag):
                return
            self._pending.popleft()
            yield future.result()

    def drain(self) -> Iterator[FrameWork]:
        """All outstanding work, in order, waiting for each."""
        while self._pending:
            yield self._pending.popleft()[1].result()

    def _analyse(self, frame: Frame, settled: list[Box], window: DetectWindow, undecided: Sequence[Box],
                 still: Sequence[Box], rest: Optional[DetectWindow], rest_only: bool) -> FrameWork:
        """Detect plates in a frame's window (and the `rest` window: where something has just stopped, closer)
        and read those not on an already settled track; the undecided plates it did not find again, its doubtful
        reads (but on still texts: their boxes stay as they are), and when it finds none the candidates that could
        not be read, are looked at again, closer; a closer read replaces the doubtful reads it covers (worker
        thread)."""
        image = frame.image
        height, width = image.shape[:2]
        boxes: list[Box] = []
        reads: list[Optional[Sighting]] = []
        plates, unread = self._look(image, window, settled, boxes, reads)
        region = region_box(self._region, width, height)
        missing = missing_plates(undecided, [p.box for p in plates] + boxes)
        doubts = [p for p in plates if doubtful(p.box, p.as_read, window) and not any(iou(p.box, b) for b in still)]
        wanted = closer_wanted(missing, ([] if plates or boxes else unread) + [p.box for p in doubts])
        for look in closer_looks(wanted, window, region, self._detect_side, width, height):
            more, _ = self._look(image, look, settled, [], [])
            for closer in more:
                x, y, w, h = closer.box
                plates = [p for p in plates if not (p in doubts and centre_in(p.box, x, y, x + w, y + h))]
                if all(iou(closer.box, known.box) < self._same_box_iou for known in plates):
                    plates.append(closer)
        arrived = [p.box for p in plates] if rest_only else []
        if rest is not None:
            plates, arrived = self._rest_look(image, rest, settled, plates)
        for read in plates:
            plate_box = grow_box(read.box, self._crop_margin, width, height)
            boxes.append(read.box)
            reads.append(Sighting(read, crop(image, plate_box).copy(), frame.index, frame.timestamp))
        return FrameWork(frame.index, boxes, reads, frame.timestamp, arrived)

    def _rest_look(self, image: np.ndarray, rest: DetectWindow, settled: list[Box],
                   plates: list[PlateRead]) -> tuple[list[PlateRead], list[Box]]:
        """The run's plates with what the look where something has just stopped reads: a plate the run read too
        keeps the surer read (`_look` leaves plates on settled tracks unread); and the boxes only that look found."""
        arrived = []
        for closer in self._look(image, rest, settled, [], [])[0]:
            same = [p for p in plates if iou(p.box, closer.box) >= self._same_box_iou]
            if any(p.confidence >= closer.confidence for p in same):
                continue
            plates = [p for p in plates if p not in same] + [closer]
            if not same:
                arrived.append(closer.box)
        return plates, arrived

    def _look(self, image: np.ndarray, window: DetectWindow, settled: list[Box], boxes: list[Box],
              reads: list[Optional[Sighting]]) -> tuple[list[PlateRead], list[Box]]:
        """The plates read in one window, and the candidates that held none; candidates on settled tracks are
        not read (their boxes go to `boxes`, with no read)."""
        with self._perf.stage("detect"):
            found = self._detect(image, window)
        fresh = []
        for detection in found:
            if any(iou(detection.box, box) >= self._same_box_iou for box in settled):
                boxes.append(detection.box)
                reads.append(None)
            else:
                fresh.append(detection)
        with self._perf.stage("ocr"):
            plates = self._reader.read_detections(image, fresh) if fresh else []
        unread = [d.box for d in fresh if not any(iou(d.box, p.box) > 0 for p in plates)]
        return plates, unread

    def _detect(self, image: np.ndarray, window: DetectWindow) -> list:
        """Plate candidates in the window (outside the lane's polygon blanked), in the picture's pixels."""
        height, width = image.shape[:2]
        box = window.box
        if box == (0, 0, width, height) and is_rectangle(self._region):  # a polygon touching every edge is cut
            return self._reader.detect(image, window.side)
        part = crop(image, box)
        if not is_rectangle(self._region):
            inside = np.zeros(part.shape[:2], np.uint8)
            cv2.fillPoly(inside, [np.array(region_points(self._region, box, width, height), np.int32)], 255)
            part = cv2.bitwise_and(part, part, mask=inside)
        region = region_box(self._region, width, height)
        found = [d.moved(box[0], box[1]) for d in self._reader.detector.detect(part, window.side)]
        return self._reader.unmasked([d for d in found if not cut_by_window(d.box, box, region)], width, height)
