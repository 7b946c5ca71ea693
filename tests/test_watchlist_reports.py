"""Access lists, alerts, search, reports and retention."""

import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from securex.cli.records import prune_command, report_command, search_command, verify_command, watchlist_command
from securex.config import changed
from securex.gate.alerts import AlertCommand
from securex.gate.watchlist import Watchlist
from securex.records.storage import RecordStore

CROP = np.full((20, 60, 3), 180, np.uint8)


@pytest.fixture
def listed(settings, tmp_path):
    settings = changed(settings, WATCHLIST_PATH=str(tmp_path / "watchlist.csv"))
    assert watchlist_command(settings, "add", "ABC1234", "flagged", "stolen car") == 0
    assert watchlist_command(settings, "add", "XYZ9876", "allowed", "staff") == 0
    assert watchlist_command(settings, "add", "OLD1111", "allowed", "", "2020-01-01") == 0
    return settings


def test_watchlist_matching(listed):
    lists = Watchlist(Path(listed.alerts.watchlist_path), max_distance=1)
    assert lists.match("ABC1234").status == "flagged" and lists.match("ABC1234").distance == 0
    assert lists.match("A8C1234").listed_plate == "ABC1234"  # 8 read for B: look-alikes are equal
    assert lists.match("ABC1239").distance == 1  # one wrong character still stops the car
    assert lists.match("XYZ9876").status == "allowed" and lists.match("XYZ9876").note == "staff"
    assert lists.match("OLD1111").status == "unknown"  # the entry ran out in 2020
    assert lists.match("JKL5678").status == "unknown"
    assert Watchlist(Path(listed.alerts.watchlist_path), max_distance=0).match("ABC1239").status == "unknown"
    assert Watchlist(None, 1).match("ABC1234") is None  # no list in use: no standing at all


def test_watchlist_reloads_when_the_file_changes(listed):
    lists = Watchlist(Path(listed.alerts.watchlist_path), max_distance=0)
    assert lists.match("NEW1234").status == "unknown"
    time.sleep(0.01)
    watchlist_command(listed, "add", "NEW1234", "flagged", "banned")
    lists.reload_if_changed()
    assert lists.match("NEW1234").status == "flagged"


def test_watchlist_remove_and_bad_rows(listed, capsys, caplog):
    assert watchlist_command(listed, "remove", "abc-1234") == 0
    assert watchlist_command(listed, "remove", "ABC1234") == 1
    with open(listed.alerts.watchlist_path, "a", encoding="utf-8") as handle:
        handle.write("BAD1234,maybe,,\nGOOD123,flagged,,not-a-date\n")
    assert Watchlist(Path(listed.alerts.watchlist_path), 1).size == 2
    assert "line 4 skipped: list 'maybe' is not allowed or flagged" in caplog.text
    assert "line 5 skipped: valid_until 'not-a-date' is not a date (YYYY-MM-DD)" in caplog.text


def test_alert_command_gets_plate_and_status_without_a_shell_and_never_blocks(tmp_path):
    out = tmp_path / "alerts.txt"
    script = tmp_path / "alert.py"
    script.write_text("import sys, time\nopen(sys.argv[1], 'a').write(' '.join(sys.argv[2:]) + '\\n')\n"
                      "time.sleep(float(sys.argv[2]) if sys.argv[2][0].isdigit() else 0)\n")
    alerts = AlertCommand([sys.executable, str(script), str(out)], timeout_seconds=1.0)
    start = time.monotonic()
    alerts.notify("ABC1234;rm -rf /", "flagged")
    alerts.notify("30", "unknown")  # a command that hangs is stopped at the timeout
    assert time.monotonic() - start < 0.5
    alerts.close()
    assert time.monotonic() - start < 5
    assert sorted(out.read_text().splitlines()) == ["30 unknown", "ABC1234;rm -rf / flagged"]


def filled_store(settings, when, plates):
    store = RecordStore.open(settings.storage)
    for n, (plate, status) in enumerate(plates):
        store.save(plate, 0.9, when + timedelta(minutes=7 * n), "cam", n, CROP,
                   {"list_status": status, "listed_plate": plate if status != "unknown" else "", "list_distance": 0})
    store.close()


