"""Schema versions: a database written by SecureX before schema versions (tests/fixtures/schema_v0, made
by commit e068560) is upgraded in place, still verifies, and its chain goes on."""

import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from securex.cli.main import main
from securex.cli.records import verify_command
from securex.config import load_config
from securex.config.template import write_new_config
from securex.records.keys import key_fingerprint, load_or_create_key
from securex.records.migrations import LATEST, MIGRATIONS
from securex.records.storage import RecordStore, StorageError

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema_v0"


@pytest.fixture
def old_site(tmp_path):
    """A copy of the old site's folder (database, key, head log, photos) with a config.py of the defaults."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site)
    write_new_config(site / "config.py")
    return load_config(path=site / "config.py")


def tables(path):
    database = sqlite3.connect(path)
    names = [row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    shape = {name: database.execute(f"PRAGMA table_info({name})").fetchall() for name in names}
    version = None
    if "schema_version" in shape:
        version = database.execute("SELECT version FROM schema_version").fetchone()[0]
    database.close()
    return shape, version


def test_migration_steps_are_numbered_one_after_another():
    assert [step.version for step in MIGRATIONS] == list(range(1, LATEST + 1))


def test_old_database_is_upgraded_verifies_and_its_chain_continues(old_site, capsys):
    path = old_site.storage.database_url
    assert tables(path)[1] is None  # written before schema versions
    assert verify_command(old_site) == 0
    out = capsys.readouterr().out
    key = load_or_create_key(old_site.storage.key_path, create=False)
    assert "OK: 4 records, chain intact" in out and f"fingerprint {key_fingerprint(key)}" in out
    shape, version = tables(path)
    assert version == LATEST
    database = sqlite3.connect(path)
    assert database.execute("SELECT fingerprint FROM chain_key").fetchall() == [(key_fingerprint(key),)]
    last = database.execute("SELECT seq, hash FROM plates ORDER BY seq DESC LIMIT 1").fetchone()
    database.close()

    store = RecordStore.open(old_site.storage)
    record = store.save("KL07CD9999", 0.9, datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc), "cam", 1,
                        np.full((24, 96, 3), 200, np.uint8))
    store.close()
    assert (record.seq, record.prev_hash) == (last[0] + 1, last[1])
    assert verify_command(old_site) == 0 and "OK: 5 records, chain intact" in capsys.readouterr().out
    assert tables(path) == (shape, LATEST)  # opened again: nothing more to do


def test_upgraded_database_has_the_tables_of_a_new_one(old_site, settings):
    RecordStore.open(old_site.storage).close()
    RecordStore.open(settings.storage).close()
    assert tables(old_site.storage.database_url) == tables(settings.storage.database_url)


def test_database_from_a_newer_securex_is_refused_in_one_line(old_site, capsys):
    path = old_site.storage.database_url
    RecordStore.open(old_site.storage).close()
    database = sqlite3.connect(path)
    with database:
        database.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
    database.close()
    assert main(["verify", "--config", str(Path(path).parent.parent / "config.py")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"The database {path} was made by a newer SecureX (schema version {LATEST + 1}, this one knows up "
                   f"to {LATEST}): install that version or newer")


def test_old_database_opened_with_another_key_is_refused_and_stays_unpinned(old_site):
    Path(old_site.storage.key_path).write_text("ee" * 32 + "\n")
    with pytest.raises(StorageError, match="This key does not match the database: .* signed none of its records"):
        RecordStore.open(old_site.storage)
    database = sqlite3.connect(old_site.storage.database_url)
    assert database.execute("SELECT COUNT(*) FROM chain_key").fetchone() == (0,)
    database.close()


def test_old_database_takes_records_with_lane_and_direction_and_they_are_signed(old_site, capsys):
    """Step 3: the records made before lanes keep verifying; a new one carries its lane and direction, in the
    database, the CSV and the signature (a lane edited, or moved into another column, is caught)."""
    store = RecordStore.open(old_site.storage)
    record = store.save("KL07CD9999", 0.9, datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc), "cam", 1,
                        np.full((24, 96, 3), 200, np.uint8), lane="exit", direction="out")
    store.close()
    assert verify_command(old_site) == 0 and "OK: 5 records, chain intact" in capsys.readouterr().out
    path = old_site.storage.database_url
    database = sqlite3.connect(path)
    rows = database.execute("SELECT lane, direction FROM plates ORDER BY seq").fetchall()
    assert rows == [("", "")] * 4 + [("exit", "out")]
    csv_text = old_site.storage.csv_path.read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].endswith(",lane,direction,corrects")
    assert csv_text.splitlines()[-1].endswith(",exit,out,")
    for edit in ("UPDATE plates SET direction = 'in' WHERE id = ?",
                 "UPDATE plates SET kind = lane, operator = direction, lane = '', direction = '' WHERE id = ?"):
        with database:
            database.execute("SAVEPOINT s")
            database.execute(edit, (record.id,))
        assert verify_command(old_site) == 1 and f"record {record.id}: edited" in capsys.readouterr().out
        with database:
            database.execute("UPDATE plates SET kind = '', operator = '', lane = 'exit', direction = 'out' "
                             "WHERE id = ?", (record.id,))
    database.close()
    assert verify_command(old_site) == 0


def test_old_database_takes_a_correction_of_its_own_record_and_it_is_signed(old_site, capsys):
    """Step 4: a record an old SecureX wrote can be corrected; the correction names it by its chain number, is
    signed with it, and `corrects` moved to another record (or into another column) is caught."""
    store = RecordStore.open(old_site.storage)
    old = store.records()[-1]
    correction = store.save("KL07CD9998", 0.95, datetime(2026, 3, 3, 9, 0, 5, tzinfo=timezone.utc), "cam", 9,
                            None, kind="correction", corrects=old.seq)
    store.close()
    assert verify_command(old_site) == 0 and "OK: 5 records, chain intact" in capsys.readouterr().out
    database = sqlite3.connect(old_site.storage.database_url)
    assert database.execute("SELECT corrects FROM plates WHERE id = ?", (correction.id,)).fetchone() == (old.seq,)
    for edit in ("UPDATE plates SET corrects = corrects - 1 WHERE id = ?",
                 "UPDATE plates SET frame = corrects, corrects = NULL WHERE id = ?"):
        with database:
            database.execute(edit, (correction.id,))
        assert verify_command(old_site) == 1 and f"record {correction.id}: edited" in capsys.readouterr().out
        with database:
            database.execute("UPDATE plates SET frame = 9, corrects = ? WHERE id = ?", (old.seq, correction.id))
    database.close()
    assert verify_command(old_site) == 0
