"""The kinds of event receivers, in one registry: which settings turn each on and how it is built.

A receiver takes one event (a dict, as stored in the outbox) and returns once the other side has it,
or raises DeliveryError with one plain line; the outbox then keeps the event and tries again later.
`name` identifies it in the outbox (its delivery cursor) and in `events --pending`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Protocol

from securex.config import AlertConfig, EventsConfig
from securex.core.urls import hide_password


class DeliveryError(Exception):
    """An event did not reach its receiver; the message says why in one line."""


class Receiver(Protocol):
    name: str

    def deliver(self, event: dict) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Wiring:
    """What receivers are built from: their settings, where the plate photos are, the MQTT connection."""

    events: EventsConfig
    alerts: AlertConfig
    images_dir: Path
    mqtt: Optional[object] = None  # the MqttLink when MQTT_URL is set (not needed to name the receivers)


@dataclass(frozen=True)
class ReceiverKind:
    names: Callable[[Wiring], list[str]]  # the receivers of this kind the settings ask for, by name
    build: Callable[[Wiring, str], Receiver]


def _mqtt(wiring: Wiring, name: str) -> Receiver:
    from securex.gate.mqtt import MqttReceiver

    return MqttReceiver(wiring.mqtt)


def _webhook(wiring: Wiring, name: str) -> Receiver:
    from securex.gate.webhook import WebhookReceiver

    url = next(u for u in wiring.events.webhook_urls if webhook_name(u) == name)
    e = wiring.events
    return WebhookReceiver(name, url, e.webhook_secret, e.webhook_send_image, wiring.images_dir, e.timeout_seconds)


def _command(wiring: Wiring, name: str) -> Receiver:
    from securex.gate.alerts import CommandReceiver

    return CommandReceiver(wiring.alerts.command, wiring.alerts.timeout_seconds)


def webhook_name(url: str) -> str:
    """A webhook's name in the outbox: its URL without a password (the same URL keeps its place)."""
    return f"webhook {hide_password(url)}"


RECEIVERS: dict[str, ReceiverKind] = {
    "mqtt": ReceiverKind(lambda w: ["mqtt"] if w.events.mqtt_url else [], _mqtt),
    "webhook": ReceiverKind(lambda w: [webhook_name(u) for u in dict.fromkeys(w.events.webhook_urls)], _webhook),
    "command": ReceiverKind(lambda w: ["command"] if w.alerts.command else [], _command),
}


def receiver_names(wiring: Wiring) -> list[str]:
    """Every receiver the settings ask for, by name (what `events --pending` looks at)."""
    return [name for kind in RECEIVERS.values() for name in kind.names(wiring)]


def build_receivers(wiring: Wiring) -> list[Receiver]:
    return [kind.build(wiring, name) for kind in RECEIVERS.values() for name in kind.names(wiring)]
