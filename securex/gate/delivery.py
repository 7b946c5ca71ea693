"""The sender: delivers the outbox to each receiver, oldest event first, in a thread per receiver.

An event goes to a receiver at least once and in order: the receiver's cursor in the database moves on
only after it confirmed, and a failed delivery is tried again (1 s, then twice as long each time, up to
DELIVERY_RETRY_MAX_SECONDS) before any later event. One receiver that is down holds up no other, and
never the gate loop. Events still waiting when SecureX stops are sent at the next start.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Sequence

from securex.gate.events import retry_delay
from securex.gate.receivers import DeliveryError, Receiver
from securex.records.outbox import Outbox

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0  # how often the outbox is looked at without being woken (events written by the catch-up)
CLOSE_GRACE_SECONDS = 10.0  # on stopping, how long to go on sending to receivers that work


class Sender:
    def __init__(self, outbox: Outbox, receivers: Sequence[Receiver], retry_max_seconds: float):
        self._outbox, self._receivers, self._retry_max = outbox, list(receivers), retry_max_seconds
        self._stop = threading.Event()
        self._wake = {r.name: threading.Event() for r in self._receivers}
        self.backlog = {r.name: 0 for r in self._receivers}  # events waiting per receiver (last looked at)
        self.failing = {r.name: False for r in self._receivers}
        self._looked = {r.name: 0 for r in self._receivers}  # times each thread has read the outbox
        self._threads = [threading.Thread(target=self._run, args=(r,), name=f"events-{r.name}", daemon=True)
                         for r in self._receivers]

    def start(self) -> "Sender":
        for thread in self._threads:
            thread.start()
        return self

    def wake(self) -> None:
        """New events are in the outbox."""
        for event in self._wake.values():
            event.set()

    @property
    def waiting(self) -> int:
        """Events some receiver has not confirmed yet (the largest backlog)."""
        return max(self.backlog.values(), default=0)

    def _run(self, receiver: Receiver) -> None:
        name, joined, attempts = receiver.name, False, 0
        while not self._stop.is_set():
            try:
                if not joined:
                    self._outbox.join(name)
                    joined = True
                batch = self._outbox.waiting(name)
                self.backlog[name] = len(batch) if len(batch) < 50 else self._outbox.count_waiting(name)
                self._looked[name] += 1
            except Exception as exc:  # the database is down: the events are safe in it (or in the journal)
                log.debug("Outbox not readable for %s: %s", name, exc)
                attempts += 1
                self._stop.wait(retry_delay(attempts, self._retry_max))
                continue
            attempts = 0
            if not batch:
                self._wake[name].wait(POLL_SECONDS)
                self._wake[name].clear()
                continue
            for item in batch:
                if self._stop.is_set() or not self._deliver(receiver, item.row, item.body):
                    break

    def _deliver(self, receiver: Receiver, row: int, event: dict) -> bool:
        """Deliver one event and move the cursor on; False (after waiting the back-off) when it failed."""
        name = receiver.name
        try:
            receiver.deliver(event)
        except Exception as exc:  # DeliveryError, or a fault of ours: the event waits either way
            reason = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            try:
                attempts = self._outbox.failed(name, reason)
            except Exception:
                attempts = 1
            if not self.failing[name]:
                log.warning("Events not delivered to %s: %s. They wait in the database and are sent, in order, "
                            "when it works (python main.py events --failed)", name, reason)
            self.failing[name] = True
            self._stop.wait(retry_delay(attempts, self._retry_max))
            return False
        try:
            self._outbox.sent(name, row)
        except Exception as exc:  # delivered but not marked: it is sent again later (receivers de-duplicate)
            log.warning("Event %s delivered to %s but not marked sent (%s)", event.get("event_id"), name, exc)
            return False
        if self.failing[name]:
            log.warning("Events reach %s again", name)
        self.failing[name] = False
        self.backlog[name] = max(0, self.backlog[name] - 1)
        return True

    def close(self) -> None:
        """Go on sending for a few seconds to receivers that work, then stop; what waits is sent at the next start."""
        looked = dict(self._looked)
        self.wake()
        deadline = time.monotonic() + CLOSE_GRACE_SECONDS
        while time.monotonic() < deadline and any(
                not self.failing[n] and (self._looked[n] == looked[n] or self.backlog[n]) for n in self.backlog):
            time.sleep(0.05)
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout=30)
        for receiver in self._receivers:
            receiver.close()
        for name, count in self.backlog.items():
            if count:
                log.warning("%d event(s) wait for %s: they are sent at the next start", count, name)
