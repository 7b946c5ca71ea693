"""Lanes, what was left of issue 15: each lane's own masks, BARRIER checked against the lanes of the run, the one
lane of a run without LANES records no direction, `inside` reads only the gate's entries and exits, `report --gate`."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from securex.cli.main import DATA_DIR_FILES, main
from securex.config import ConfigError, changed
from securex.config.lanes import LaneConfig
from securex.core.domain import Frame
from securex.core.perf import PerfMonitor
from securex.gate.lane import Lane
from securex.gate.lanes import lanes_to_run
from securex.gate.recorder import Recorder
from securex.pipeline.factory import build_reader
from securex.records.db import RECORD_COLUMNS
from securex.records.storage import RecordStore, fetch_movements
from securex.video.tracking import Track

import synth
from program import securex

LANE = {"name": "entry", "source": "entry.mp4", "direction": "in"}


def test_a_lanes_masks_are_checked_in_plain_words(base_settings):
    for masks, shown in (([[0.5, 0, 0.4, 1]], "[0.5, 0, 0.4, 1]"), ([[0, 0, 1]], "[0, 0, 1]"),
                         ([[0, 0, 2, 1]], "[0, 0, 2, 1]"), ("top", "'top'"), ([[0, 0, True, 1]], "[0, 0, True, 1]")):
        with pytest.raises(ConfigError) as problem:
            changed(base_settings, LANES=[{**LANE, "masks": masks}])
        assert str(problem.value) == (
            f"LANES entry 1: masks entry {shown} is not [left, top, right, bottom] in fractions 0..1 of the lane's "
            "picture with left < right and top < bottom: fix it in config.py")
    config = changed(base_settings, LANES=[{**LANE, "masks": [[0, 0, 0.4, 0.1], (0.9, 0.9, 1, 1)]}])
    assert config.camera.lanes[0].masks == ((0, 0, 0.4, 0.1), (0.9, 0.9, 1, 1))


def plates_found(config, reader, spec, image):
    """The boxes one lane's frame pipeline finds in `image` (a file lane: its work waited for)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        lane = Lane(spec, SimpleNamespace(is_live=False), config, reader, PerfMonitor(2.0), pool)
        lane.frames.submit(Frame(0, 0.0, image), [])
        return [work.boxes for work in lane.frames.drain()][0]


def test_each_lane_reads_nothing_in_its_own_masks_and_still_what_the_others_mask(base_settings, reader):
    image, _ = synth.scene("ABC1234", 1.0, (640, 480), (0.5, 0.62))  # the plate's centre: 0.5, 0.62
    config = changed(base_settings, MASKS=[], LANES=[
        {**LANE, "masks": [[0.3, 0.5, 0.7, 0.75]]},  # over the plate
        {"name": "exit", "source": "exit.mp4", "direction": "out", "masks": [[0, 0, 0.4, 0.1]]},  # elsewhere
        {"name": "yard", "source": "yard.mp4", "direction": "both", "masks": [[0.3, 0.5, 0.7, 0.75]],
         "region": [[0, 0.3], [1, 0.3], [1, 1], [0, 1]]}])  # over the plate, read in a region
    entry, exit_lane, yard = config.camera.lanes
    assert len(plates_found(config, reader, exit_lane, image)) == 1
    assert plates_found(config, reader, entry, image) == []
    assert plates_found(config, reader, yard, image) == []
    masked_everywhere = changed(config, MASKS=[[0.3, 0.5, 0.7, 0.75]])  # MASKS still count on a lane with masks
    gate_reader = build_reader(masked_everywhere)  # the gate's reader, built from the same settings as at a run
    assert plates_found(masked_everywhere, gate_reader, masked_everywhere.camera.lanes[1], image) == []
    assert gate_reader.with_masks([[0, 0, 0.4, 0.1]])._min_evidence == gate_reader._min_evidence > 0  # rules kept


def test_a_lanes_motion_gate_ignores_what_changes_in_its_masks_and_the_global_ones(base_settings, reader):
    config = changed(base_settings, MASKS=[[0, 0, 0.25, 0.2]],
                     LANES=[{**LANE, "masks": [[0.75, 0, 1, 0.2]]}])  # a clock at the top left, a flag at the right
    with ThreadPoolExecutor(max_workers=1) as pool:
        lane = Lane(config.camera.lanes[0], SimpleNamespace(is_live=False), config, reader, PerfMonitor(2.0), pool)
        road = np.full((480, 640, 3), 90, np.uint8)
        assert lane.worth_detecting(Frame(0, 0.0, road))  # the first picture always counts
        for number in range(1, 5):
            image = road.copy()
            image[10:80, 10:150] = 90 + 40 * (number % 2)  # the clock ticks
            image[10:80, 500:630] = 90 + 50 * (number % 2)  # the flag waves
            assert not lane.worth_detecting(Frame(number, float(number), image))
        image[300:400, 200:400] = 220  # a car
        assert lane.worth_detecting(Frame(5, 5.0, image))


