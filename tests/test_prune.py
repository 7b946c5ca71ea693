"""Issue 12, finding 2: `prune` verifies first, removes only the records' own photos inside IMAGES_DIR,
refuses a non-positive --days, has --dry-run, and asks first (--yes for scripts)."""

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from securex.cli.main import main
from securex.cli.records import prune_command, verify_command
from securex.config import changed
from securex.core.errors import SecureXError
from securex.records.retention import prune_before
from securex.records.storage import RecordStore, open_records

OLD = datetime.now(timezone.utc) - timedelta(days=40)
NEW = datetime.now(timezone.utc) - timedelta(days=1)


@pytest.fixture
def site(settings):
    """Three records 40 days old and two from yesterday, each with its photo."""
    store = RecordStore.open(settings.storage)
    for n, (plate, when) in enumerate([("OLD0001", OLD), ("OLD0002", OLD), ("OLD0003", OLD), ("NEW0001", NEW),
                                       ("NEW0002", NEW)]):
        store.save(plate, 0.9, when + timedelta(minutes=n), "cam", n, np.full((24, 80, 3), 30 * n, np.uint8))
    store.close()
    return settings


def count(settings):
    database = sqlite3.connect(settings.storage.database_url)
    rows = database.execute("SELECT COUNT(*) FROM plates").fetchone()[0]
    database.close()
    return rows, len(list(Path(settings.storage.images_dir).iterdir()))


def test_prune_refuses_records_that_fail_verification(site, tmp_path, capsys):
    """The finding: a row's image_path pointed at another file and its date set to 2020; prune deleted both."""
    precious = tmp_path / "precious.txt"
    precious.write_text("not a plate photo")
    database = sqlite3.connect(site.storage.database_url)
    with database:
        database.execute("UPDATE plates SET image_path = ?, detected_at = '2020-01-01T00:00:00.000+00:00' "
                         "WHERE id = 4", (str(precious),))
    database.close()
    with pytest.raises(SecureXError, match=r"^Nothing pruned: verify finds 2 problem\(s\) in the records; run verify, "
                                           r"and prune once they are resolved$") as refused:
        prune_command(site, 30, yes=True)
    assert refused.value.exit_code == 2
    assert precious.read_text() == "not a plate photo" and count(site) == (5, 5)
    assert verify_command(site) == 1 and "record 4: edited" in capsys.readouterr().out


def test_prune_removes_only_photos_that_are_still_the_records_own(site):
    """Checked again as each file is removed (verify ran before): a photo changed since is left alone."""
    images = sorted(Path(site.storage.images_dir).iterdir())
    images[0].write_bytes(b"changed after it was signed")
    database, key = open_records(site.storage)
    pruned = prune_before(database, key, NEW.date().isoformat(), site.storage.images_dir, site.storage.root)
    database.close()
    assert [(p.records, p.images, p.left) for p in pruned] == [(3, 2, 1)]
    assert [path.exists() for path in images] == [True, False, False, True, True]


