"""`run`: the gate loop on its lanes (cameras, video files or streams), with or without the window."""

from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass, field
from typing import Optional

from securex.config import Config, ConfigError, changed
from securex.config.lanes import LaneConfig
from securex.core.errors import EXIT_OK
from securex.gate.app import GateApp, stop_name
from securex.gate.lanes import barrier_lane_problem, lanes_to_run
from securex.gate.summary import Summary
from securex.pipeline.factory import build_reader
from securex.records.storage import RecordStore
from securex.ui.screen import Screen
from securex.ui.window import Window, check_display
from securex.video.capture import VideoSource, parse_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """How this run is made, from the command line only."""

    source: Optional[str] = None  # None: the configured camera
    headless: bool = False
    realtime: bool = False
    loops: int = 1
    lanes: tuple[LaneConfig, ...] = ()  # --lane options: these lanes instead of LANES


def run_command(config: Config, options: RunOptions) -> int:
    """The gate until every file ends or it is stopped (Ctrl-C, SIGTERM: see main). A stop while it starts, or a
    second one while it stops (writing what waits can take a while), ends it at once: records already kept stay
    kept (the database, the journal), what still waits is written at the next start."""
    camera = config.camera
    lanes = lanes_to_run(camera.lanes, options.lanes, options.source, camera.index, config.events.lane_name)
    problem = barrier_lane_problem(config.events.barrier, lanes, camera.lanes)
    if problem is not None:
        raise ConfigError(problem)
    if not options.headless:
        check_display()
    running = _Running()
    try:
        summary = _run(changed(config, LANES=lanes), options, running)
    except KeyboardInterrupt as stop:
        _stop_at_once(running, stop)
        return EXIT_OK
    print("\n".join(summary.lines()))
    return EXIT_OK


@dataclass
class _Running:
    """What a run has opened so far, closed in order (each part once)."""

    sources: list[VideoSource] = field(default_factory=list)
    store: Optional[RecordStore] = None
    window: Optional[Window] = None
    progress: Optional["_ProgressBar"] = None
    app: Optional[GateApp] = None

    def close(self) -> None:
        while self.sources:
            self.sources[-1].close()
            self.sources.pop()
        if self.window is not None:
            self.window.close()
            self.window = None
        if self.store is not None:
            self.store.close()  # the last attempt at writing what waits
            self.store = None
        if self.progress is not None:
            self.progress.close()
            self.progress = None


def _run(config: Config, options: RunOptions, running: _Running) -> Summary:
    camera = config.camera
    try:
        for lane in camera.lanes:
            running.sources.append(VideoSource(parse_source(lane.source), camera.width, camera.height, camera.fps,
                                               options.realtime, camera.reconnect_max_seconds, options.loops))
        reader = build_reader(config)
        running.store = RecordStore.open(config.storage)
        if not options.headless:
            running.window = Window(config.window.title)
    except Exception:
        running.close()
        raise
    running.progress = _progress_bar(running.sources) if options.headless else None
    window = running.window
    screen_of = (lambda perf: Screen(window, config.window.show_engineer_info, perf)) if window else None
    running.app = GateApp(config, reader, running.store, [source.start() for source in running.sources], screen_of,
                          running.progress)
    try:
        summary = running.app.run()  # the first stop ends the loop in order
    except Exception:
        running.close()
        raise
    running.close()  # a stop here (or in the loop's own finish) goes to _stop_at_once, not through a slow close
    return summary


def _stop_at_once(running: _Running, stop: KeyboardInterrupt) -> None:
    """End now, waiting for nothing: no third stop in the middle, no last attempt at the database; the capture,
    catch-up and delivery threads end with the process (what they were doing is safe to cut: see journal.py)."""
    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    if running.app is not None:
        running.app.abandon()
    for part in (running.progress, running.window):
        if part is not None:
            part.close()
    waiting = running.store.waiting if running.store is not None else 0
    kept = f"; {waiting} record(s) wait in {running.store.journal.path} and are written at the next start" \
        if waiting else ""
    log.warning("Stopped at once by %s while %s%s", stop_name(stop), "stopping" if running.app else "starting",
                kept)


class _ProgressBar:
    """tqdm bar for a video file in a terminal: frames, frames/s and plates saved so far."""

    def __init__(self, total: int):
        from tqdm import tqdm

        self._bar = tqdm(total=total or None, unit="frame", dynamic_ncols=True, file=sys.stderr)
        self._last = -1

    def __call__(self, index: int, saved: int) -> None:
        self._bar.update(index - self._last)
        self._last = index
        self._bar.set_postfix(plates=saved, refresh=False)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(sources: list[VideoSource]) -> Optional[_ProgressBar]:
    if any(source.is_live for source in sources) or not sys.stderr.isatty():
        return None
    return _ProgressBar(sum(source.frame_count for source in sources))