def config_file(folder, *lines):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.py"
    assert securex("new-config", path).returncode == 0
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def test_a_barrier_for_a_lane_the_run_does_not_have_is_refused_at_start(tmp_path, capsys):
    config = config_file(tmp_path, 'BARRIER = {"entry": {"command": ["true"]}, "exti": {"command": ["true"]}}')
    common = ["--headless", "--data-dir", str(tmp_path / "data"), "--config", str(config)]
    assert main(["run", "--lane", "entry:in=entry.mp4", "--lane", "exit:out=exit.mp4", *common]) == 2
    assert capsys.readouterr().err.strip() == (
        "BARRIER names lane 'exti', which is no lane of this run nor of LANES (lanes: 'entry', 'exit'): fix the "
        "lane name in BARRIER in config.py")
    assert main(["run", "--source", "gate.mp4", *common]) == 2  # one lane, named LANE_NAME (lane-1)
    assert capsys.readouterr().err.strip().startswith("BARRIER names lane 'entry', 'exti', which is no lane of this "
                                                      "run nor of LANES (lanes: 'lane-1')")
    assert not (tmp_path / "data").exists()  # refused before anything was opened or made
    site = config_file(tmp_path / "site", 'LANES = [{"name": "entry", "source": 0, "direction": "in"}, '
                       '{"name": "exit", "source": 1, "direction": "out"}]',
                       'BARRIER = {"entry": {"command": ["true"]}, "lane-1": {"command": ["true"]}}')
    common = ["--headless", "--data-dir", str(tmp_path / "data"), "--config", str(site)]
    assert main(["run", *common]) == 2  # a rule left from before LANES: that barrier would never open
    assert capsys.readouterr().err.strip().startswith("BARRIER names lane 'lane-1', which is no lane of this run")
    assert main(["run", "--source", str(tmp_path / "none.mp4"), *common]) == 2  # LANES's rules kept on a trial
    assert capsys.readouterr().err.strip().startswith("Video file not found")


def test_the_one_lane_without_lanes_records_no_direction_as_before_lanes(base_settings, reader):
    assert lanes_to_run([], [], None, 2, "north") == [LaneConfig("north", "2", "")]
    assert lanes_to_run([LaneConfig("a", "0", "in")], [], "gate.mp4", 0, "lane-1") == \
        [LaneConfig("lane-1", "gate.mp4", "")]
    track = Track(1, (300, 300, 120, 30), path=[(300, 200, 80, 20), (300, 300, 120, 30)])  # grew, came down: toward
    with ThreadPoolExecutor(max_workers=1) as pool:
        lane = Lane(lanes_to_run([], [], "gate.mp4", 0, "lane-1")[0], SimpleNamespace(is_live=False), base_settings,
                    reader, PerfMonitor(2.0), pool)
        both = Lane(LaneConfig("yard", "y.mp4", "both"), SimpleNamespace(is_live=False), base_settings, reader,
                    PerfMonitor(2.0), pool)
    assert lane.direction(track) == "" and both.direction(track) == "in"


