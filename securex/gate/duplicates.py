"""The duplicate manager: one record per plate within a time window of source time."""

from __future__ import annotations


class DuplicateManager:
    def __init__(self, window_seconds: float):
        self._window = window_seconds
        self._last_saved: dict[str, float] = {}

    def is_duplicate(self, plate: str, at: float) -> bool:
        """True when `plate` was recorded less than the window before `at` (seconds)."""
        last = self._last_saved.get(plate)
        return last is not None and 0 <= at - last < self._window

    def mark_saved(self, plate: str, at: float) -> None:
        self._last_saved[plate] = at
        self._forget_before(at - self._window)

    def _forget_before(self, cutoff: float) -> None:
        """Drop plates whose window has passed, so a long run keeps this small."""
        for plate in [p for p, t in self._last_saved.items() if t < cutoff]:
            del self._last_saved[plate]
