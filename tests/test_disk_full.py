"""A disk that fills up while the gate records: nothing torn, no empty or orphan photo, nothing reported
kept that is lost. The disk is a real, tiny tmpfs mounted by the test (needs root, as CI runs)."""

import csv
import json
import os
import shutil
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from securex.cli.records import verify_command
from securex.config import changed
from securex.records.chain import Head, HeadLog
from securex.records.csvfile import CSV_COLUMNS
from securex.records.storage import RecordStore, StorageError

START = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)
DISK_KB = 512


@pytest.fixture
def tiny_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root on Linux (CI runs as root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_KB}k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"tmpfs cannot be mounted here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def on_disk(settings, disk):
    return changed(settings, DATABASE_URL=str(disk / "plates.db"), KEY_PATH=str(disk / "securex.key"),
                   HEAD_LOG_PATH=str(disk / "chain_head.log"), CSV_PATH=str(disk / "plates.csv"),
                   IMAGES_DIR=str(disk / "images"))


def noise(seed):
    return np.random.default_rng(seed).integers(0, 255, (90, 120, 3), np.uint8)  # ~25 KB as JPEG


def csv_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        text = handle.read()
    assert text.endswith("\n"), "torn last row"
    rows = list(csv.DictReader(text.splitlines()))
    assert all(None not in row and None not in row.values() for row in rows), "torn row"
    return rows


def test_a_full_disk_tears_nothing_and_leaves_no_empty_or_orphan_photo(settings, tiny_disk, capsys):
    settings = on_disk(settings, tiny_disk)
    store = RecordStore.open(settings.storage)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * 96 * 1024)  # freed later, as a manager freeing space would
    kept, refused = [], 0
    for n in range(40):
        try:
            kept.append(store.save(f"DSK{n:04d}", 0.9, START + timedelta(seconds=n), "cam", n, noise(n)))
        except StorageError:
            refused += 1
    assert refused > 0, "the disk never filled: make DISK_KB smaller"
    images = tiny_disk / "images"
    referenced = {Path(r.image_path).name for r in kept if r.image_path}
    assert all(p.stat().st_size > 0 for p in images.iterdir()), "an empty photo was left behind"
    assert {p.name for p in images.iterdir()} <= referenced, "a photo without a record was left behind"
    waiting = [json.loads(line) for line in store.journal.path.read_text().splitlines()] \
        if store.journal.path.exists() else []
    filler.unlink()
    end = time.monotonic() + 20
    while store.waiting and time.monotonic() < end:
        time.sleep(0.1)
    assert store.waiting == 0
    store.close()
    reopened = RecordStore.open(settings.storage)
    stored = {r.plate for r in reopened.records()}
    reopened.close()
    assert {r.plate for r in kept} == stored  # every record reported kept is in the database
    assert {w["plate"] for w in waiting} <= stored
    assert [row["plate"] for row in csv_rows(settings.storage.csv_path)] == \
        [r.plate for r in RecordStore.open(settings.storage).records()]
    assert list(csv_rows(settings.storage.csv_path)[0]) == list(CSV_COLUMNS)
    assert verify_command(settings) == 0 and f"OK: {len(stored)} records" in capsys.readouterr().out


def test_a_torn_csv_is_rebuilt_from_the_database(settings):
    store = RecordStore.open(settings.storage)
    for n, plate in enumerate(["ABC1234", "XYZ9876", "JKL5678"]):
        store.save(plate, 0.9, START + timedelta(seconds=n), "cam", n, None)
    store.close()
    path = Path(settings.storage.csv_path)
    path.write_bytes(path.read_bytes()[:-25])  # the last row cut off mid-way, as a full disk leaves it
    RecordStore.open(settings.storage).close()
    assert [row["plate"] for row in csv_rows(path)] == ["ABC1234", "XYZ9876", "JKL5678"]


def test_the_head_log_never_keeps_part_of_a_line_when_the_disk_fills(tiny_disk):
    """A full disk takes part of a write without an error: the part is taken back, so verify never meets
    an unreadable line once there is room again."""
    log = HeadLog(tiny_disk / "chain_head.log", b"k" * 32)
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * (DISK_KB - 4) * 1024)
    for seq in range(1, 200):
        log.append(Head("gate-1", seq, f"{seq:064x}"), "2026-11-26T08:00:00.000+00:00")
    filler.unlink()
    log.append(Head("gate-1", 200, f"{200:064x}"), "2026-11-26T08:00:00.000+00:00")
    heads, problems = log.signed()
    assert problems == [] and (tiny_disk / "chain_head.log").read_bytes().endswith(b"\n")
    assert max(seq for seq, _ in heads["gate-1"]) == 200
