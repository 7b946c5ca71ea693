"""Events to real receivers, started here: a Mosquitto broker on 127.0.0.1 and an HTTP receiver (http.server).

One event per visit reaches both, in order; the barrier opens for an allowed plate only; Home Assistant
discovery is announced; a broker stopped and a receiver answering 500 for 20 s lose nothing; events
pending when SecureX is killed with -9 go out at the next start; a receiver's events witness the chain.
"""

import hashlib
import hmac
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import synth
from conftest import PROJECT
from mqtt_broker import MOSQUITTO, Broker, Subscriber
from program import MAIN, securex

pytestmark = [pytest.mark.slow, pytest.mark.skipif(MOSQUITTO is None, reason="needs mosquitto (scripts/test.sh)")]
SECRET = "webhook-s3cret"
VISITS = [("ABC1234", "allowed"), ("XYZ9876", "flagged"), ("JKL5678", None)]


class Receiver:
    """A local webhook receiver: keeps each event it accepts (checking the signature); answers 500 while failing."""

    def __init__(self):
        self.events, self.refused, self.failing_until = [], 0, 0.0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if time.monotonic() < owner.failing_until:
                    owner.refused += 1
                    self.send_response(500)
                    self.end_headers()
                    return
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                assert self.headers["X-SecureX-Signature"] == expected
                event = json.loads(body)
                assert self.headers["X-SecureX-Event"] == event["event_id"]
                owner.events.append(event)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/securex"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site(tmp_path):
    broker = Broker(tmp_path / "broker").start()
    subscriber = Subscriber(broker.port)
    subscriber.wait_connected()
    receiver = Receiver()
    data = tmp_path / "data"
    config = tmp_path / "config.py"
    assert securex("new-config", config).returncode == 0
    alerts = tmp_path / "alerts.txt"
    script = tmp_path / "alert.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write(' '.join(sys.argv[2:]) + '\\n')\n")
    with open(config, "a", encoding="utf-8") as handle:
        handle.write(f"MQTT_URL = {broker.url!r}\nWEBHOOK_URLS = [{receiver.url!r}]\nWEBHOOK_SECRET = {SECRET!r}\n"
                     "DELIVERY_RETRY_MAX_SECONDS = 2.0\nDELIVERY_TIMEOUT_SECONDS = 2.0\n"
                     f"ALERT_COMMAND = [{sys.executable!r}, {str(script)!r}, {str(alerts)!r}]\n"
                     'BARRIER = {"lane-1": {"open_for": ["allowed"], "mqtt": {"topic": "site/barrier/set", '
                     '"payload": "OPEN"}}}\n')
    args = ["--data-dir", str(data), "--config", str(config)]
    for plate, kind in VISITS:
        if kind:
            assert securex("watchlist", "add", plate, "--list", kind, *args).returncode == 0
    yield broker, subscriber, receiver, args, data, alerts
    subscriber.close()
    receiver.close()
    broker.stop()


def records(data):
    database = sqlite3.connect(data / "plates.db")
    rows = database.execute("SELECT id, plate, seq, hash FROM plates ORDER BY id").fetchall()
    database.close()
    return rows