DAY = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
PLATES = [("ABC1234", "flagged"), ("ABC1284", "unknown"), ("XYZ9876", "allowed"), ("ABC1234", "flagged"),
          ("JKL5678", "unknown"), ("ABD1234", "unknown"), ("MNO4321", "unknown"), ("PQR1111", "unknown"),
          ("STU2222", "unknown"), ("VWX3333", "unknown")]


def found(capsys):
    lines = capsys.readouterr().out.splitlines()
    return [line.split()[3] for line in lines if line[:4].isdigit()]


def test_search_wildcards_fuzzy_status_and_dates(settings, capsys, tmp_path):
    filled_store(settings, DAY, PLATES)
    filled_store(settings, DAY + timedelta(days=2), [("ABC9999", "unknown")])
    capsys.readouterr()
    assert search_command(settings, "ABC*", None, None, 0, None, None) == 0
    assert found(capsys) == ["ABC1234", "ABC1284", "ABC1234", "ABC9999"]
    search_command(settings, "AB?1234", None, None, 0, None, None)
    assert found(capsys) == ["ABC1234", "ABC1234", "ABD1234"]
    search_command(settings, "ABC1234", None, None, 1, None, None)
    assert found(capsys) == ["ABC1234", "ABC1284", "ABC1234", "ABD1234"]
    search_command(settings, "*", None, None, 0, "flagged", None)
    assert found(capsys) == ["ABC1234", "ABC1234"]
    search_command(settings, "ABC*", "2026-11-22", "2026-11-22", 0, None, str(tmp_path / "hits.csv"))
    assert found(capsys) == ["ABC9999"]
    assert "ABC9999" in (tmp_path / "hits.csv").read_text(encoding="utf-8-sig")
    search_command(settings, "%", None, None, 0, None, None)  # SQL wildcards in the pattern are plain text
    assert found(capsys) == []


def test_report_figures_and_chart(settings, capsys):
    filled_store(settings, DAY, PLATES)
    assert report_command(settings, "2026-11-20", None, None) == 0
    out = capsys.readouterr().out
    assert "entries          10" in out and "unique plates    9" in out and "flagged events   2" in out
    assert "busiest hour     08:00-09:00 (9 entries)" in out
    chart = Path(out.split("chart")[-1].strip())
    assert chart.name == "report_2026-11-20.png" and cv2.imread(str(chart)).shape[2] == 3


def test_prune_keeps_verify_meaningful(settings, capsys):
    old = datetime.now(timezone.utc) - timedelta(days=40)
    filled_store(settings, old, PLATES[:4])
    filled_store(settings, datetime.now(timezone.utc) - timedelta(days=1), PLATES[4:6])
    images_before = len(list(Path(settings.storage.images_dir).iterdir()))
    assert prune_command(settings, 30, yes=True) == 0
    assert "4 records and 4 images" in capsys.readouterr().out
    assert len(list(Path(settings.storage.images_dir).iterdir())) == images_before - 4
    assert verify_command(settings) == 0 and "OK: 2 records, chain intact" in capsys.readouterr().out
    db = sqlite3.connect(settings.storage.database_url)
    with db:
        db.execute("DELETE FROM plates WHERE seq = 5")  # the oldest kept record, removed by hand
    db.close()
    assert verify_command(settings) == 1 and "1 record(s) deleted before it" in capsys.readouterr().out


def test_prune_everything_then_keep_writing(settings, capsys):
    filled_store(settings, datetime.now(timezone.utc) - timedelta(days=40), PLATES[:3])
    assert prune_command(settings, 30, yes=True) == 0
    assert verify_command(settings) == 0 and "OK: 0 records" in capsys.readouterr().out
    filled_store(settings, datetime.now(timezone.utc), PLATES[3:4])
    assert verify_command(settings) == 0 and "OK: 1 records" in capsys.readouterr().out
