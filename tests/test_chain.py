"""Tamper evidence: each kind of change to the records is caught by `verify`."""

import os
import re
import shutil
import sqlite3
import stat
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from securex.cli.main import main
from securex.cli.records import verify_command
from securex.records.storage import RecordStore, StorageError

START = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)
PLATES = ["ABC1234", "XYZ9876", "JKL5678", "MNO4321", "PQR1111"]
CROP = np.full((24, 80, 3), 90, np.uint8)


@pytest.fixture
def check(settings, capsys):
    """Five signed records with images; `check()` runs verify on them and returns (exit code, output)."""
    store = RecordStore.open(settings.storage)
    for n, plate in enumerate(PLATES):
        crop = np.full((24, 80, 3), 40 * n, np.uint8)
        store.save(plate, 0.9, START + timedelta(seconds=n), "camera 0", 10 * n, crop)
    store.close()

    def run():
        code = verify_command(settings)
        return code, capsys.readouterr().out
    return run


def sql(settings, statement, params=()):
    db = sqlite3.connect(settings.storage.database_url)
    with db:
        db.execute(statement, params)
    db.close()


def test_untouched_records_verify(check):
    code, out = check()
    lines = out.strip().splitlines()
    assert code == 0 and lines[0] == "OK: 5 records, chain intact" and len(lines) == 2
    assert re.fullmatch(r"Signing key fingerprint [0-9a-f]{16} \(compare it with the one you noted down\)", lines[1])


def test_edited_record_is_caught(check, settings):
    sql(settings, "UPDATE plates SET plate = 'ABC1235' WHERE id = 2")
    code, out = check()
    assert code == 1 and "record 2: edited" in out


def test_deleted_middle_record_is_caught(check, settings):
    sql(settings, "DELETE FROM plates WHERE id = 3")
    code, out = check()
    assert code == 1 and "record 4: 1 record(s) deleted before it" in out


def test_deleted_newest_records_are_caught_by_the_head_log(check, settings):
    sql(settings, "DELETE FROM plates WHERE id >= 4")
    code, out = check()
    assert code == 1 and "newest record(s) deleted (head log: 5 records, database ends at chain number 3)" in out