def event_count(data):
    try:
        database = sqlite3.connect(data / "plates.db")
        try:
            return database.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        finally:
            database.close()
    except sqlite3.OperationalError:
        return 0


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_a_run_tells_mqtt_webhook_and_alert_command_each_visit_once_in_order(site, tmp_path):
    broker, subscriber, receiver, args, data, alerts = site
    clip = synth.write_clip(tmp_path / "clip.avi", [(plate, 25) for plate, _ in VISITS])
    run = securex("run", "--source", clip, "--headless", *args)
    assert run.returncode == 0, run.stderr
    assert "flagged       1" in run.stdout and "barrier       opened 1 time(s)" in run.stdout
    assert "EVENTS WAITING" not in run.stdout
    rows = records(data)
    assert [r[1] for r in rows] == [plate for plate, _ in VISITS]
    topic = "securex/gate-1/events"
    assert wait_for(lambda: len(subscriber.on(topic)) >= 3, 10)
    for events in (subscriber.events(topic), receiver.events):  # each receiver: one event per visit, in order
        assert [(e["kind"], e["plate"], e["list_status"]) for e in events] == \
            [("plate", "ABC1234", "allowed"), ("plate", "XYZ9876", "flagged"), ("plate", "JKL5678", "unknown")]
        assert [(e["record_id"], e["chain_seq"], e["chain_hash"]) for e in events] == [(r[0], r[2], r[3]) for r in rows]
        assert all(e["gate"] == "gate-1" and e["lane"] == "lane-1" and e["image"].startswith("plate_") for e in events)
    assert [e["event_id"] for e in subscriber.events(topic)] == [e["event_id"] for e in receiver.events]
    # the barrier: opened for the allowed plate only; the flagged one raised the alarm
    assert subscriber.on("site/barrier/set") == [b"OPEN"]
    assert subscriber.on("securex/gate-1/lane-1/flagged") == [b"OFF", b"ON", b"OFF"]
    assert "FLAGGED vehicle XYZ9876" in run.stderr
    assert json.loads(subscriber.on("securex/gate-1/lane-1/last")[-1])["plate"] == "JKL5678"
    assert alerts.read_text().splitlines() == ["ABC1234 allowed", "XYZ9876 flagged", "JKL5678 unknown"]
    # Home Assistant discovery: a sensor and a binary sensor of one device, with the fields HA requires
    sensor = json.loads(subscriber.on("homeassistant/sensor/securex_gate-1_lane-1/last_plate/config")[0])
    flagged = json.loads(subscriber.on("homeassistant/binary_sensor/securex_gate-1_lane-1/flagged/config")[0])
    for config in (sensor, flagged):
        assert config["name"] and config["unique_id"].startswith("securex_gate-1_lane-1_")
        assert config["device"]["identifiers"] == ["securex_gate-1_lane-1"] and config["device"]["name"]
        assert config["availability_topic"] == "securex/gate-1/lane-1/status"
    assert sensor["state_topic"] == "securex/gate-1/lane-1/last" and sensor["value_template"]
    assert flagged["state_topic"] == "securex/gate-1/lane-1/flagged"
    assert (flagged["payload_on"], flagged["payload_off"]) == ("ON", "OFF")
    assert subscriber.on("securex/gate-1/lane-1/status")[-1] == b"offline"
    # the receivers' copies witness the chain; `events` shows them all sent
    witness = tmp_path / "witness.jsonl"
    witness.write_bytes(b"\n".join(subscriber.on(topic)) + b"\n")
    check = securex("verify", "--witness", witness, *args)
    assert check.returncode == 0 and "OK: 3 records, chain intact" in check.stdout, check.stdout
    assert "3 event(s) in" in check.stdout
    listed = securex("events", *args)
    assert listed.returncode == 0 and listed.stdout.count(" sent\n") == 3 and "3 event(s) shown" in listed.stdout
    pending = securex("events", "--pending", *args)
    assert "0 event(s) waiting to be sent" in pending.stdout
    database = sqlite3.connect(data / "plates.db")
    database.execute("UPDATE plates SET hash = ? WHERE seq = 2", ("0" * 64,))
    database.commit()
    database.close()
    tampered = securex("verify", "--witness", witness, *args)
    assert tampered.returncode == 1 and "chain number 2 is not the one the receiver saw" in tampered.stdout


def test_every_lane_is_announced_to_home_assistant_with_its_own_topics(site, tmp_path):
    broker, subscriber, receiver, args, data, _ = site
    entry = synth.write_clip(tmp_path / "entry.avi", [("ABC1234", 25)], drive="toward")
    exit_ = synth.write_clip(tmp_path / "exit.avi", [("XYZ9876", 25), ("JKL5678", 25)], drive="away")
    run = securex("run", "--lane", f"lane-1:in={entry}", "--lane", f"lane-2:out={exit_}", "--headless", *args)
    assert run.returncode == 0, run.stderr
    assert wait_for(lambda: len(subscriber.on("securex/gate-1/events")) >= 3, 10)
    events = subscriber.events("securex/gate-1/events")
    assert sorted((e["lane"], e["plate"], e["direction"]) for e in events) == \
        [("lane-1", "ABC1234", "in"), ("lane-2", "JKL5678", "out"), ("lane-2", "XYZ9876", "out")]
    for lane in ("lane-1", "lane-2"):
        base, node = f"securex/gate-1/{lane}", f"securex_gate-1_{lane}"
        sensor = json.loads(subscriber.on(f"homeassistant/sensor/{node}/last_plate/config")[-1])
        flagged = json.loads(subscriber.on(f"homeassistant/binary_sensor/{node}/flagged/config")[-1])
        for config in (sensor, flagged):
            assert config["device"]["identifiers"] == [node] and config["unique_id"].startswith(node + "_")
        assert sensor["state_topic"] == f"{base}/last" and flagged["state_topic"] == f"{base}/flagged"
        assert subscriber.on(f"{base}/status") == [b"online", b"offline"]
    assert sensor["availability"][0]["topic"] == "securex/gate-1/lane-1/status"  # lane-2 follows the last will too
    assert sensor["availability"][1]["topic"] == "securex/gate-1/lane-2/status"
    assert subscriber.on("securex/gate-1/lane-1/flagged") == [b"OFF"]
    assert subscriber.on("securex/gate-1/lane-2/flagged") == [b"ON", b"OFF"]
    assert json.loads(subscriber.on("securex/gate-1/lane-1/last")[-1])["plate"] == "ABC1234"
    assert json.loads(subscriber.on("securex/gate-1/lane-2/last")[-1])["plate"] == "JKL5678"
    assert subscriber.on("site/barrier/set") == [b"OPEN"]  # lane-1's barrier, for the allowed plate


