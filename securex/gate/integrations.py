"""The gate's ties to the outside: its events into the outbox and out to the receivers, and the barrier."""

from __future__ import annotations

import logging
import time
from typing import Optional

from securex.config import Config
from securex.core.domain import Event
from securex.gate.barrier import Barrier
from securex.gate.delivery import Sender
from securex.gate.events import EventMaker
from securex.gate.receivers import Wiring, build_receivers
from securex.records.outbox import Outbox
from securex.records.storage import RecordStore, StorageError
from securex.video.tracking import Track

log = logging.getLogger(__name__)


def wiring_of(config: Config, mqtt: Optional[object] = None) -> Wiring:
    return Wiring(config.events, config.alerts, config.storage.images_dir, mqtt)


class Integrations:
    def __init__(self, config: Config, store: RecordStore):
        e = config.events
        self._store = store
        self.events = EventMaker(store.gate, e.lane_name, e.operator_name)
        self.mqtt = None
        if e.mqtt_url:
            from securex.gate.mqtt import MqttLink

            self.mqtt = MqttLink(e.mqtt_url, e.mqtt_topic_prefix, store.gate, e.lane_name, e.discovery_prefix,
                                 e.timeout_seconds, e.retry_max_seconds)
        self.sender = Sender(Outbox(store.db, store.gate), build_receivers(wiring_of(config, self.mqtt)),
                             e.retry_max_seconds).start()
        self.barrier = Barrier(e.barrier.get(e.lane_name), e.lane_name, self.mqtt, e.timeout_seconds)
        self._signal_lost = False

    def visited(self, track: Track) -> Event:
        """A new vehicle visit: its event, and the barrier opened when its standing opens it."""
        decision, winner = track.decision, track.winner
        status = decision.status if decision else ""
        if self.barrier.opens_for(status):
            self.barrier.open(winner.read.text, status, status or "no list in use")
        return self.events.visit(winner.read.text, winner.read.confidence, status, decision.note if decision else "",
                                 winner.at)

    def manual_open(self, track: Optional[Track]) -> Optional[Event]:
        """The guard pressed O: open the barrier for the plate on screen; the event of it (None: no barrier)."""
        if not self.barrier.configured:
            log.warning("No barrier for %s: set BARRIER in config.py", self.barrier.lane)
            return None
        winner = track.winner if track is not None else None
        plate = winner.read.text if winner else ""
        status = track.decision.status if track is not None and track.decision else ""
        self.barrier.open(plate, status, f"by hand, {self.events.operator}")
        return self.events.manual_open(plate, winner.read.confidence if winner else None, status, time.time())

    def camera(self, signal_lost: bool, source: str) -> None:
        """The camera's signal went or came back: an event each time."""
        if signal_lost != self._signal_lost:
            self._signal_lost = signal_lost
            self.keep(self.events.camera(signal_lost, source, time.time()))

    def keep(self, event: Event) -> None:
        """Store an event that has no record of its own, for the receivers."""
        try:
            self._store.add_event(event)
        except StorageError as exc:
            log.error("%s: free disk space", exc)
        self.sender.wake()

    @property
    def waiting(self) -> int:
        return self.sender.waiting

    def close(self) -> None:
        self.barrier.close()
        self.sender.close()
        if self.mqtt is not None:
            self.mqtt.close()
