"""Programs of the site's choosing: the alert command, run for each decided plate (send a message, sound a
horn) with the plate and its list status as arguments and the event as JSON on its standard input, and a
barrier opened by a program.

Never through a shell (plate text cannot inject a command), with a timeout. Each program runs in a
process group of its own, and one that times out is stopped with everything it started. The alert
command is one receiver of the event outbox: it runs once per event (so once per vehicle visit), in
order, in the outbox's thread, never holding up the picture.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from typing import Sequence

from securex.gate.events import command_arguments
from securex.gate.receivers import DeliveryError

log = logging.getLogger(__name__)
REAP_SECONDS = 5.0  # how long a stopped command's group may take to go
WINDOWS = sys.platform == "win32"


def run_program(arguments: Sequence[str], timeout: float, what: str, fix: str, stdin: str = "") -> bool:
    """Run a program and wait for it (at most `timeout` seconds; then it is stopped with all it started).
    True when it ended with code 0; DeliveryError when it cannot be started at all."""
    try:
        process = subprocess.Popen(list(arguments), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, shell=False, **own_process_group())
    except OSError as exc:
        raise DeliveryError(f"{what}: {arguments[0]} cannot be run ({exc.strerror or exc}): {fix}") from None
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process_group(process)
        log.warning("%s took longer than %.0f s and was stopped", what, timeout)
        return False
    if process.returncode != 0:
        log.warning("%s ended with code %d: %s", what, process.returncode, (stderr or stdout).strip()[:200])
    return process.returncode == 0


class CommandReceiver:
    """ALERT_COMMAND as a receiver: `COMMAND PLATE STATUS` for each decided plate. A command that could not be
    started is tried again (the event waits); one that ran is not run again, whatever its exit code (it may
    have opened a barrier)."""

    name = "command"

    def __init__(self, command: Sequence[str], timeout_seconds: float):
        self._command, self._timeout = list(command), timeout_seconds

    def deliver(self, event: dict) -> None:
        arguments = command_arguments(event)
        if arguments is not None:
            run_program([*self._command, *arguments], self._timeout, f"Alert command for {arguments[0]}",
                        "fix ALERT_COMMAND in config.py", json.dumps(event))

    def close(self) -> None:
        """Nothing to release: each command is waited for."""


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
