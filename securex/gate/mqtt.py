"""MQTT: one connection to the site's broker (paho-mqtt), for the events and for a barrier driven by MQTT.

Topics (PREFIX = MQTT_TOPIC_PREFIX): every event on PREFIX/GATE/events (QoS 1); per lane the last plate
(JSON, retained) on PREFIX/GATE/LANE/last, ON/OFF (retained) on PREFIX/GATE/LANE/flagged, and
online/offline (retained) on PREFIX/GATE/LANE/status; the first lane's offline is also the broker's last
will (one per connection). With Home Assistant discovery on, every lane is announced as a sensor (last
plate) and a binary sensor (flagged vehicle) of a device of its own, so it appears in Home Assistant
without any YAML; a lane other than the first is available while its status and the first lane's are
both online, so a SecureX that was killed shows every lane unavailable.

The connection is made and kept in paho's own thread (reconnecting after 1 s, then waiting longer each
time up to DELIVERY_RETRY_MAX_SECONDS). A message
counts as delivered when the broker confirmed it (PUBACK); a message paho still holds from an earlier
try is waited for, never published twice.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Optional
from urllib.parse import unquote, urlsplit

from securex import __version__
from securex.core.urls import hide_password
from securex.gate.events import lane_state
from securex.gate.receivers import DeliveryError

log = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 30


def topic_id(text: str) -> str:
    """Text usable in a discovery topic and a Home Assistant unique id: letters, digits, _ and -."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def discovery_messages(discovery_prefix: str, prefix: str, gate: str, lane: str,
                       process_status: Optional[str] = None) -> dict[str, dict]:
    """Home Assistant MQTT discovery: config topic -> payload, for the lane's sensor and binary sensor.
    `process_status`: the status topic that carries the broker's last will, when it is another lane's (one
    SecureX, several lanes): the lane is then available only while both say online."""
    base, node = f"{prefix}/{gate}/{lane}", topic_id(f"securex_{gate}_{lane}")
    device = {"identifiers": [node], "name": f"SecureX {gate} {lane}", "manufacturer": "SecureX",
              "model": "Number plate recognition lane", "sw_version": __version__}
    available = {"payload_available": "online", "payload_not_available": "offline"}
    if process_status and process_status != f"{base}/status":
        availability = {"availability": [{"topic": process_status, **available},
                                         {"topic": f"{base}/status", **available}], "availability_mode": "all"}
    else:
        availability = {"availability_topic": f"{base}/status", **available}
    common = {**availability, "device": device, "origin": {"name": "SecureX", "sw_version": __version__}}
    sensor = {**common, "name": "Last plate", "unique_id": f"{node}_last_plate", "state_topic": f"{base}/last",
              "value_template": "{{ value_json.plate }}", "json_attributes_topic": f"{base}/last",
              "icon": "mdi:car"}
    flagged = {**common, "name": "Flagged vehicle", "unique_id": f"{node}_flagged", "state_topic": f"{base}/flagged",
               "payload_on": "ON", "payload_off": "OFF", "device_class": "problem"}
    return {f"{discovery_prefix}/sensor/{node}/last_plate/config": sensor,
            f"{discovery_prefix}/binary_sensor/{node}/flagged/config": flagged}


