"""Performance monitor: rolling frames per second and time spent in each pipeline stage."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from contextlib import contextmanager
from typing import Iterator

STAGES = ("capture", "detect", "ocr", "track", "store", "draw")


class PerfMonitor:
    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._frame_times: deque[float] = deque()
        self._recent: dict[str, deque[tuple[float, float]]] = defaultdict(deque)
        self._totals: dict[str, float] = defaultdict(float)
        self._counts: dict[str, int] = defaultdict(int)
        self.started = time.monotonic()
        self.frames = 0
        self._nesting = threading.local()
        self._lock = threading.Lock()  # workers add stage times while the window reads them

    def frame_done(self) -> None:
        now = time.monotonic()
        self.frames += 1
        self._frame_times.append(now)
        while self._frame_times and now - self._frame_times[0] > self._window:
            self._frame_times.popleft()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; a stage timed inside another is not counted twice (the outer one excludes it)."""
        stack = self._nesting.__dict__.setdefault("inner", [])
        stack.append(0.0)
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            inner = stack.pop()
            if stack:
                stack[-1] += spent
            self.add(name, spent - inner)

    def add(self, name: str, seconds: float) -> None:
        """Record time spent in a stage (also for work timed in another thread)."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent[name]
            recent.append((now, seconds))
            while recent and now - recent[0][0] > self._window:
                recent.popleft()
            self._totals[name] += seconds
            self._counts[name] += 1

    @property
    def fps(self) -> float:
        if len(self._frame_times) < 2:
            return 0.0
        span = self._frame_times[-1] - self._frame_times[0]
        return (len(self._frame_times) - 1) / span if span > 0 else 0.0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def average_fps(self) -> float:
        return self.frames / self.elapsed if self.elapsed > 0 else 0.0

    def recent_ms(self) -> dict[str, float]:
        """Mean ms per call of each stage over the rolling window."""
        with self._lock:
            return {name: 1000 * sum(s for _, s in self._recent[name]) / len(self._recent[name])
                    for name in STAGES if self._recent.get(name)}

    def mean_ms(self) -> dict[str, float]:
        """Mean ms per call of each stage over the whole run."""
        with self._lock:
            return {name: 1000 * self._totals[name] / self._counts[name] for name in STAGES if self._counts.get(name)}
