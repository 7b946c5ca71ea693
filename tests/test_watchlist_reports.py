"""Access lists, alerts, search, reports and retention."""

import os
import signal
import sqlite3
import sys
import time
from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from securex.cli.records import (
    export_command,
    prune_command,
    report_command,
    search_command,
    verify_command,
    watchlist_command,
)
from securex.config import changed
from securex.core.domain import PlateRead
from securex.core.errors import SecureXError
from securex.gate.alerts import CommandReceiver
from securex.gate.announcer import Announcer
from securex.gate.events import EventMaker
from securex.gate.watchlist import Watchlist, read_entries
from securex.records.storage import RecordStore
from securex.video.tracking import Sighting, Track

CROP = np.full((20, 60, 3), 180, np.uint8)


@pytest.fixture
def listed(settings, tmp_path):
    settings = changed(settings, WATCHLIST_PATH=str(tmp_path / "watchlist.csv"))
    assert watchlist_command(settings, "add", "ABC1234", "flagged", "stolen car") == 0
    assert watchlist_command(settings, "add", "XYZ9876", "allowed", "staff") == 0
    with open(settings.alerts.watchlist_path, "a", encoding="utf-8") as handle:
        handle.write("OLD1111,allowed,,2020-01-01\n")  # an entry that ran out (`add` refuses a past --until)
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


def refused(command, *args, **kwargs):
    """The one line a command refuses with (exit 2)."""
    with pytest.raises(SecureXError) as error:
        command(*args, **kwargs)
    assert error.value.exit_code == 2
    return str(error.value)


def test_watchlist_add_refuses_plates_that_can_never_match_and_past_days(listed, capsys):
    # finding 10: `watchlist add` took AB (below PLATE_MIN_LENGTH) and an expired --until without a word
    strict = changed(listed, PLATE_COUNTRIES=["br", "eu"])
    assert refused(watchlist_command, strict, "add", "AB", "flagged") == "'AB' is not a plate: it has 2 characters, " \
        "a plate has 4 to 8 (PLATE_MIN_LENGTH, PLATE_MAX_LENGTH and PLATE_COUNTRIES in config.py)"
    assert refused(watchlist_command, listed, "add", "A", "flagged") == "'A' is not a plate: it has 1 character, " \
        "a plate has 2 to 10 (PLATE_MIN_LENGTH, PLATE_MAX_LENGTH and PLATE_COUNTRIES in config.py)"
    assert "it has 11 characters" in refused(watchlist_command, listed, "add", "ABCD-1234567", "flagged")
    assert refused(watchlist_command, listed, "add", "ÄBC1234", "flagged") == \
        "'ÄBC1234' is not a plate: Ä cannot be in a plate (PLATE_ALLOWED_CHARS in config.py)"
    yesterday, today = (date.today() - timedelta(days=1)).isoformat(), date.today().isoformat()
    assert refused(watchlist_command, listed, "add", "NEW1234", "allowed", "", yesterday) == \
        f"--until {yesterday} is in the past: give today or a later day"
    assert [e.plate for e in read_entries(listed.alerts.watchlist_path)] == ["ABC1234", "XYZ9876", "OLD1111"]
    assert watchlist_command(listed, "add", "new-1234", "allowed", "", today) == 0
    assert capsys.readouterr().out == f"Added NEW1234: allowed, until {today}\n"
    assert watchlist_command(listed, "add", "gt", "allowed") == 0  # "world" reads vanity plates this short
    assert "a plate has 5 to 10" in refused(watchlist_command, changed(listed, PLATE_MIN_LENGTH=5), "add", "gt",
                                            "allowed")  # unless the site sets its own shortest


def test_moving_a_plate_to_the_other_list_needs_replace_and_says_what_it_replaced(listed, capsys):
    # finding 10: a flagged "stolen car" entry silently became allowed
    assert refused(watchlist_command, listed, "add", "ABC1234", "allowed", "staff") == \
        "ABC1234 is on the flagged list (stolen car): add --replace to put it on the allowed list instead"
    assert Watchlist(listed.alerts.watchlist_path, 0).match("ABC1234").status == "flagged"  # untouched
    assert watchlist_command(listed, "add", "ABC1234", "flagged", "stolen 2026-11-02") == 0  # same list: no flag
    assert capsys.readouterr().out == "Updated ABC1234: flagged (stolen 2026-11-02)\n"
    assert watchlist_command(listed, "add", "ABC1234", "allowed", "recovered", replace=True) == 0
    assert capsys.readouterr().out == \
        "Replaced ABC1234: was flagged (stolen 2026-11-02), now allowed (recovered)\n"
    assert Watchlist(listed.alerts.watchlist_path, 0).match("ABC1234").status == "allowed"


def test_alert_command_gets_plate_status_and_event_without_a_shell_and_is_stopped_at_its_timeout(tmp_path):
    out = tmp_path / "alerts.txt"
    script = tmp_path / "alert.py"
    script.write_text("import json, sys, time\nevent = json.load(sys.stdin)\n"
                      "open(sys.argv[1], 'a').write(' '.join(sys.argv[2:]) + ' ' + event['event_id'] + '\\n')\n"
                      "time.sleep(float(sys.argv[2]) if sys.argv[2][0].isdigit() else 0)\n")
    alerts = CommandReceiver([sys.executable, str(script), str(out)], timeout_seconds=1.0)
    events = EventMaker("gate-1", "lane-1", "guard")
    flagged = asdict(events.visit("ABC1234;rm -rf /", 0.9, "flagged", "stolen", 100.0))
    hanging = asdict(events.visit("30", 0.9, "", "", 101.0))
    alerts.deliver(flagged)
    start = time.monotonic()
    alerts.deliver(hanging)  # a command that hangs is stopped at the timeout
    assert 0.9 < time.monotonic() - start < 5
    alerts.deliver(asdict(events.camera(True, "rtsp://cam", 102.0)))  # not a plate: the command is not run
    assert out.read_text().splitlines() == [f"ABC1234;rm -rf / flagged {flagged['event_id']}",
                                            f"30 none {hanging['event_id']}"]


