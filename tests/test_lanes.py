"""Lanes: which lanes run, which way a vehicle went, who is on site; and two lanes in one process, end to end."""

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from securex.cli.main import main
from securex.config import ConfigError, changed
from securex.config.lanes import LaneConfig, lane_from_option
from securex.core.domain import Record
from securex.gate.lanes import direction_of, lanes_to_run, region_box
from securex.records.corrections import as_corrected
from securex.records.onsite import LONE_EXITS_KEPT, OnSite, duration_text, movement_lines, movements, on_site, stays
from securex.records.storage import RecordStore

import synth
from program import securex

NEAR, FAR = (300, 300, 120, 30), (300, 200, 80, 20)  # a plate box close to the camera, and further away


@pytest.mark.parametrize("lane, first, last, approaching_is, expected", [
    ("both", FAR, NEAR, "in", "in"),  # grew and moved down: coming toward the camera
    ("both", (300, 500, 80, 20), NEAR, "in", "in"),  # grew while moving up (a camera below the plates): coming
    ("both", NEAR, (300, 500, 80, 20), "in", "out"),  # shrank while moving down: going away
    ("both", NEAR, (300, 380, 120, 30), "in", ""),  # moved down without growing: not known
    ("both", NEAR, FAR, "in", "out"),
    ("both", FAR, NEAR, "out", "out"),  # a camera that watches cars leave
    ("both", NEAR, (302, 301, 120, 30), "in", ""),  # hardly moved: not known
    ("in", NEAR, FAR, "in", "in"),  # an in or out lane takes its own, whatever the motion
    ("out", FAR, NEAR, "in", "out"),
])
def test_direction_from_the_plates_motion(lane, first, last, approaching_is, expected):
    assert direction_of(lane, [first, last], approaching_is) == expected


def test_lanes_of_a_run_come_from_the_options_then_lanes_then_the_camera():
    entry, exit_ = LaneConfig("entry", "0", "in"), LaneConfig("exit", "1", "out")
    assert lanes_to_run([entry], [exit_], None, 0, "lane-1") == [exit_]
    assert lanes_to_run([entry, exit_], [], None, 0, "lane-1") == [entry, exit_]
    assert lanes_to_run([entry], [], "gate.mp4", 0, "lane-1") == [LaneConfig("lane-1", "gate.mp4", "")]
    assert lanes_to_run([], [], None, 2, "north") == [LaneConfig("north", "2", "")]


def test_lane_option_and_lanes_setting_are_checked_in_plain_words(base_settings):
    assert lane_from_option("exit:out=rtsp://u:p@10.0.0.6/s") == LaneConfig("exit", "rtsp://u:p@10.0.0.6/s", "out")
    for bad in ("entry=0", "entry:sideways=0", "entry:in=", "a/b:in=0"):
        with pytest.raises(ValueError, match="is not a lane: give NAME:DIRECTION=SOURCE"):
            lane_from_option(bad)
    with pytest.raises(ConfigError) as problem:
        changed(base_settings, LANES=[{"name": "a", "source": 0, "direction": "up"},
                                      {"name": "a", "source": 1, "direction": "in", "region": [[0, 0], [2, 1]]}])
    assert str(problem.value).splitlines() == [
        "LANES entry 1: direction 'up' is unknown: use \"in\", \"out\" or \"both\"",
        "LANES entry 2: region must be a list of 3 or more [x, y] points, each between 0 and 1 (fractions of the "
        "picture): fix it in config.py",
        "LANES: two lanes have the same name: give each lane a name of its own"]
    with pytest.raises(ConfigError) as problem:
        changed(base_settings, LANES=[{"name": "a", "source": 0, "direction": "in"},
                                      {"name": "b", "source": "0", "direction": "out"}])
    assert str(problem.value) == ("LANES: two lanes use camera 0, which only one can open: give each lane its own "
                                  "camera (two lanes seen by one camera: give both its network stream's URL, each its "
                                  "region)")
    two_halves = [{"name": "a", "source": "rtsp://cam/s", "direction": "in", "region": [[0, 0], [0.5, 0], [0.5, 1]]},
                  {"name": "b", "source": "rtsp://cam/s", "direction": "out", "region": [[0.5, 0], [1, 0], [1, 1]]}]
    assert len(changed(base_settings, LANES=two_halves).camera.lanes) == 2  # one network camera, two lanes


def test_region_is_its_rectangle_in_pixels():
    assert region_box([(0, 0.5), (1, 0.5), (1, 1), (0, 1)], 1920, 1080) == (0, 540, 1920, 540)
    assert region_box([], 640, 480) == (0, 0, 640, 480)


def moved(plate, minute, direction, lane="", kind=""):
    at = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc) + timedelta(minutes=minute)
    return Record(plate, 0.9, at.isoformat(), "cam", 0, "", "gate-1", kind=kind, lane=lane, direction=direction)


