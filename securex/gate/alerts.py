"""The alert command: a program of the site's choosing run for each decided plate (open a barrier,
send a message), with the plate and its list status as arguments.

Never through a shell (plate text cannot inject a command), with a timeout, and in a small pool
of its own so a slow or hanging command never holds up the picture. Each command runs in a process
group of its own, and a command that times out is stopped with everything it started.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence

log = logging.getLogger(__name__)
ALERT_THREADS = 2  # alert commands that may run at once
REAP_SECONDS = 5.0  # how long a stopped command's group may take to go
WINDOWS = sys.platform == "win32"


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
            process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       shell=False, **own_process_group())
        except OSError as exc:
            log.error("Alert command %s cannot be run (%s): fix ALERT_COMMAND in config.py",
                      self._command[0], exc.strerror or exc)
            return
        try:
            stdout, stderr = process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            stop_process_group(process)
            log.warning("Alert command for %s took longer than %.0f s and was stopped", plate, self._timeout)
            return
        if process.returncode != 0:
            log.warning("Alert command for %s ended with code %d: %s", plate, process.returncode,
                        (stderr or stdout).strip()[:200])

    def close(self) -> None:
        """Wait for running commands (each is bounded by the timeout)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def own_process_group() -> dict:
    """Popen arguments that start a command in a process group of its own (POSIX: a new session)."""
    if WINDOWS:
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def stop_process_group(process: subprocess.Popen) -> None:
    """Kill the command and every process it started (its group), then reap it."""
    try:
        if WINDOWS:
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True,
                           timeout=REAP_SECONDS)
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
    try:
        process.communicate(timeout=REAP_SECONDS)
    except subprocess.TimeoutExpired:
        log.warning("Alert command (process %d) could not be stopped", process.pid)