def running(pid):
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.mark.skipif(sys.platform == "win32", reason="checks POSIX process ids (Windows: taskkill /T)")
def test_alert_command_that_times_out_is_stopped_with_everything_it_started(tmp_path):
    # finding 8: on timeout only the command itself was killed; the programs it started ran on
    pids = tmp_path / "pids.txt"
    script = tmp_path / "barrier.py"
    script.write_text("import subprocess, sys, time\n"
                      "children = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
                      " for _ in range(3)]\n"
                      f"open({str(pids)!r}, 'w').write(' '.join(str(c.pid) for c in children))\n"
                      "time.sleep(60)\n")
    alerts = CommandReceiver([sys.executable, str(script)], timeout_seconds=1.5)
    alerts.deliver(asdict(EventMaker("gate-1", "lane-1", "guard").visit("ABC1234", 0.9, "flagged", "", 100.0)))
    children = [int(p) for p in pids.read_text().split()]
    assert len(children) == 3
    deadline = time.monotonic() + 5
    while any(running(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in children if running(p)]
    for pid in left:  # do not leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_one_visit_is_announced_once_however_its_track_is_split(listed):
    # finding 8: one car triggered the alert command twice, 1.4 s apart (a barrier would open twice).
    # A new visit is what makes its event (the alert command's input) and opens the barrier.
    announcer = Announcer(listed.alerts, duplicate_window_seconds=10.0)
    visits = []
    for plate, at in [("ABC1234", 100.0), ("ABC1234", 101.4), ("A8C1234", 103.0), ("XYZ9876", 104.0),
                      ("ABC1234", 130.0)]:  # one car's track split twice, another car, the first car back later
        track = Track(1, (0, 0, 60, 20))
        track.add_read(Sighting(PlateRead(plate, 0.9, (0, 0, 60, 20)), CROP, int(at * 25), at))
        if announcer.announce(track):
            visits.append(f"{plate} {track.decision.status}")
    assert visits == ["ABC1234 flagged", "XYZ9876 allowed", "ABC1234 flagged"]
    assert announcer.flagged == 2 and announcer.alerts == ["FLAGGED ABC1234: stolen car"] * 2


def test_a_visit_corrected_to_a_flagged_plate_raises_the_alert_once(listed):
    announcer = Announcer(listed.alerts, duplicate_window_seconds=10.0)
    track = Track(1, (0, 0, 60, 20))
    track.add_read(Sighting(PlateRead("QRS1234", 0.9, (0, 0, 60, 20)), CROP, 2500, 100.0))
    assert announcer.announce(track) and track.decision.status == "unknown" and announcer.alerts == []
    for at in (101.0, 102.0):  # read closer, the rest of the visit says ABC1234
        track.add_read(Sighting(PlateRead("ABC1234", 0.97, (0, 0, 90, 30)), CROP, int(at * 25), at))
    announcer.correct(track)
    assert track.decision.status == "flagged" and announcer.alerts == ["FLAGGED ABC1234: stolen car"]
    split = Track(2, (0, 0, 60, 20))  # the same car's track split: the same visit, no second alert
    split.add_read(Sighting(PlateRead("ABC1234", 0.97, (0, 0, 90, 30)), CROP, 2560, 102.4))
    announcer.correct(split)
    assert announcer.flagged == 1 and len(announcer.alerts) == 1
    assert split.announced  # a later track that took the visit's record is announced by its correction
    assert not announcer.announce(split) and len(announcer.alerts) == 1  # when it leaves: not announced again


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


def test_search_by_gate(settings, capsys):
    # finding 10: `search --gate` did not filter
    filled_store(settings, DAY, PLATES[:3])
    filled_store(changed(settings, GATE_NAME="north"), DAY, [("NTH1234", "unknown"), ("ABC1234", "flagged")])
    capsys.readouterr()
    assert search_command(settings, "*", None, None, 0, None, None, "north") == 0
    assert found(capsys) == ["NTH1234", "ABC1234"]
    search_command(settings, "ABC*", None, None, 0, None, None, settings.storage.gate_name)
    assert found(capsys) == ["ABC1234", "ABC1284"]


def test_reversed_date_range_and_csv_into_a_missing_folder_are_refused(settings, tmp_path):
    # finding 10: `report` with from after to printed 0 entries and exit 0; `export --csv` created the folder
    filled_store(settings, DAY, PLATES[:2])
    line = "--from 2026-11-22 is after --to 2026-11-20: give the earlier day first"
    assert refused(report_command, settings, None, "2026-11-22", "2026-11-20") == line
    assert refused(export_command, settings, "2026-11-22", "2026-11-20", None) == line
    assert refused(search_command, settings, "*", "2026-11-22", "2026-11-20", 0, None, None) == line
    missing = tmp_path / "nonexistent"
    expected = f"Folder {missing} does not exist: give --csv a file in an existing folder"
    assert refused(export_command, settings, None, None, str(missing / "x.csv")) == expected
    assert refused(search_command, settings, "*", None, None, 0, None, str(missing / "x.csv")) == expected
    assert not missing.exists()
    assert export_command(settings, None, None, str(tmp_path / "x.csv")) == 0 and (tmp_path / "x.csv").is_file()


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
