"""Crash safety: a busy headless run killed with SIGKILL at random moments loses no committed record."""

import random
import re
import signal
import sqlite3
import subprocess
import time

import pytest

import synth
from conftest import PROJECT
from program import MAIN, securex

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX kill")]
KILLS = 6
SAVED = re.compile(r"Saved (\w+) .* -> record (\d+),")


def committed(db_path):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)  # never creates it
    try:
        return dict(db.execute("SELECT id, plate FROM plates").fetchall())
    finally:
        db.close()


def saved(db_path):
    """How many records are committed (none before the database exists)."""
    try:
        return len(committed(db_path))
    except sqlite3.Error:
        return 0


def writing(program, db_path, wait=60.0):
    """Wait until the run has committed a record of its own (started up: model, database, key), however loaded
    the machine is; the kill moment is drawn after that."""
    before, deadline = saved(db_path), time.monotonic() + wait
    while time.monotonic() < deadline and program.poll() is None:
        if saved(db_path) > before:
            return
        time.sleep(0.05)
    raise AssertionError(f"the run wrote no record within {wait:.0f} s")


def test_kill_9_at_random_moments_loses_nothing_and_verifies(tmp_path):
    clip = synth.write_clip(tmp_path / "busy.avi", [(f"KLM{n}{n}{n}{n}", 14) for n in range(1, 9)], gap=3)
    data = tmp_path / "data"
    chances = random.Random(2026)
    reported: dict[int, str] = {}
    for kill in range(KILLS):
        program = subprocess.Popen([*MAIN, "run", "--source", str(clip), "--loop", "100", "--headless",
                                    "--data-dir", str(data)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=PROJECT)
        writing(program, data / "plates.db")
        time.sleep(chances.uniform(0.0, 5.0))  # ~3 records/s
        program.send_signal(signal.SIGKILL)
        _, stderr = program.communicate(timeout=30)
        for plate, record_id in SAVED.findall(stderr):
            reported[int(record_id)] = plate
        rows = committed(data / "plates.db")
        missing = {i: p for i, p in reported.items() if rows.get(i) != p}
        assert not missing, f"kill {kill + 1}: records reported saved but gone: {missing}"
        check = securex("verify", "--data-dir", data)
        assert check.returncode == 0 and "chain intact" in check.stdout, check.stdout + check.stderr
    print(f"{KILLS} kills survived; {len(reported)} records reported saved, all present; "
          f"{len(committed(data / 'plates.db'))} committed; verify OK after each kill")
    assert len(reported) >= 2 * KILLS  # the kills landed while records were being written
    export = securex("export", "--data-dir", data)
    assert export.returncode == 0 and f"Exported {len(committed(data / 'plates.db'))} records" in export.stdout
