"""`run`: the gate loop on its lanes (cameras, video files or streams), with or without the window."""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass
from typing import Optional

from securex.config import Config, ConfigError, changed
from securex.config.lanes import LaneConfig
from securex.core.errors import EXIT_OK, SecureXError
from securex.gate.app import GateApp, StopSignal
from securex.gate.lanes import barrier_lane_problem, lanes_to_run
from securex.pipeline.factory import build_reader
from securex.records.storage import RecordStore
from securex.ui.screen import Screen
from securex.ui.window import DisplayError, Window, check_display
from securex.video.capture import VideoSource, parse_source


@dataclass(frozen=True)
class RunOptions:
    """How this run is made, from the command line only."""

    source: Optional[str] = None  # None: the configured camera
    headless: bool = False
    realtime: bool = False
    loops: int = 1
    lanes: tuple[LaneConfig, ...] = ()  # --lane options: these lanes instead of LANES


def run_command(config: Config, options: RunOptions) -> int:
    camera = config.camera
    lanes = lanes_to_run(camera.lanes, options.lanes, options.source, camera.index, config.events.lane_name)
    problem = barrier_lane_problem(config.events.barrier, lanes, camera.lanes)
    if problem is not None:
        raise ConfigError(problem)
    if not options.headless:
        check_display()
    config = changed(config, LANES=lanes)
    sources: list[VideoSource] = []
    try:
        for lane in lanes:
            sources.append(VideoSource(parse_source(lane.source), camera.width, camera.height, camera.fps,
                                       options.realtime, camera.reconnect_max_seconds, options.loops))
    except SecureXError:
        _close(sources)
        raise
    reader = build_reader(config)
    store = RecordStore.open(config.storage)
    window = None
    if not options.headless:
        try:
            window = Window(config.window.title)
        except DisplayError:
            store.close()
            raise
    progress = _progress_bar(sources) if options.headless else None
    screen_of = (lambda perf: Screen(window, config.window.show_engineer_info, perf)) if window else None
    app = GateApp(config, reader, store, [source.start() for source in sources], screen_of, progress)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        summary = app.run()
    finally:
        _close(sources)
        if window is not None:
            window.close()
        store.close()
        if progress is not None:
            progress.close()
    print("\n".join(summary.lines()))
    return EXIT_OK


def _close(sources: list[VideoSource]) -> None:
    for source in sources:
        source.close()


def _stop_on_sigterm(signum, frame) -> None:
    raise StopSignal(signal.Signals(signum).name)


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
