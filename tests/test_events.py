"""Events and the outbox, in process: what an event holds, that it is committed with its record (also after
waiting in the journal), delivery in order with retries, the manual open in the signed chain, and a
receiver's saved events as a witness of the chain."""

import base64
import json
import sqlite3
import threading
import time
from dataclasses import asdict
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from securex.cli.records import verify_command
from securex.config import ConfigError, changed
from securex.core.domain import CORRECTION, MANUAL_OPEN
from securex.gate.delivery import Sender
from securex.gate.events import EventMaker, barrier_opens, command_arguments, lane_state, retry_delay
from securex.gate.mqtt import discovery_messages
from securex.gate.receivers import DeliveryError
from securex.gate.webhook import WebhookReceiver, signature
from securex.records.outbox import Outbox
from securex.records.storage import RecordStore
from securex.records.witness import check_witness

WHEN = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)
CROP = np.full((24, 96, 3), 200, np.uint8)
EVENTS = EventMaker("gate-1", "lane-1", "Ravi")


def saved_visit(store, plate, status="allowed", seconds=0):
    event = EVENTS.visit(plate, 0.9, status, "", WHEN.timestamp() + seconds)
    return store.save(plate, 0.9, WHEN, "cam", seconds, CROP, event=event), event


def outbox_rows(store):
    return [json.loads(body) for (body,) in store.db.query("SELECT body FROM events ORDER BY id")]