class MqttLink:
    def __init__(self, url: str, prefix: str, gate: str, lanes: list[str], discovery_prefix: Optional[str],
                 timeout_seconds: float, retry_max_seconds: float):
        """`lanes`: every lane of this run; the first one's status topic carries the broker's last will."""
        import paho.mqtt.client as mqtt

        self._mqtt, self.label, self._timeout = mqtt, hide_password(url), timeout_seconds
        self.prefix, self.gate = prefix.strip("/"), gate
        self.status_topics = [f"{self.prefix}/{gate}/{lane}/status" for lane in lanes]
        self.status_topic, lane = self.status_topics[0], lanes[0]
        self._discovery = {topic: payload for name in lanes for topic, payload in discovery_messages(
            discovery_prefix.strip("/"), self.prefix, gate, name, self.status_topic).items()} \
            if discovery_prefix else {}
        parts = urlsplit(url)
        tls = parts.scheme == "mqtts"
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=topic_id(f"securex-{gate}-{lane}"),
                                   protocol=mqtt.MQTTv311, clean_session=True)
        if parts.username:
            self._client.username_pw_set(unquote(parts.username), unquote(parts.password or "") or None)
        if tls:
            self._client.tls_set()
        self._client.will_set(self.status_topic, "offline", qos=1, retain=True)
        self._client.on_connect, self._client.on_disconnect = self._connected, self._disconnected
        self._client.on_connect_fail = self._connect_failed
        self._client.reconnect_delay_set(1, max(1, int(retry_max_seconds)))
        self._inflight: dict[str, object] = {}  # message key -> paho's MQTTMessageInfo, until confirmed
        self._lock = threading.Lock()
        self._up = threading.Event()  # connected (set by paho's thread)
        self._down_said = self._closing = False
        self._client.connect_async(parts.hostname or "localhost", parts.port or (8883 if tls else 1883),
                                   KEEPALIVE_SECONDS)
        self._client.loop_start()

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._say_down(f"refused the connection ({reason_code}): check the user and password in MQTT_URL")
            return
        log.info("Connected to the MQTT broker %s", self.label)
        self._down_said = False
        self._up.set()
        for status in self.status_topics:
            client.publish(status, "online", qos=1, retain=True)
        for topic, payload in self._discovery.items():
            client.publish(topic, json.dumps(payload), qos=1, retain=True)

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        self._up.clear()
        if not self._closing:
            self._say_down(f"disconnected ({reason_code})")

    def _connect_failed(self, client, userdata) -> None:
        self._say_down("not reachable")

    def _say_down(self, why: str) -> None:
        if not self._down_said:
            self._down_said = True
            log.warning("MQTT broker %s %s: events wait and are sent when it is back", self.label, why)

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def publish(self, topic: str, payload: str, retain: bool = False, key: Optional[str] = None) -> None:
        """Publish with QoS 1 and wait for the broker's confirmation; DeliveryError when it does not come.
        A message with a `key` that paho still holds from an earlier try is waited for, not sent again."""
        key = key or f"{topic}\n{payload}"
        with self._lock:
            info = self._inflight.get(key)
            if info is None:
                if not self._up.wait(self._timeout):  # e.g. just started: the connection is being made
                    raise DeliveryError(f"MQTT broker {self.label} not connected")
                info = self._client.publish(topic, payload, qos=1, retain=retain)
                if info.rc == self._mqtt.MQTT_ERR_NO_CONN:  # it dropped just now: paho keeps it for the reconnect
                    info.rc = self._mqtt.MQTT_ERR_SUCCESS
                elif info.rc != self._mqtt.MQTT_ERR_SUCCESS:
                    raise DeliveryError(f"MQTT broker {self.label}: {self._mqtt.error_string(info.rc)}")
                self._inflight[key] = info
        if self.connected:
            info.wait_for_publish(self._timeout)
        if not info.is_published():
            raise DeliveryError(f"MQTT broker {self.label} did not confirm within {self._timeout:.0f} s")
        with self._lock:
            self._inflight.pop(key, None)

    def close(self) -> None:
        """Say offline (retained) for every lane and disconnect; the broker's last will says it (on the first
        lane's status, which every lane's Home Assistant entities follow) when SecureX is killed."""
        self._closing = True
        if self.connected:
            for info in [self._client.publish(status, "offline", qos=1, retain=True) for status in self.status_topics]:
                info.wait_for_publish(self._timeout)
        self._client.disconnect()
        self._client.loop_stop()


class MqttReceiver:
    """Events to MQTT: the lane's retained state first, then the event itself (so a retry repeats only the
    retained state, which is harmless)."""

    name = "mqtt"

    def __init__(self, link: MqttLink):
        self._link = link

    def deliver(self, event: dict) -> None:
        key = event["event_id"]
        state = lane_state(event)
        if state is not None:
            base = f"{self._link.prefix}/{event['gate']}/{event['lane']}"
            last, flagged = state
            self._link.publish(f"{base}/last", json.dumps(last), retain=True, key=f"{key}/last")
            self._link.publish(f"{base}/flagged", flagged, retain=True, key=f"{key}/flagged")
        self._link.publish(f"{self._link.prefix}/{event['gate']}/events", json.dumps(event), key=key)

    def close(self) -> None:
        """The link is closed by its owner (the barrier may use it too)."""
