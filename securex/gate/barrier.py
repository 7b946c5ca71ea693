"""The barrier of this lane: opened for the list standings BARRIER names, or by the guard (key O).

Opening goes straight to the barrier (an MQTT message, an HTTP call or a program), not through the
outbox: a barrier must open while the car is there, also when the database is down, and never minutes
later. A failed try is repeated every second for BARRIER_TRY_SECONDS; then the guard is told to open
it by hand. Opening runs in a thread of its own, so the picture never waits for the barrier.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from securex.gate.alerts import run_program
from securex.gate.events import barrier_opens
from securex.gate.receivers import DeliveryError
from securex.gate.webhook import http_call

log = logging.getLogger(__name__)
BARRIER_TRY_SECONDS = 10.0  # after this a barrier that would not open is given up (the car is still waiting)


class Barrier:
    def __init__(self, rule: Optional[dict], lane: str, mqtt, timeout_seconds: float):
        self._rule, self.lane, self._mqtt, self._timeout = rule, lane, mqtt, timeout_seconds
        self._open_for = list(rule.get("open_for", ["allowed"])) if rule else []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="barrier") if rule else None
        self.opened = 0  # times it was told to open this session
        self.failed = 0  # times it could not be opened

    @property
    def configured(self) -> bool:
        return self._rule is not None

    def opens_for(self, status: str) -> bool:
        return self.configured and barrier_opens(self._open_for, status)

    def open(self, plate: str, status: str, why: str) -> None:
        """Open it now (in the background); `why` says who asked, for the log."""
        if self._pool is not None:
            self._pool.submit(self._open, plate, status, why, time.monotonic() + BARRIER_TRY_SECONDS)

    def _open(self, plate: str, status: str, why: str, deadline: float) -> None:
        """Try until `deadline`, counted from when it was asked for: an open that waited behind another that
        would not go through is given up with it, never done after the car has gone."""
        while True:
            if time.monotonic() >= deadline:
                self.failed += 1
                log.error("Barrier of %s could not be opened for %s (%s) in time: open it by hand and check "
                          "BARRIER in config.py", self.lane, plate or "no plate", why)
                return
            try:
                self._act(plate, status)
                self.opened += 1
                log.info("Barrier of %s opened for %s (%s)", self.lane, plate or "no plate", why)
                return
            except DeliveryError as exc:
                log.warning("Barrier of %s not opened for %s yet (%s): trying again", self.lane, plate or "no plate",
                            exc)
                time.sleep(1.0)

    def _act(self, plate: str, status: str) -> None:
        rule = self._rule
        if "mqtt" in rule:
            if self._mqtt is None:
                raise DeliveryError("no MQTT connection (MQTT_URL)")
            how = rule["mqtt"]
            self._mqtt.publish(how["topic"], str(how.get("payload", "")), retain=False)
        elif "http" in rule:
            how = rule["http"]
            http_call(how["url"], str(how.get("method", "POST")).upper(), str(how.get("body", "")).encode("utf-8"),
                      {}, self._timeout)
        elif not run_program([*rule["command"], plate, status or "none"], self._timeout, "Barrier command",
                             "fix BARRIER in config.py"):
            raise DeliveryError("the barrier command failed")

    def close(self) -> None:
        """Stop: opens not started yet are dropped (nobody is at the gate to drive through)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