def test_barrier_retry_and_lane_rules_are_plain_decisions():
    assert barrier_opens(["allowed"], "allowed") and not barrier_opens(["allowed"], "flagged")
    assert not barrier_opens(["allowed"], "unknown") and barrier_opens(["none"], "")  # "" = no list in use
    assert [retry_delay(n, 10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    visit = asdict(EVENTS.visit("ABC1234", 0.91, "flagged", "stolen", 0))
    assert command_arguments(visit) == ["ABC1234", "flagged"]
    assert command_arguments(asdict(EVENTS.visit("ABC1234", 0.91, "", "", 0))) == ["ABC1234", "none"]
    assert command_arguments(asdict(EVENTS.camera(True, "rtsp://cam", 0))) is None
    assert lane_state(visit)[1] == "ON" and lane_state(asdict(EVENTS.camera(False, "cam", 0))) is None
    assert EVENTS.visit("A", 1, "", "", 0).event_id != EVENTS.visit("A", 1, "", "", 0).event_id


def test_discovery_has_what_home_assistant_requires():
    messages = discovery_messages("homeassistant", "securex", "north gate", "lane-1")
    assert set(messages) == {"homeassistant/sensor/securex_north_gate_lane-1/last_plate/config",
                             "homeassistant/binary_sensor/securex_north_gate_lane-1/flagged/config"}
    for payload in messages.values():
        assert {"name", "unique_id", "state_topic", "device", "availability_topic"} <= set(payload)
        assert payload["device"]["identifiers"] == ["securex_north_gate_lane-1"]
        assert payload["state_topic"].startswith("securex/north gate/lane-1/")
    assert len({p["unique_id"] for p in messages.values()}) == 2



def test_every_lane_is_discovered_and_follows_the_status_that_carries_the_last_will():
    first = discovery_messages("homeassistant", "securex", "gate-1", "entry", "securex/gate-1/entry/status")
    other = discovery_messages("homeassistant", "securex", "gate-1", "exit", "securex/gate-1/entry/status")
    assert all(p["availability_topic"] == "securex/gate-1/entry/status" for p in first.values())
    for payload in other.values():
        assert "availability_topic" not in payload and payload["availability_mode"] == "all"
        assert payload["availability"] == [
            {"topic": t, "payload_available": "online", "payload_not_available": "offline"}
            for t in ("securex/gate-1/entry/status", "securex/gate-1/exit/status")]
        assert payload["device"]["identifiers"] == ["securex_gate-1_exit"]


def test_event_is_committed_with_its_record_and_carries_the_chain_head(settings):
    store = RecordStore.open(settings.storage)
    first, _ = saved_visit(store, "ABC1234")
    second, event = saved_visit(store, "XYZ9876", "flagged", 5)
    store.add_event(EVENTS.camera(True, "rtsp://user:***@cam/1", WHEN.timestamp() + 9))
    rows = outbox_rows(store)
    store.close()
    assert [r["kind"] for r in rows] == ["plate", "plate", "camera_lost"]
    assert rows[1]["event_id"] == event.event_id and rows[1]["record_id"] == second.id
    assert (rows[1]["chain_seq"], rows[1]["chain_hash"]) == (second.seq, second.hash)
    assert rows[1]["image"] == second.image_path.rsplit("/", 1)[-1] and rows[1]["list_status"] == "flagged"
    assert (rows[2]["record_id"], rows[2]["chain_seq"], rows[2]["chain_hash"]) == (None, second.seq, second.hash)


def test_a_correction_is_told_with_the_record_it_corrects_and_runs_the_alert_command(settings):
    store = RecordStore.open(settings.storage)
    earlier, _ = saved_visit(store, "AE416HE")
    event = EVENTS.correction("AE410HE", 0.97, "flagged", "stolen", WHEN.timestamp() + 4, earlier.id, "AE416HE")
    correction = store.save("AE410HE", 0.97, WHEN, "cam", 9, CROP, event=event, kind=CORRECTION,
                            corrects=earlier.id)
    rows = outbox_rows(store)
    store.close()
    assert [(r["kind"], r["plate"], r["corrects"], r["corrected_plate"]) for r in rows] == \
        [("plate", "AE416HE", None, ""), ("correction", "AE410HE", earlier.id, "AE416HE")]
    assert (rows[1]["record_id"], rows[1]["chain_seq"], rows[1]["list_status"]) == (correction.id, 2, "flagged")
    assert lane_state(rows[1])[0]["plate"] == "AE410HE" and lane_state(rows[1])[1] == "ON"
    assert command_arguments(rows[1]) is None  # the visit was announced: the alert command ran for it
    assert command_arguments({**rows[1], "announced": True}) == ["AE410HE", "flagged"]  # a new standing


def test_events_wait_in_the_journal_with_their_records_and_keep_their_order(settings):
    settings = changed(settings, DATABASE_TIMEOUT_SECONDS=0.2)
    store = RecordStore.open(settings.storage)
    saved_visit(store, "ABC1234")
    blocker = sqlite3.connect(settings.storage.database_url, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database: writes fail after 0.2 s
    waiting, _ = saved_visit(store, "XYZ9876", seconds=5)
    store.add_event(EVENTS.camera(True, "cam", WHEN.timestamp() + 6))
    assert waiting.id is None and store.waiting == 2
    blocker.execute("ROLLBACK")
    blocker.close()
    deadline = time.monotonic() + 10
    while store.waiting and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = outbox_rows(store)
    record = store.records()[-1]
    store.close()
    assert [(r["kind"], r["plate"]) for r in rows] == [("plate", "ABC1234"), ("plate", "XYZ9876"), ("camera_lost", "")]
    assert (rows[1]["record_id"], rows[1]["chain_seq"], rows[1]["chain_hash"]) == (record.id, 2, record.hash)


class Flaky:
    """A receiver that fails its first deliveries, then keeps what it gets."""

    name = "flaky"

    def __init__(self, failures):
        self.failures, self.got = failures, []

    def deliver(self, event):
        if self.failures:
            self.failures -= 1
            raise DeliveryError("answered 500")
        self.got.append(event["event_id"])

    def close(self):
        pass


def test_sender_delivers_in_order_after_failures_and_a_new_receiver_starts_at_the_newest(settings):
    store = RecordStore.open(settings.storage)
    saved_visit(store, "OLD1234")  # before the receiver existed: not sent to it
    outbox = Outbox(store.db, store.gate)
    receiver = Flaky(failures=2)
    sender = Sender(outbox, [receiver], retry_max_seconds=1).start()
    time.sleep(0.3)
    ids = [saved_visit(store, f"ABC{n}234", seconds=n)[1].event_id for n in range(1, 5)]
    sender.wake()
    deadline = time.monotonic() + 15
    while len(receiver.got) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    sender.close()
    assert receiver.got == ids and outbox.count_waiting("flaky") == 0
    store.close()


def test_manual_open_is_a_signed_record_and_editing_it_is_caught(settings, capsys):
    store = RecordStore.open(settings.storage)
    saved_visit(store, "ABC1234")
    event = EVENTS.manual_open("ABC1234", 0.9, "unknown", WHEN.timestamp() + 3)
    record = store.save("ABC1234", 0.9, WHEN, "cam", 3, CROP, event=event, kind=MANUAL_OPEN, operator="Ravi")
    store.close()
    assert (record.kind, record.operator) == (MANUAL_OPEN, "Ravi")
    assert verify_command(settings) == 0 and "OK: 2 records, chain intact" in capsys.readouterr().out
    database = sqlite3.connect(settings.storage.database_url)
    database.execute("UPDATE plates SET operator = 'nobody' WHERE id = ?", (record.id,))
    database.commit()
    database.close()
    assert verify_command(settings) == 1
    assert f"record {record.id}: edited" in capsys.readouterr().out


def test_a_receivers_events_witness_the_chain(settings):
    store = RecordStore.open(settings.storage)
    for n in range(3):
        saved_visit(store, f"ABC{n}234", seconds=n)
    witnessed = outbox_rows(store)
    assert check_witness(store.db, witnessed) == []
    store.db.query("UPDATE plates SET hash = ? WHERE seq = 2", ("f" * 64,))  # re-signed (someone with the key)
    store.db.query("DELETE FROM events WHERE event_id = ?", (witnessed[0]["event_id"],))
    store.db.query("DELETE FROM plates WHERE seq = 3")
    problems = check_witness(store.db, witnessed)
    store.db.close()
    assert any("not in the database (deleted)" in p for p in problems)
    assert any("chain number 2 is not the one the receiver saw" in p for p in problems)
    assert any("chain number 3 is gone" in p for p in problems)


def test_webhook_sends_the_photo_as_multipart_with_basic_login_and_says_why_it_failed(tmp_path):
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((self.headers["Authorization"], self.headers["Content-Type"], body))
            self.send_response(503 if len(got) == 1 else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "plate_1.jpg").write_bytes(b"\xff\xd8photo")
    url = f"http://site:p%40ss@127.0.0.1:{server.server_port}/hook"
    hook = WebhookReceiver("webhook", url, "s3cret", True, tmp_path, 2.0)
    event = {**asdict(EVENTS.visit("ABC1234", 0.9, "allowed", "", 0)), "image": "plate_1.jpg"}
    with pytest.raises(DeliveryError) as failed:
        hook.deliver(event)
    hook.deliver(event)
    server.shutdown()
    server.server_close()
    assert str(failed.value) == f"http://site:***@127.0.0.1:{server.server_port}/hook answered 503 Service Unavailable"
    login, content_type, body = got[1]
    assert login == "Basic " + base64.b64encode(b"site:p@ss").decode()
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b'name="event"' in body and b'name="image"; filename="plate_1.jpg"' in body and b"\xff\xd8photo" in body


def test_webhook_signature_is_hmac_sha256_of_the_body():
    assert signature("s3cret", b'{"a":1}') == \
        "sha256=" + __import__("hmac").new(b"s3cret", b'{"a":1}', "sha256").hexdigest()


@pytest.mark.parametrize("values, said", [
    ({"MQTT_URL": "http://broker"}, "MQTT_URL = 'http://broker' is no MQTT broker"),
    ({"MQTT_URL": "mqtt://u:secret@broker", "MQTT_TOPIC_PREFIX": "a/#"}, "MQTT_TOPIC_PREFIX = 'a/#' is no MQTT"),
    ({"WEBHOOK_URLS": ["ftp://x"]}, "WEBHOOK_URLS: 'ftp://x' is no web address"),
    ({"BARRIER": {"lane-1": {"open_for": ["allowed"]}}}, "needs exactly one of"),
    ({"BARRIER": {"lane-1": {"mqtt": {"topic": "relay"}}}}, "and MQTT_URL set"),
    ({"BARRIER": {"lane-1": {"open_for": ["vip"], "command": ["x"]}}}, "[\"open_for\"] must be a list of"),
    ({"LANE_NAME": "lane/1"}, "LANE_NAME = 'lane/1' is not usable"),
])
def test_bad_event_settings_are_one_plain_line(settings, values, said):
    with pytest.raises(ConfigError) as error:
        changed(settings, **values)
    assert said in str(error.value) and "secret" not in str(error.value)


def test_threads_left_behind_are_none(settings):
    before = threading.active_count()
    store = RecordStore.open(settings.storage)
    sender = Sender(Outbox(store.db, store.gate), [Flaky(0)], retry_max_seconds=1).start()
    sender.close()
    store.close()
    assert threading.active_count() == before
