"""The alert command: a program of the site's choosing run for each decided plate (open a barrier,
send a message), with the plate and its list status as arguments.

Never through a shell (plate text cannot inject a command), with a timeout, and in a small pool
of its own so a slow or hanging command never holds up the picture.
"""

from __future__ import annotations

import logging
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

log = logging.getLogger(__name__)
ALERT_THREADS = 2  # alert commands that may run at once


class AlertCommand:
    def __init__(self, command: Optional[Sequence[str]], timeout_seconds: float):
        self._command = list(command) if command else []
        self._timeout = timeout_seconds
        self._pool = ThreadPoolExecutor(max_workers=ALERT_THREADS, thread_name_prefix="alert") if command else None

    def notify(self, plate: str, status: str) -> None:
        if self._pool is not None:
            self._pool.submit(self._run, plate, status)

    def _run(self, plate: str, status: str) -> None:
        arguments = [*self._command, plate, status]
        try:
            result = subprocess.run(arguments, capture_output=True, text=True, timeout=self._timeout, shell=False)
        except subprocess.TimeoutExpired:
            log.warning("Alert command for %s took longer than %.0f s and was stopped", plate, self._timeout)
            return
        except OSError as exc:
            log.error("Alert command %s cannot be run (%s): fix ALERT_COMMAND in config.py",
                      self._command[0], exc.strerror or exc)
            return
        if result.returncode != 0:
            log.warning("Alert command for %s ended with code %d: %s", plate, result.returncode,
                        (result.stderr or result.stdout).strip()[:200])

    def close(self) -> None:
        """Wait for running commands (each is bounded by the timeout)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
