"""A throw-away Mosquitto broker (Debian's `mosquitto`) on 127.0.0.1, and a subscriber that keeps what it gets.

The broker runs from a config file in a temporary folder, on a free port, with persistence in that
folder, so it can be stopped and started again with the subscriber's session (and the messages queued
for it) intact. Never a system service.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional

from pg_server import free_port

MOSQUITTO = shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto",) if Path(p).exists()), None)


class Broker:
    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "mosquitto.conf"
        lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true", "persistence true",
                 f"persistence_location {folder}/", f"log_dest file {folder / 'mosquitto.log'}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            lines.append("user root")  # else it drops to the `mosquitto` user, who cannot write the folder
        self.config.write_text("\n".join(lines) + "\n")
        self._process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> "Broker":
        self._process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start: " + (self.folder / "mosquitto.log").read_text())

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # saves the sessions and their queued messages
            self._process.wait(timeout=10)
        self._process = None


class Subscriber:
    """Subscribes to everything with a persistent session (QoS 1), and keeps each message in arrival order."""

    def __init__(self, port: int, topics=("#",)):
        import paho.mqtt.client as mqtt

        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="securex-test-witness",
                                   clean_session=False)
        self._client.on_connect = lambda c, u, f, rc, p: [c.subscribe(t, qos=1) for t in topics]
        self._client.on_message = self._got
        self._client.reconnect_delay_set(1, 1)
        self._client.connect_async("127.0.0.1", port, 30)
        self._client.loop_start()

    def _got(self, client, userdata, message) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload, bool(message.retain)))

    def on(self, topic: str) -> list[bytes]:
        with self._lock:
            return [payload for t, payload, _ in self.messages if t == topic]

    def events(self, topic: str) -> list[dict]:
        return [json.loads(payload) for payload in self.on(topic)]

    def wait_connected(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not self._client.is_connected():
            if time.monotonic() > deadline:
                raise RuntimeError("the test subscriber could not connect")
            time.sleep(0.05)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
