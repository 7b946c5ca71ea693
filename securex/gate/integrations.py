"""The gate's ties to the outside: its events into the outbox and out to the receivers, and each lane's barrier."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
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
    def __init__(self, config: Config, store: RecordStore, lanes: list[str]):
        """`lanes`: the names of the lanes of this run (each is announced over MQTT; the first one's status is
        the process's, the broker's last will)."""
        e = config.events
        self._store = store
        self.events = {lane: EventMaker(store.gate, lane, e.operator_name) for lane in lanes}
        self.mqtt = None
        if e.mqtt_url:
            from securex.gate.mqtt import MqttLink

            self.mqtt = MqttLink(e.mqtt_url, e.mqtt_topic_prefix, store.gate, lanes, e.discovery_prefix,
                                 e.timeout_seconds, e.retry_max_seconds)
        self.sender = Sender(Outbox(store.db, store.gate), build_receivers(wiring_of(config, self.mqtt)),
                             e.retry_max_seconds).start()
        self.barriers = {lane: Barrier(e.barrier.get(lane), lane, self.mqtt, e.timeout_seconds) for lane in lanes}
        self._signal_lost = {lane: False for lane in lanes}

    def visited(self, track: Track, lane: str, direction: str) -> Event:
        """A new vehicle visit in `lane`: its event, and the lane's barrier opened when its standing opens it."""
        decision, winner = track.decision, track.winner
        status, barrier = decision.status if decision else "", self.barriers[lane]
        if barrier.opens_for(status):
            barrier.open(winner.read.text, status, status or "no list in use")
        return replace(self.events[lane].visit(winner.read.text, winner.read.confidence, status,
                                               decision.note if decision else "", winner.at), direction=direction)

    def corrected(self, track: Track, lane: str, announced: bool, in_view: bool) -> Event:
        """A recorded vehicle the rest of its visit read as another plate: the correction's event; the lane's
        barrier opened when the plate was `announced` anew, its standing opens it and the car is still in view."""
        decision, winner, earlier = track.decision, track.winner, track.record
        status, barrier = decision.status if decision else "", self.barriers[lane]
        if announced and in_view and barrier.opens_for(status):
            barrier.open(winner.read.text, status, f"{status or 'no list in use'}, corrected")
        return replace(self.events[lane].correction(winner.read.text, winner.read.confidence, status,
                                                    decision.note if decision else "", winner.at, earlier.seq,
                                                    track.recorded_plate), direction=earlier.direction,
                       announced=announced)

    def manual_open(self, track: Optional[Track], lane: str) -> Optional[Event]:
        """The guard pressed O: open the lane's barrier for the plate on screen; the event of it (None: no barrier)."""
        barrier, events = self.barriers[lane], self.events[lane]
        if not barrier.configured:
            log.warning("No barrier for %s: set BARRIER in config.py", barrier.lane)
            return None
        winner = track.winner if track is not None else None
        plate = winner.read.text if winner else ""
        status = track.decision.status if track is not None and track.decision else ""
        barrier.open(plate, status, f"by hand, {events.operator}")
        return events.manual_open(plate, winner.read.confidence if winner else None, status, time.time())

    def camera(self, signal_lost: bool, source: str, lane: str) -> None:
        """A lane's camera signal went or came back: an event each time."""
        if signal_lost != self._signal_lost[lane]:
            self._signal_lost[lane] = signal_lost
            self.keep(self.events[lane].camera(signal_lost, source, time.time()))

    @property
    def barrier_counts(self) -> tuple[int, int]:
        """Barrier openings and failed ones, over every lane."""
        barriers = self.barriers.values()
        return sum(b.opened for b in barriers), sum(b.failed for b in barriers)

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
        for barrier in self.barriers.values():
            barrier.close()
        self.sender.close()
        if self.mqtt is not None:
            self.mqtt.close()
