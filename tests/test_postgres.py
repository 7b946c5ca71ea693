"""Many gates on one central PostgreSQL: two gate processes writing at once, and every record
command (verify, export, search, report) against that backend."""

import itertools
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

import synth
from conftest import PROJECT
from pg_server import PostgresServer, server_bin
from program import MAIN, securex

pytestmark = pytest.mark.slow
SAVED = re.compile(r"Saved (\w+) .* -> record (\d+),")
_names = itertools.count(1)


def start_server() -> PostgresServer:
    """A new server of the tests' own; the test fails (CI) or is skipped where the server is not installed."""
    bindir = server_bin()
    if bindir is None:
        if os.environ.get("SECUREX_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL server binaries not found although scripts/setup.sh --test installs them")
        pytest.skip("PostgreSQL server not installed (scripts/test.sh installs it)")
    return PostgresServer(bindir).start()


@pytest.fixture(scope="module")
def server():
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def database(server):
    return server.create_database(f"securex_{next(_names)}")


def rows(url, sql):
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def test_two_gates_write_at_once_and_each_chain_verifies(database, tmp_path):
    key = tmp_path / "site.key"
    visits = {"north": [(f"NRT{n}{n}{n}{n}", 14) for n in range(1, 7)],
              "south": [(f"STH{n}{n}{n}{n}", 14) for n in range(1, 7)]}
    gates = {}
    for gate, plates in visits.items():
        clip = synth.write_clip(tmp_path / f"{gate}.avi", plates, gap=3)
        # both gates start at once: one creates the shared key, the other uses it
        gates[gate] = subprocess.Popen(
            [*MAIN, "run", "--source", str(clip), "--loop", "3", "--headless", "--db", database, "--key", str(key),
             "--gate", gate, "--data-dir", str(tmp_path / gate)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT)
    saved = {}
    for gate, program in gates.items():
        stdout, stderr = program.communicate(timeout=600)
        assert program.returncode == 0, stderr[-2000:]
        saved[gate] = {int(i): p for p, i in SAVED.findall(stderr)}
    stored = rows(database, "SELECT id, gate, plate, seq FROM plates ORDER BY id")
    ids = [r[0] for r in stored]
    assert len(ids) == len(set(ids)) == sum(len(s) for s in saved.values()) >= 12  # nothing lost, no duplicate
    for gate in gates:
        mine = [r for r in stored if r[1] == gate]
        assert {r[0]: r[2] for r in mine} == saved[gate]
        assert sorted(r[3] for r in mine) == list(range(1, len(mine) + 1))
        check = securex("verify", "--db", database, "--key", key, "--gate", gate, "--data-dir", tmp_path / gate)
        assert check.returncode == 0 and f"OK: {len(stored)} records, chain intact" in check.stdout, check.stdout

    found = securex("search", "NRT1*", "--db", database, "--key", key)
    assert found.returncode == 0 and f"{sum(p == 'NRT1111' for p in saved['north'].values())} record(s)" in found.stdout
    report = securex("report", "--from", "2000-01-01", "--to", "2100-01-01", "--db", database, "--key", key,
                     "--data-dir", tmp_path / "office")
    assert report.returncode == 0 and f"entries          {len(stored)}" in report.stdout
    assert "gate north" in report.stdout and "gate south" in report.stdout
    export = securex("export", "--db", database, "--key", key, "--csv", tmp_path / "all.csv")
    assert export.returncode == 0 and f"Exported {len(stored)} records" in export.stdout


def test_tampering_in_postgres_is_caught(database, tmp_path):
    from datetime import datetime, timezone

    from securex.config import load_config
    from securex.records.storage import RecordStore

    settings = load_config({"DATABASE_URL": database, "KEY_PATH": str(tmp_path / "k.key"),
                            "HEAD_LOG_PATH": str(tmp_path / "chain_head.log"), "CSV_PATH": str(tmp_path / "p.csv"),
                            "IMAGES_DIR": str(tmp_path / "img")})
    store = RecordStore.open(settings.storage)
    for n, plate in enumerate(["ABC1234", "XYZ9876", "JKL5678"]):
        store.save(plate, 0.9, datetime(2026, 11, 26, 9, n, tzinfo=timezone.utc), "cam", n, None)
    store.close()
    options = ["--db", database, "--key", tmp_path / "k.key", "--data-dir", tmp_path]
    import psycopg

    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("UPDATE plates SET plate = 'ABC1235' WHERE seq = 1")
        connection.execute("DELETE FROM plates WHERE seq = 3")
    check = securex("verify", *options)
    assert check.returncode == 1
    assert "edited" in check.stdout and "newest record(s) deleted" in check.stdout


def test_unreachable_server_is_one_line_exit_2(tmp_path):
    result = securex("verify", "--db", "postgresql://nobody:secret@127.0.0.1:1/none", "--key", tmp_path / "k")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "secret" not in result.stderr and "Cannot use the PostgreSQL database" in result.stderr


def test_server_down_mid_run_loses_no_visit_and_leaves_no_orphan_photo(tmp_path):
    """The finding: stop PostgreSQL 8 s into a run, start it 8 s later; before, most visits were never recorded."""
    own = start_server()  # a server of its own: this test stops it
    try:
        database = own.create_database("outage")
        plates = [f"PGD{n}{n}{n}{n}" for n in range(1, 10)] + [f"PGE{n}{n}{n}{n}" for n in range(1, 4)]
        clip = synth.write_clip(tmp_path / "gate.avi", [(p, 14) for p in plates], gap=12)  # 2.6 s a car
        data = tmp_path / "data"
        program = subprocess.Popen([*MAIN, "run", "--source", str(clip), "--realtime", "--headless", "--db", database,
                                    "--data-dir", str(data)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT)
        time.sleep(8)
        own.pause()
        time.sleep(8)
        own.resume()
        stdout, stderr = program.communicate(timeout=300)
        assert program.returncode == 0, stderr[-3000:]
        assert "records wait in" in stderr  # the outage happened while cars were being recorded
        recorded = rows(database, "SELECT plate, image_path FROM plates ORDER BY seq")
        assert sorted(p for p, _ in recorded) == sorted(plates), stderr[-3000:]
        images = {p.name for p in (data / "saved_plates").iterdir()}
        assert images == {Path(path).name for _, path in recorded}  # no photo without its record
        assert all((data / "saved_plates" / name).stat().st_size > 0 for name in images)
        check = securex("verify", "--db", database, "--data-dir", data)
        assert check.returncode == 0 and f"OK: {len(plates)} records" in check.stdout, check.stdout + check.stderr
    finally:
        own.stop()


def test_old_database_in_postgres_is_upgraded_and_its_key_pinned(database, tmp_path, capsys):
    """The schema_v0 fixture's rows in PostgreSQL tables as SecureX made them before schema versions."""
    import shutil
    import sqlite3
    from datetime import datetime, timezone

    import psycopg

    from securex.cli.records import verify_command
    from securex.config import changed, load_config
    from securex.config.template import write_new_config
    from securex.records.migrations import LATEST, VERSION_0
    from securex.records.storage import RecordStore, StorageError

    site = tmp_path / "site"
    shutil.copytree(PROJECT / "tests" / "fixtures" / "schema_v0", site)
    write_new_config(site / "config.py")
    old = sqlite3.connect(site / "database" / "plates.db")
    with psycopg.connect(database, autocommit=True) as connection:
        for statement in VERSION_0:
            connection.execute(statement.format(id_column="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                                                real="DOUBLE PRECISION"))
        for table in ("plates", "chain_anchor"):
            cursor = old.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            for row in cursor:
                connection.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                   f"({', '.join(['%s'] * len(columns))})", row)
    old.close()
    config = load_config({"DATABASE_URL": database}, path=site / "config.py")
    assert verify_command(config) == 0 and "OK: 4 records, chain intact" in capsys.readouterr().out
    assert rows(database, "SELECT version FROM schema_version") == [(LATEST,)]
    assert len(rows(database, "SELECT fingerprint FROM chain_key")) == 1
    store = RecordStore.open(config.storage)
    assert store.save("KL07CD9999", 0.9, datetime(2026, 3, 3, 9, tzinfo=timezone.utc), "cam", 1, None).seq == 6
    store.close()
    assert verify_command(config) == 0 and "OK: 5 records, chain intact" in capsys.readouterr().out
    (tmp_path / "other.key").write_text("ab" * 32 + "\n")
    with pytest.raises(StorageError, match="^This key does not match the database"):
        RecordStore.open(changed(config, KEY_PATH=str(tmp_path / "other.key")).storage)


def test_inside_reads_only_the_gates_entries_and_exits_from_postgres(database, tmp_path, capsys):
    from datetime import datetime, timedelta

    import numpy as np

    from securex.cli.main import main
    from securex.config import changed, load_config
    from securex.records.storage import RecordStore

    config = changed(load_config(), DATABASE_URL=database, KEY_PATH=str(tmp_path / "site.key"),
                     HEAD_LOG_PATH=str(tmp_path / "head.log"), CSV_PATH=str(tmp_path / "plates.csv"),
                     IMAGES_DIR=str(tmp_path / "images"))
    now = datetime.now().astimezone().replace(microsecond=0)
    crop = np.full((20, 60, 3), 99, np.uint8)
    for gate, visits in (("north", [("KA01AB12", 5, "in"), ("XYZ9876", 4, "in"), ("KA0IAB12", 3, "out"),
                                    ("XYZ9876", 2, ""), ("JKL5678", 1, "in")]),
                         ("south", [("MNO4321", 2, "in"), ("XYZ9876", 1, "out")])):
        store = RecordStore.open(changed(config, GATE_NAME=gate).storage)
        for plate, hours_ago, direction in visits:
            store.save(plate, 0.9, now - timedelta(hours=hours_ago), "cam", 0, crop, lane="l", direction=direction)
        store.close()
    options = ["--db", database, "--key", str(tmp_path / "site.key"), "--csv", str(tmp_path / "plates.csv")]
    assert main(["inside", *options, "--gate", "north"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["XYZ9876", "JKL5678"]  # KA0IAB12 closed KA01AB12
    assert lines[-1] == "2 vehicle(s) on site at gate north"  # south's exit of XYZ9876 closes nothing here


@pytest.fixture
def own_server():
    """A server of the test's own: the test stops it or makes it hang."""
    own = start_server()
    yield own
    own.stop()  # thaws it first


def test_a_hanging_server_is_treated_as_down_in_process(own_server, tmp_path):
    """The finding: a server that stops answering without closing the connection (SIGSTOP, a black hole) froze
    the write until TCP gave up (for ever here: the kernel still acknowledges). Now the write gives up after
    DATABASE_TIMEOUT_SECONDS, the record waits in the journal, and is written once the server answers again."""
    from datetime import datetime, timezone

    from securex.config import load_config
    from securex.records.storage import RecordStore

    database = own_server.create_database("hang")
    settings = load_config({"DATABASE_URL": database, "KEY_PATH": str(tmp_path / "k.key"),
                            "HEAD_LOG_PATH": str(tmp_path / "chain_head.log"), "CSV_PATH": str(tmp_path / "p.csv"),
                            "IMAGES_DIR": str(tmp_path / "img"), "DATABASE_TIMEOUT_SECONDS": 1})
    store = RecordStore.open(settings.storage)
    when = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)
    try:
        assert store.save("HNG0001", 0.9, when, "cam", 1, None).id == 1
        own_server.freeze()
        threading.Timer(15, own_server.thaw).start()  # without the timeout, the save would wait for ever
        started = time.monotonic()
        first = store.save("HNG0002", 0.9, when, "cam", 2, None)
        blocked = time.monotonic() - started
        started = time.monotonic()
        second = store.save("HNG0003", 0.9, when, "cam", 3, None)
        assert (first.id, second.id, store.waiting) == (None, None, 2)
        assert 0.9 <= blocked < 3 and time.monotonic() - started < 0.5  # the next ones do not wait at all
        time.sleep(3)  # the catch-up's attempts meanwhile give up too
        assert store.waiting == 2
    finally:
        own_server.thaw()
    deadline = time.monotonic() + 60
    while store.waiting and time.monotonic() < deadline:
        time.sleep(0.2)
    store.close()
    assert rows(database, "SELECT seq, plate FROM plates ORDER BY seq") == [(1, "HNG0001"), (2, "HNG0002"),
                                                                            (3, "HNG0003")]
    check = securex("verify", "--db", database, "--key", tmp_path / "k.key", "--data-dir", tmp_path)
    assert check.returncode == 0 and "OK: 3 records, chain intact" in check.stdout, check.stdout + check.stderr


def test_a_hanging_server_does_not_stop_the_gate(own_server, tmp_path):
    """The same as a user meets it: SIGSTOP the server 8 s into a run, SIGCONT 10 s later. Cars that come
    meanwhile wait in the journal (the gate goes on), every visit is recorded and the chain verifies."""
    database = own_server.create_database("hang_run")
    config = tmp_path / "config.py"
    from securex.config.template import render

    config.write_text(render().replace("DATABASE_TIMEOUT_SECONDS = 5.0", "DATABASE_TIMEOUT_SECONDS = 2"))
    plates = [f"HNG{n}{n}{n}{n}" for n in range(1, 10)] + [f"HNH{n}{n}{n}{n}" for n in range(1, 4)]
    clip = synth.write_clip(tmp_path / "gate.avi", [(p, 14) for p in plates], gap=12)  # 2.6 s a car
    data = tmp_path / "data"
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        program = subprocess.Popen([*MAIN, "run", "--config", str(config), "--source", str(clip), "--realtime",
                                    "--headless", "--db", database, "--data-dir", str(data)],
                                   stdout=subprocess.PIPE, stderr=log, text=True, cwd=PROJECT)
    journal = data / "waiting_records.jsonl"
    try:
        deadline = time.monotonic() + 120
        while "Saved HNG" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        own_server.freeze()
        time.sleep(10)
        waiting_while_hung = journal.read_text().count("\n") if journal.exists() else 0
    finally:
        own_server.thaw()
    stdout, _ = program.communicate(timeout=300)
    log_text = log_path.read_text()
    assert program.returncode == 0, log_text[-3000:]
    assert waiting_while_hung >= 2, log_text[-3000:]  # the gate went on recording while the server hung
    assert "did not answer within 2 s" in log_text and "records wait in" in log_text
    recorded = rows(database, "SELECT plate FROM plates ORDER BY seq")
    assert sorted(p for (p,) in recorded) == sorted(plates), log_text[-3000:]
    check = securex("verify", "--config", config, "--db", database, "--data-dir", data)
    assert check.returncode == 0 and f"OK: {len(plates)} records" in check.stdout, check.stdout + check.stderr