def test_inserted_record_is_caught(check, settings):
    row = sqlite3.connect(settings.storage.database_url).execute(
        "SELECT gate, seq, plate, confidence, detected_at, source, frame, image_path, image_sha256, list_status, "
        "listed_plate, list_distance, prev_hash, hash FROM plates WHERE id = 2").fetchone()
    forged = list(row)
    forged[2], forged[13] = "FAKE123", "f" * 64
    sql(settings, "UPDATE plates SET seq = seq + 100 WHERE id > 2")  # make room in the chain numbering
    sql(settings, "INSERT INTO plates (gate, seq, plate, confidence, detected_at, source, frame, image_path, "
        "image_sha256, list_status, listed_plate, list_distance, prev_hash, hash) VALUES "
        "(?, 3, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [forged[0], *forged[2:12], row[13], forged[13]])
    code, out = check()
    assert code == 1 and "record 6: inserted" in out


def test_swapped_and_missing_images_are_caught(check, settings):
    images = sorted(Path(settings.storage.images_dir).iterdir())
    shutil.copyfile(images[0], images[1])
    images[2].unlink()
    code, out = check()
    assert code == 1 and "record 2: image changed" in out and "record 3: image missing" in out


def test_edited_head_log_is_caught(check, settings):
    path = Path(settings.storage.head_log_path)
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"seq": 2', '"seq": 9')
    path.write_text("\n".join(lines) + "\n")
    code, out = check()
    assert code == 1 and "head log line 2: signature does not match" in out


def test_verify_without_the_key_is_one_line_exit_2(check, settings, capsys, tmp_path):
    code = main(["verify", "--db", settings.storage.database_url, "--key", str(tmp_path / "none.key")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Key file not found") and len(err.strip().splitlines()) == 1


def test_two_writers_on_one_database_never_fork_the_chain(settings, capsys):
    """Two stores (two connections, like two processes) writing at once: one chain, numbered 1..N."""
    first, second = RecordStore.open(settings.storage), RecordStore.open(settings.storage)

    def write(store, prefix):
        for n in range(15):
            store.save(f"{prefix}{n:04d}", 0.9, START + timedelta(seconds=n), "cam", n, None)

    pairs = ((first, "AAA"), (second, "BBB"))
    threads = [threading.Thread(target=write, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.close(), second.close()
    database = sqlite3.connect(settings.storage.database_url)
    seqs = [row[0] for row in database.execute("SELECT seq FROM plates ORDER BY seq")]
    assert seqs == list(range(1, 31))
    assert verify_command(settings) == 0 and "OK: 30 records" in capsys.readouterr().out


def wait_until(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end and not predicate():
        time.sleep(0.05)
    return predicate()


def test_a_database_that_cannot_be_written_loses_nothing(settings, monkeypatch, capsys):
    store = RecordStore.open(settings.storage)
    store.save("AAA1111", 0.9, START, "cam", 1, CROP)
    real_writing, down = store.db.writing, {"on": True}

    def writing(gate):
        if down["on"]:
            raise sqlite3.OperationalError("database or disk is full")
        return real_writing(gate)

    monkeypatch.setattr(store.db, "writing", writing)
    waiting = [store.save(plate, 0.9, START + timedelta(seconds=n), "cam", n, CROP)
               for n, plate in enumerate(["ABC1234", "XYZ9876", "JKL5678"], 2)]
    assert [r.id for r in waiting] == [None, None, None] and store.waiting == 3
    assert len(store.journal.path.read_text().splitlines()) == 3  # on disk, not only in memory
    down["on"] = False
    assert wait_until(lambda: store.waiting == 0)
    store.save("LAST999", 0.9, START + timedelta(seconds=9), "cam", 9, CROP)
    store.close()
    assert [r.plate for r in RecordStore.open(settings.storage).records()] == \
        ["AAA1111", "ABC1234", "XYZ9876", "JKL5678", "LAST999"]
    images = sorted(p.name for p in Path(settings.storage.images_dir).iterdir())
    assert len(images) == 5 and all((Path(settings.storage.images_dir) / p).stat().st_size > 0 for p in images)
    assert verify_command(settings) == 0 and "OK: 5 records" in capsys.readouterr().out


def test_records_still_waiting_at_the_end_are_written_at_the_next_start(settings, monkeypatch):
    store = RecordStore.open(settings.storage)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.db, "writing", full)
    store.save("ABC1234", 0.9, START, "cam", 1, CROP)
    store.close()  # the database is still down: the record stays in the journal
    monkeypatch.undo()
    again = RecordStore.open(settings.storage)
    assert wait_until(lambda: again.waiting == 0)
    assert [r.plate for r in again.records()] == ["ABC1234"]
    again.close()


def test_a_record_kept_nowhere_is_a_storage_error_and_leaves_no_photo(settings, monkeypatch):
    store = RecordStore.open(settings.storage)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.db, "writing", full)
    store.journal.path.mkdir()  # the journal cannot be written either
    with pytest.raises(StorageError, match="ABC1234 could not be written to the database nor kept in the journal"):
        store.save("ABC1234", 0.9, START, "cam", 1, CROP)
    assert list(Path(settings.storage.images_dir).iterdir()) == []
    store.journal.path.rmdir()
    store.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_key_file_is_owner_only_and_a_lost_key_is_refused(settings):
    RecordStore.open(settings.storage).save("ABC1234", 0.9, START, "cam", 1, None)
    key = Path(settings.storage.key_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.unlink()
    with pytest.raises(StorageError, match="a new key would make them all look forged"):
        RecordStore.open(settings.storage)


def test_head_log_line_torn_by_a_crash_is_repaired_at_the_next_start(check, settings):
    path = Path(settings.storage.head_log_path)
    path.write_bytes(path.read_bytes() + b'{"at": "2026-11-26T08:00:09", "gate": "gate-1", "se')
    assert check()[0] == 0  # a torn last line is a crash, not tampering
    store = RecordStore.open(settings.storage)
    store.save("NEW1234", 0.9, START + timedelta(seconds=9), "cam", 90, None)
    store.close()
    code, out = check()
    assert code == 0 and "OK: 6 records" in out


def test_deleted_newest_records_stay_caught_after_the_gate_writes_on(check, settings):
    """Issue 12, finding 1: the 3 newest rows deleted while the gate runs, then 13 more records written
    over their chain numbers; verify said OK, now each head-log line is checked against its record."""
    running = RecordStore.open(settings.storage)
    sql(settings, "DELETE FROM plates WHERE id >= 3")
    for n in range(13):
        running.save(f"NEW{n:04d}", 0.9, START + timedelta(minutes=1 + n), "cam", 100 + n, None)
    running.close()
    code, out = check()
    assert code == 1 and "FAILED: 3 problem(s) in 15 records" in out
    for seq, record_id in ((3, 6), (4, 7), (5, 8)):
        assert (f"record {record_id}: chain number {seq} does not match the head log (the record signed with that "
                "number was deleted or replaced)") in out


def test_database_ending_below_its_head_log_is_refused_at_start(check, settings):
    """Issue 12, finding 1: the next start after the deletion gave no warning and wrote on."""
    sql(settings, "DELETE FROM plates WHERE id >= 3")
    s = settings.storage
    with pytest.raises(StorageError) as refused:
        RecordStore.open(s)
    assert str(refused.value) == (
        f"Records were deleted: the database {s.database_url} ends at chain number 2 for gate gate-1, but the head "
        f"log {s.head_log_path} signed records up to 5. Restore the database from a backup; `verify` lists what is "
        "missing")
    assert sqlite3.connect(s.database_url).execute("SELECT COUNT(*) FROM plates").fetchone() == (2,)
    code, out = check()
    assert code == 1 and "newest record(s) deleted (head log: 5 records, database ends at chain number 2)" in out


def test_records_missing_from_the_middle_are_named_by_the_head_log(check, settings):
    sql(settings, "DELETE FROM plates WHERE id IN (2, 3)")
    code, out = check()
    assert code == 1 and "record 4: 2 record(s) deleted before it" in out
    assert "gate gate-1: 2 record(s) in the head log are missing from the database (chain numbers 2-3)" in out