def test_broker_down_and_receiver_failing_for_20_s_lose_nothing_and_repeat_nothing(site, tmp_path):
    broker, subscriber, receiver, args, data, _ = site
    plates = [f"KLM{n}{n}{n}{n}" for n in range(1, 10)]
    clip = synth.write_clip(tmp_path / "clip.avi", [(plate, 20) for plate in plates], gap=10)
    program = subprocess.Popen([*MAIN, "run", "--source", str(clip), "--realtime", "--headless", *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT)
    try:
        assert wait_for(lambda: len(receiver.events) >= 1, 60)
        broker.stop()
        receiver.failing_until = time.monotonic() + 20
        time.sleep(20)
        broker.start()
        output, errors = program.communicate(timeout=120)
    finally:
        if program.poll() is None:
            program.kill()
    assert program.returncode == 0, errors
    assert "Events not delivered to mqtt" in errors and "Events reach mqtt again" in errors
    assert receiver.refused > 0 and "answered 500" in errors
    recorded = [r[1] for r in records(data)]
    assert len(recorded) == len(plates) and event_count(data) == len(plates)
    topic = "securex/gate-1/events"
    assert wait_for(lambda: len(subscriber.on(topic)) >= len(plates), 30)
    for events in (subscriber.events(topic), receiver.events):
        ids = [e["event_id"] for e in events]
        assert len(ids) == len(set(ids)), "an event arrived twice"
        assert [e["plate"] for e in events] == recorded  # every one, in order
    assert "EVENTS WAITING" not in output


def test_a_correction_reaches_the_receivers_and_opens_the_barrier_for_a_car_still_in_view(site, tmp_path):
    broker, subscriber, receiver, args, data, alerts = site
    config = args[args.index("--config") + 1]
    with open(config, "a", encoding="utf-8") as handle:
        handle.write("WATCHLIST_MAX_DISTANCE = 0\n")  # exact matches only: AE416HE is not taken for AE410HE
    assert securex("watchlist", "add", "AE410HE", "--list", "allowed", *args).returncode == 0
    clip = synth.write_turning_clip(tmp_path / "clip.avi", "AE416HE", "AE410HE")
    run = securex("run", "--source", clip, "--headless", *args)
    assert run.returncode == 0, run.stderr
    assert "barrier       opened 1 time(s)" in run.stdout and "corrected     1 record(s)" in run.stdout
    rows = records(data)
    topic = "securex/gate-1/events"
    assert wait_for(lambda: len(subscriber.on(topic)) >= 2, 10)
    for events in (subscriber.events(topic), receiver.events):
        assert [(e["kind"], e["plate"], e["list_status"], e["corrects"], e["corrected_plate"]) for e in events] == \
            [("plate", "AE416HE", "unknown", None, ""), ("correction", "AE410HE", "allowed", rows[0][0], "AE416HE")]
        assert events[1]["record_id"] == rows[1][0]
    assert subscriber.on("site/barrier/set") == [b"OPEN"]  # for the corrected plate, while the car was in view
    assert json.loads(subscriber.on("securex/gate-1/lane-1/last")[-1])["plate"] == "AE410HE"
    assert alerts.read_text().splitlines() == ["AE416HE unknown", "AE410HE allowed"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")
def test_events_pending_at_a_kill_9_are_sent_at_the_next_start(site, tmp_path):
    broker, subscriber, receiver, args, data, _ = site
    broker.stop()
    receiver.failing_until = time.monotonic() + 3600
    plates = [f"KLM{n}{n}{n}{n}" for n in range(1, 6)]
    clip = synth.write_clip(tmp_path / "clip.avi", [(plate, 20) for plate in plates], gap=5)
    program = subprocess.Popen([*MAIN, "run", "--source", str(clip), "--realtime", "--headless", *map(str, args)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT)
    try:
        assert wait_for(lambda: event_count(data) >= 3, 90)
    finally:
        program.send_signal(signal.SIGKILL)
        program.wait(timeout=30)
    kept = [r[1] for r in records(data)]
    pending = securex("events", "--pending", *args)
    assert f"{len(kept)} event(s) waiting to be sent" in pending.stdout, pending.stdout
    assert "waiting for mqtt, webhook http://127.0.0.1" in pending.stdout
    failed = securex("events", "--failed", *args)
    assert "answered 500" in failed.stdout and "1 event(s) whose delivery failed" in failed.stdout
    assert receiver.events == [] and subscriber.on("securex/gate-1/events") == []
    broker.start()
    receiver.failing_until = 0.0
    empty = synth.write_clip(tmp_path / "empty.avi", [])
    again = securex("run", "--source", empty, "--headless", *args)
    assert again.returncode == 0 and "EVENTS WAITING" not in again.stdout, again.stderr
    topic = "securex/gate-1/events"
    assert wait_for(lambda: len(subscriber.on(topic)) >= len(kept), 10)
    for events in (subscriber.events(topic), receiver.events):
        assert [e["plate"] for e in events] == kept
        assert len({e["event_id"] for e in events}) == len(kept)
    assert "0 event(s) waiting to be sent" in securex("events", "--pending", *args).stdout