def test_exits_close_the_oldest_open_entry_of_the_same_plate_lookalikes_alike():
    records = [moved("KA01AB12", 0, "in", "entry"), moved("XYZ9876", 5, "in", "entry"),
               moved("KA0IAB12", 30, "out", "exit"),  # read with I for 1 going out: the same car
               moved("NEW0001", 40, "out", "exit"),  # in before the records began: closes nothing
               moved("XYZ9876", 50, "", "both"),  # direction not known: neither
               moved("XYZ9876", 55, "", kind="manual_open")]
    found = stays(records)
    assert [(s.entry.plate, s.exit.plate if s.exit else None) for s in found] == \
        [("KA01AB12", "KA0IAB12"), ("XYZ9876", None)]
    assert found[0].seconds(datetime(2026, 12, 2, tzinfo=timezone.utc)) == 30 * 60
    assert [s.entry.plate for s in on_site(records)] == ["XYZ9876"]
    assert [duration_text(s) for s in (59, 45 * 60, 3 * 3600 + 5 * 60, 50 * 3600)] == \
        ["0 min", "45 min", "3 h 05 min", "2 d 2 h"]


def test_inside_lists_who_came_in_and_marks_the_stale(settings, tmp_path, capsys):
    store = RecordStore.open(settings.storage)
    start = datetime.now().astimezone().replace(microsecond=0)
    for plate, hours_ago, direction in [("OLD1234", 30, "in"), ("ABC1234", 2, "in"), ("GONE123", 3, "in"),
                                        ("GONE123", 1, "out")]:
        store.save(plate, 0.9, start - timedelta(hours=hours_ago), "cam", 0, np.full((20, 60, 3), 99, np.uint8),
                   lane="entry" if direction == "in" else "exit", direction=direction)
    store.close()
    s = settings.storage
    assert main(["inside", "--db", s.database_url, "--key", str(s.key_path), "--csv", str(s.csv_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["PLATE", "IN", "AT", "ON", "SITE", "LANE"]
    assert lines[1].startswith("OLD1234") and "30 h 00 min" in lines[1] and lines[1].endswith("STALE: no exit in 24 h")
    assert lines[2].startswith("ABC1234") and "2 h 00 min" in lines[2] and lines[2].endswith("entry")
    assert lines[3] == "2 vehicle(s) on site at gate gate-1 (1 stale: in for over 24 h without an exit; the exit " \
                       "may have been missed)"


@pytest.mark.slow
def test_two_lanes_in_one_process_record_lane_and_direction_and_who_is_inside(tmp_path):
    """An entry lane and an exit lane on clips made here; then two `both` lanes, one car toward the camera and one
    away: one chain, each record with its lane and direction, and `inside` after."""
    entry = synth.write_clip(tmp_path / "entry.avi", [("ABC1234", 30), ("XYZ9876", 30)], drive="toward")
    exit_ = synth.write_clip(tmp_path / "exit.avi", [("ABC1234", 30)], gap=40, drive="away")
    data = ["--data-dir", tmp_path]
    result = securex("run", "--lane", f"entry:in={entry}", "--lane", f"exit:out={exit_}", "--headless", *data)
    assert result.returncode == 0, result.stderr
    database = sqlite3.connect(tmp_path / "plates.db")
    rows = database.execute("SELECT plate, lane, direction, source, seq FROM plates ORDER BY seq").fetchall()
    assert sorted(r[:3] for r in rows) == [("ABC1234", "entry", "in"), ("ABC1234", "exit", "out"),
                                           ("XYZ9876", "entry", "in")]
    assert {r[3] for r in rows if r[1] == "exit"} == {str(exit_)} and [r[4] for r in rows] == [1, 2, 3]
    inside = securex("inside", *data)
    assert inside.returncode == 0 and inside.stdout.splitlines()[1].startswith("XYZ9876")
    assert inside.stdout.splitlines()[-1] == "1 vehicle(s) on site at gate gate-1"
    assert securex("verify", *data).stdout.startswith("OK: 3 records, chain intact")
    report = securex("report", *data).stdout
    assert "in / out         2 / 1" in report and "(1 stays ended)" in report

    toward = synth.write_clip(tmp_path / "toward.avi", [("JKL5678", 30)], drive="toward")
    away = synth.write_clip(tmp_path / "away.avi", [("MNO4321", 30)], drive="away")
    result = securex("run", "--lane", f"a:both={toward}", "--lane", f"b:both={away}", "--headless", *data)
    assert result.returncode == 0, result.stderr
    rows = database.execute("SELECT plate, lane, direction FROM plates WHERE seq > 3").fetchall()
    database.close()
    assert sorted(rows) == [("JKL5678", "a", "in"), ("MNO4321", "b", "out")]


def test_source_and_lane_together_are_refused_in_one_line(tmp_path, capsys):
    assert main(["run", "--source", "0", "--lane", "a:in=1", "--headless", "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == "Give either --source (one lane) or --lane (one or more lanes), not both"


def test_on_site_is_kept_record_by_record_and_the_report_counts_ins_outs_and_time_on_site():
    site = OnSite([moved("KA01AB12", 0, "in"), moved("XYZ9876", 5, "in")])
    assert site.add(moved("XYZ9876", 20, "out")).plate == "XYZ9876" and site.add(moved("ZZZ0000", 21, "out")) is None
    assert [r.plate for r in site.open] == ["KA01AB12"]
    records = [moved("EARLY01", -24 * 60, "in"),  # the day before: already in, its exit counts today
               moved("KA01AB12", 0, "in"), moved("XYZ9876", 5, "in"), moved("XYZ9876", 65, "out"),
               moved("EARLY01", 70, "out"), moved("KA01AB12", 125, "out")]
    moved_today = movements(records, "2026-12-01")
    assert (moved_today.ins[8], moved_today.outs[9], moved_today.outs[10]) == (2, 2, 1)
    assert (moved_today.on_site[8], moved_today.on_site[9], moved_today.on_site[10]) == (3, 2, 0)
    assert sorted(moved_today.stays) == [3600.0, 7500.0, 25 * 3600 + 600.0] and moved_today.median_stay == 7500.0
    assert movement_lines(moved_today)[:3] == ["  in / out         2 / 3",
                                               "  time on site     median 2 h 05 min, longest 25 h 10 min "
                                               "(3 stays ended)", "  hour   in  out  on site (most at once)"]
    assert movement_lines(movements([moved("ABC1234", 0, "")], "")) == []


def test_corrections_give_entries_their_plate_and_close_the_stay_an_exit_misread_left_open():
    def chained(record, seq, corrects=None):
        return replace(record, seq=seq, corrects=corrects)

    entry, other = chained(moved("AE416HE", 0, "in"), 1), chained(moved("XYZ9876", 1, "in"), 2)
    corrected_entry = chained(moved("AE410HE", 0.5, "in", kind="correction"), 3, corrects=1)
    misread_exit = chained(moved("KYZ9870", 30, "out"), 4)  # two edits off: it closes nothing
    corrected_exit = chained(moved("XYZ9876", 30.5, "out", kind="correction"), 5, corrects=4)
    leaving = chained(moved("AE410HE", 40, "out"), 6)
    other_gate = replace(corrected_entry, gate="gate-2", plate="ZZZ9999", seq=9)  # names gate-2's number 1, not ours
    site = OnSite([entry, other])
    assert site.add(other_gate) is None and site.add(corrected_entry) is None
    assert [r.plate for r in site.open] == ["AE410HE", "XYZ9876"]
    assert site.open[0].detected_at == entry.detected_at  # the entry keeps its time and its place
    assert site.add(misread_exit) is None and site.add(corrected_exit).plate == "XYZ9876"
    assert site.add(leaving).plate == "AE410HE" and site.open == []
    records = [entry, other, corrected_entry, misread_exit, corrected_exit, leaving]
    assert [(s.entry.plate, s.exit.plate) for s in stays(records)] == [("AE410HE", "AE410HE"), ("XYZ9876", "XYZ9876")]
    today = movements(records, "2026-12-01")
    assert (sum(today.ins), sum(today.outs), sorted(today.stays)) == (2, 2, [29.5 * 60, 40 * 60])
    exits_only = OnSite([chained(moved("QQQ0000", 1, "in"), 99)])
    for seq in range(100, 100 + LONE_EXITS_KEPT + 1):  # a gate that watches only exits keeps the latest of them
        assert exits_only.add(chained(moved(f"ZZ{seq:05d}", 2, "out"), seq)) is None
    late = chained(moved("QQQ0000", 3, "out", kind="correction"), 999, corrects=100)
    assert exits_only.add(late) is None and exits_only.add(replace(late, corrects=101)).plate == "QQQ0000"
    again = chained(moved("AE416HE", 0.7, "in", kind="correction"), 7, corrects=1)  # its vote turned back
    assert [(r.plate, r.seq) for r in as_corrected(records + [again])] == [("AE416HE", 1), ("XYZ9876", 2),
                                                                           ("XYZ9876", 4), ("AE410HE", 6)]


def test_one_odd_box_on_the_path_does_not_decide_the_direction():
    growing = [(300, 300, 80 + 8 * i, 20 + 2 * i) for i in range(6)]
    odd = [(300, 290, 160, 60)] + growing[1:]  # the first box found taller and wider (two lines read as one)
    assert direction_of("both", odd, "in") == "in"
    assert direction_of("both", list(reversed(growing)), "in") == "out"
