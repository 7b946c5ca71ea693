"""`events`: what the gate told other systems, and what still waits to be sent (`--pending`, `--failed`)."""

from __future__ import annotations

from securex.config import Config
from securex.core.errors import EXIT_OK
from securex.gate.integrations import wiring_of
from securex.gate.receivers import receiver_names
from securex.records.outbox import listed_events
from securex.records.reports import clock
from securex.records.storage import open_records


def events_command(config: Config, pending: bool = False, failed: bool = False, limit: int = 200) -> int:
    receivers = receiver_names(wiring_of(config))
    database, _ = open_records(config.storage)
    try:
        listed = listed_events(database, config.storage.gate_name, receivers, limit=100000 if pending or failed
                               else limit)
    finally:
        database.close()
    if pending:
        listed = [item for item in listed if item[1]]
    if failed:
        listed = [item for item in listed if item[2]]
    for event, waiting, failing in listed:
        what = event.get("plate") or event.get("note") or ""
        status = event.get("list_status") or ""
        record = f"record {event['record_id']}" if event.get("record_id") is not None else ""
        state = f"waiting for {', '.join(waiting)}" if waiting else "sent"
        print(f"{clock(event['at'])}  {event['kind']:12} {what:12} {status:8} {record:13} "
              f"{event['event_id']}  {state}")
        for name, error in failing.items():
            print(f"    {name} failed: {error}")
    if not receivers:
        print("No receivers are set up (MQTT_URL, WEBHOOK_URLS, ALERT_COMMAND in config.py): events are kept only")
    shown = "waiting to be sent" if pending else "whose delivery failed" if failed else "shown (newest last)"
    print(f"{len(listed)} event(s) {shown}")
    return EXIT_OK
