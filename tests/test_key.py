"""Issue 12, finding 5: the signing key is pinned. A key file of another length, another key, or a
replaced key with every row and head-log line re-signed is refused in one line."""

import hashlib
import hmac
import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from securex.cli.records import verify_command
from securex.config import changed
from securex.core.domain import Record
from securex.core.errors import SecureXError
from securex.records.chain import GENESIS, record_hash
from securex.records.keys import key_fingerprint
from securex.records.storage import SELECT_RECORDS, RecordStore, StorageError

START = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)
FINGERPRINT = re.compile(r"Signing key fingerprint ([0-9a-f]{16})")


@pytest.fixture
def signed(settings):
    """Three signed records."""
    store = RecordStore.open(settings.storage)
    for n, plate in enumerate(["ABC1234", "XYZ9876", "JKL5678"]):
        store.save(plate, 0.9, START + timedelta(seconds=n), "cam", n, None)
    store.close()


def refused(config) -> str:
    """verify's one line and exit 2 (what the command line prints)."""
    with pytest.raises(SecureXError) as caught:
        verify_command(config)
    assert caught.value.exit_code == 2 and len(str(caught.value).splitlines()) == 1
    return str(caught.value)


@pytest.mark.parametrize("content", ["", "00", "ab" * 31, "ab" * 33])
def test_key_file_of_another_length_is_refused(settings, content):
    Path(settings.storage.key_path).parent.mkdir(parents=True)
    Path(settings.storage.key_path).write_text(content + "\n")
    with pytest.raises(StorageError, match=f"holds {len(content) // 2} bytes, not the 32 of a SecureX key"):
        RecordStore.open(settings.storage)
    assert refused(settings).startswith(f"Key file {settings.storage.key_path} holds {len(content) // 2} bytes")


def test_another_key_is_one_line_not_every_record_edited(signed, settings, tmp_path):
    other = tmp_path / "other.key"
    other.write_text("cd" * 32 + "\n")
    err = refused(changed(settings, KEY_PATH=str(other)))
    assert err.startswith(f"This key does not match the database: {other} has fingerprint "
                          f"{key_fingerprint(bytes.fromhex('cd' * 32))}, the records were signed with ")
    assert "edited" not in err


def test_replaced_key_with_every_row_and_head_line_re_signed_is_refused(signed, settings, capsys):
    """The attack of finding 5: a new key file, and the records and head log forged with it."""
    assert verify_command(settings) == 0
    noted = FINGERPRINT.search(capsys.readouterr().out).group(1)  # what the manager wrote down
    s = settings.storage
    forged_key = bytes(range(32))
    Path(s.key_path).write_text(forged_key.hex() + "\n")
    database = sqlite3.connect(s.database_url)
    prev, lines = GENESIS, []
    with database:
        for row in database.execute(SELECT_RECORDS + " ORDER BY seq").fetchall():
            record = Record(*row)
            record.plate = "FAKE" + record.plate[4:] if record.seq == 2 else record.plate
            record.prev_hash = prev
            record.hash = prev = record_hash(forged_key, record)
            database.execute("UPDATE plates SET plate = ?, prev_hash = ?, hash = ? WHERE id = ?",
                             (record.plate, record.prev_hash, record.hash, record.id))
            mac = hmac.new(forged_key, f"head|{record.gate}|{record.seq}|{record.hash}".encode(), hashlib.sha256)
            lines.append(json.dumps({"at": record.detected_at, "gate": record.gate, "seq": record.seq,
                                     "hash": record.hash, "mac": mac.hexdigest()}))
    Path(s.head_log_path).write_text("\n".join(lines) + "\n")
    assert refused(settings).startswith("This key does not match the database")
    with pytest.raises(StorageError, match="This key does not match the database"):
        RecordStore.open(s)  # the gate does not start on it either

    # Replacing the stored fingerprint as well passes verify, but shows a fingerprint other than the noted one.
    with database:
        database.execute("UPDATE chain_key SET fingerprint = ?", (key_fingerprint(forged_key),))
    database.close()
    assert verify_command(settings) == 0
    shown = FINGERPRINT.search(capsys.readouterr().out).group(1)
    assert shown == key_fingerprint(forged_key) != noted