@pytest.mark.slow
def test_a_run_on_one_source_records_its_cars_without_a_direction(tmp_path):
    clip = synth.write_clip(tmp_path / "toward.avi", [("ABC1234", 30)], drive="toward")
    result = securex("run", "--source", clip, "--headless", "--data-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    database = sqlite3.connect(tmp_path / "plates.db")
    rows = database.execute("SELECT plate, lane, direction FROM plates").fetchall()
    database.close()
    assert rows == [("ABC1234", "lane-1", "")]
    assert securex("inside", "--data-dir", tmp_path).stdout.startswith("No vehicle on site at gate gate-1")


def many_records(database, gate, count, start, moving=True):
    """`count` rows for `gate` as SecureX writes them (unsigned: `inside` reads, it does not verify): vehicles
    without a direction, barriers opened by hand, and (`moving`) entries and exits."""
    rows = []
    for n in range(count):
        at = (start + timedelta(seconds=n)).isoformat(timespec="milliseconds")
        kind, direction = ("manual_open", "") if n % 5 == 0 else ("", ("", "in", "out")[n % 3 if moving else 0])
        values = {"plate": f"MNY{n % 9973:04d}", "confidence": 0.9, "detected_at": at, "source": "cam", "frame": n,
                  "image_path": "", "gate": gate, "image_sha256": "", "list_status": "", "listed_plate": "",
                  "list_distance": None, "kind": kind, "operator": "", "lane": "l", "direction": direction,
                  "corrects": None,
                  "seq": 100000 + n, "prev_hash": "", "hash": "", "id": None}
        rows.append(tuple(values[c] for c in RECORD_COLUMNS[:-1]))
    database.executemany(f"INSERT INTO plates ({', '.join(RECORD_COLUMNS[:-1])}) VALUES "
                         f"({', '.join('?' * (len(RECORD_COLUMNS) - 1))})", rows)
    database.commit()


def test_inside_reads_only_the_gates_entries_and_exits_of_many_records(settings, capsys):
    store = RecordStore.open(settings.storage)
    now = datetime.now().astimezone().replace(microsecond=0)
    crop = np.full((20, 60, 3), 99, np.uint8)
    for plate, hours_ago, direction in [("KA01AB12", 5, "in"), ("XYZ9876", 4, "in"), ("KA0IAB12", 3, "out"),
                                        ("XYZ9876", 2, ""), ("JKL5678", 1, "in")]:
        store.save(plate, 0.9, now - timedelta(hours=hours_ago), "cam", 0, crop, lane="l", direction=direction)
    store.close()
    database = sqlite3.connect(settings.storage.database_url)
    many_records(database, "gate-2", 30000, now - timedelta(days=3))  # another gate: its cars are not ours
    many_records(database, "gate-1", 20000, now - timedelta(days=2), moving=False)  # ours, no entry or exit
    database.close()
    store = RecordStore.open(settings.storage)
    moved = fetch_movements(store.db, "gate-1")
    assert [(r.plate, r.direction) for r in moved] == [("KA01AB12", "in"), ("XYZ9876", "in"), ("KA0IAB12", "out"),
                                                       ("JKL5678", "in")]
    assert len(fetch_movements(store.db, "gate-2")) == 30000 * 4 // 5 * 2 // 3  # in or out, no barrier opened
    assert len(Recorder(store, 10.0).on_site) == 2  # the panel's count starts from the same
    store.close()
    s = settings.storage
    assert main(["inside", "--db", s.database_url, "--key", str(s.key_path), "--csv", str(s.csv_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["XYZ9876", "JKL5678"]  # KA0IAB12 closed KA01AB12
    assert lines[-1] == "2 vehicle(s) on site at gate gate-1"


def test_report_gate_counts_that_gates_records_only_as_search_does(base_settings, tmp_path, capsys):
    data = changed(base_settings, **{name: str(tmp_path / file) for name, file in DATA_DIR_FILES.items()})
    day = datetime(2026, 11, 20, 8, 0).astimezone()
    crop = np.full((20, 60, 3), 99, np.uint8)
    for gate, visits in (("gate-1", [("ABC1234", "in"), ("ABC1234", "out"), ("XYZ9876", "in")]),
                         ("north gate", [("JKL5678", "in"), ("MNO4321", "in"), ("PQR1111", "in"), ("JKL5678", "out"),
                                         ("STU2222", "")])):
        store = RecordStore.open(changed(data, GATE_NAME=gate).storage)
        for n, (plate, direction) in enumerate(visits):
            store.save(plate, 0.9, day + timedelta(minutes=10 * n), "cam", n, crop, lane="l", direction=direction)
        store.close()
    common = ["--data-dir", str(tmp_path), "--date", "2026-11-20"]
    assert main(["report", *common]) == 0
    every = capsys.readouterr().out
    assert "entries          8" in every and "gate gate-1      3 entries" in every and "in / out         2 / 1" in every
    assert main(["report", *common, "--gate", "north gate"]) == 0
    north = capsys.readouterr().out
    assert north.startswith("SecureX report, 2026-11-20, gate north gate\n")
    assert "entries          5" in north and "unique plates    4" in north and "gate gate-1" not in north
    assert "gate north gate  5 entries" in north and "in / out         3 / 1" in north
    chart = Path(north.split("chart")[-1].strip())
    assert chart.name == "report_2026-11-20_north_gate.png" and chart.is_file()
    assert main(["search", "*", "--data-dir", str(tmp_path), "--gate", "north gate"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "5 record(s) match *"


def test_who_is_on_site_is_the_same_as_going_through_every_open_entry(capsys):
    """OnSite's index against the plain rule (each exit closes the oldest open entry of the same text, else the
    oldest one edit away, look-alikes equal), on random entries and exits of look-alike plates."""
    import random

    from securex.core.domain import Record
    from securex.records.onsite import OnSite, _alike, stays

    def plain(records):
        open_ = []
        for record in records:
            if record.kind or record.direction not in ("in", "out"):
                continue
            if record.direction == "in":
                open_.append(record)
                continue
            match = next((e for e in open_ if e.plate == record.plate), None) \
                or next((e for e in open_ if _alike(e.plate, record.plate)), None)
            if match is not None:
                open_.remove(match)
        return open_

    chance = random.Random(15)
    for _ in range(200):
        records = []
        for n in range(60):
            pools = ("KA", "O0D", "1I", "AB", "12", "8B")[:chance.randint(4, 6)]
            plate = "".join(chance.choice(pool) for pool in pools)
            direction = chance.choice(("in", "in", "out", "out", ""))
            records.append(Record(plate, 0.9, f"2026-12-01T08:{n // 60:02d}:{n % 60:02d}+00:00", "cam", n, "",
                                  "gate-1", kind=chance.choice(("",) * 9 + ("manual_open",)), direction=direction))
        site = OnSite(records)
        assert site.open == plain(records) and len(site) == len(site.open)
        assert [s.entry for s in stays(records) if s.exit is None] == site.open