@pytest.mark.parametrize("days", ["0", "-3"])
def test_non_positive_days_is_refused_in_one_line(site, capsys, days):
    s = site.storage
    assert main(["prune", "--days", days, "--yes", "--db", s.database_url, "--key", str(s.key_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"--days {days} is not allowed: give the number of days of records to keep, 1 or more"
    assert count(site) == (5, 5)


def test_dry_run_says_what_it_would_remove_and_removes_nothing(site, capsys):
    assert prune_command(site, 30, dry_run=True) == 0
    cutoff = (datetime.now().date() - timedelta(days=30)).isoformat()
    assert capsys.readouterr().out.strip() == f"Would prune gate gate-1: 3 records and 3 images from before {cutoff}"
    assert count(site) == (5, 5)


def test_prune_asks_on_a_terminal_and_refuses_without_one(site, capsys):
    questions = []
    assert prune_command(site, 30, ask=lambda q: questions.append(q) or False) == 0
    assert questions == ["Remove these 3 records for good? [y/N] "] and "Nothing pruned" in capsys.readouterr().out
    assert count(site) == (5, 5)
    with pytest.raises(SecureXError, match="there is no terminal to ask on: add --yes to prune from a script"):
        prune_command(site, 30)
    assert count(site) == (5, 5)
    assert prune_command(site, 30, ask=lambda q: True) == 0
    assert "Pruned gate gate-1: 3 records and 3 images" in capsys.readouterr().out
    assert count(site) == (2, 2)
    assert verify_command(site) == 0 and "OK: 2 records, chain intact" in capsys.readouterr().out


def test_prune_keeps_photos_when_the_images_folder_moved(site, tmp_path, capsys):
    moved = changed(site, IMAGES_DIR=str(tmp_path / "new_images"))
    assert prune_command(moved, 30, yes=True) == 0
    out = capsys.readouterr().out
    assert "3 records and 0 images from before" in out
    assert out.strip().endswith("; 3 image file(s) left in place (outside IMAGES_DIR, missing or changed)")
    assert count(site) == (2, 5)


def test_prune_removes_old_delivered_events_and_keeps_undelivered_ones_and_the_witness(settings, tmp_path, capsys):
    """The finding: the events outbox was never pruned. Old events every receiver confirmed go with their
    records; an old one a receiver still waits for stays; `verify --witness` still passes on every event."""
    from securex.gate.events import EventMaker
    from securex.records.outbox import Outbox

    maker = EventMaker("gate-1", "lane-1", "")
    store = RecordStore.open(settings.storage)
    outbox = Outbox(store.db, store.gate)
    outbox.join("mqtt")
    for n, (plate, when) in enumerate([("OLD0001", OLD), ("OLD0002", OLD), ("OLD0003", OLD), ("NEW0001", NEW)]):
        at = when + timedelta(minutes=n)
        store.save(plate, 0.9, at, "cam", n, None, event=maker.visit(plate, 0.9, "unknown", "", at.timestamp()))
    store.close()
    database, _ = open_records(settings.storage)
    rows = database.query("SELECT id, body FROM events ORDER BY id")
    outbox = Outbox(database, "gate-1")
    outbox.sent("mqtt", rows[1][0])  # the receiver has the first two events; it still waits for the third
    database.close()
    witness = tmp_path / "witness.jsonl"
    witness.write_text("".join(body + "\n" for _, body in rows))

    assert prune_command(settings, 30, dry_run=True) == 0
    assert "3 records and 0 images and 2 delivered events from before" in capsys.readouterr().out
    assert prune_command(settings, 30, yes=True) == 0
    assert "Pruned gate gate-1: 3 records and 0 images and 2 delivered events" in capsys.readouterr().out
    database = sqlite3.connect(settings.storage.database_url)
    left = [plate for (plate,) in database.execute("SELECT json_extract(body, '$.plate') FROM events ORDER BY id")]
    database.close()
    assert left == ["OLD0003", "NEW0001"]
    assert verify_command(settings, str(witness)) == 0, capsys.readouterr().out
    assert "OK: 1 records, chain intact" in capsys.readouterr().out
    assert prune_command(settings, 30, yes=True) == 0 and "Nothing older than" in capsys.readouterr().out


def test_witness_still_catches_an_event_deleted_after_the_anchor(settings, tmp_path):
    from securex.gate.events import EventMaker
    from securex.records.witness import check_witness

    maker = EventMaker("gate-1", "lane-1", "")
    store = RecordStore.open(settings.storage)
    for n, when in enumerate([OLD, NEW, NEW]):
        store.save(f"ABC{n}234", 0.9, when, "cam", n, None,
                   event=maker.visit(f"ABC{n}234", 0.9, "unknown", "", when.timestamp() + n))
    store.close()
    database, key = open_records(settings.storage)
    prune_before(database, key, NEW.date().isoformat(), settings.storage.images_dir, settings.storage.root)
    bodies = [json.loads(b) for (b,) in database.query("SELECT body FROM events ORDER BY id")]
    pruned_one = {"event_id": "gone-before", "gate": "gate-1", "chain_seq": 1, "chain_hash": "x"}
    database.query("DELETE FROM events WHERE event_id = ?", (bodies[-1]["event_id"],))
    problems = check_witness(database, [pruned_one] + bodies)
    database.close()
    assert len(bodies) == 2  # no receiver: the old one counted as delivered and went with its record
    assert problems == [f"event {bodies[-1]['event_id']} (plate ABC2234 at {bodies[-1]['at']}): not in the database "
                        "(deleted)"]
