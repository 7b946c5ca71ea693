"""The whole program, as a user runs it: `read --json`, and `run --headless` on clips made here."""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from securex.records.keys import key_fingerprint, load_or_create_key

import synth
from conftest import PROJECT
from program import MAIN, securex

pytestmark = pytest.mark.slow


def store_args(tmp_path):
    return ["--data-dir", tmp_path]


def test_read_json_contract(tmp_path):
    good = tmp_path / "car.jpg"
    cv2.imwrite(str(good), synth.scene("ABC1234")[0])
    empty = tmp_path / "road.png"
    cv2.imwrite(str(empty), synth.scene("ABC1234")[0][:100])  # no plate in view
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.read_bytes()[:200])
    result = securex("read", "--json", good, broken, tmp_path / "missing.jpg", empty)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["image"] for line in lines] == [str(good), str(broken), str(tmp_path / "missing.jpg"), str(empty)]
    plates = lines[0]["plates"]
    assert plates[0]["text"] == "ABC1234" and 0 < plates[0]["confidence"] <= 1
    assert plates[0]["country"] in ("br", "pl")  # a format of the default countries decided it
    assert len(plates[0]["box"]) == 4 and all(isinstance(v, int) for v in plates[0]["box"])
    assert [p["confidence"] for p in plates] == sorted((p["confidence"] for p in plates), reverse=True)
    assert "error" in lines[1] and "error" in lines[2] and lines[3] == {"image": str(empty), "plates": []}
    assert result.returncode == 1  # some files could not be read


def test_read_table(tmp_path):
    image = tmp_path / "car.png"
    cv2.imwrite(str(image), synth.scene("XYZ9876")[0])
    result = securex("read", image)
    assert result.returncode == 0 and "XYZ9876" in result.stdout and "PLATE" in result.stdout


def run_clip(tmp_path, visits, *extra):
    clip = synth.write_clip(tmp_path / "clip.avi", visits)
    return securex("run", "--source", clip, "--headless", *store_args(tmp_path), *extra)


def records(tmp_path):
    db = sqlite3.connect(tmp_path / "plates.db")
    rows = db.execute("SELECT id, plate, confidence, detected_at, source, frame, image_path FROM plates").fetchall()
    db.close()
    return rows


def test_headless_run_records_each_visit_once(tmp_path):
    result = run_clip(tmp_path, [("ABC1234", 30), ("XYZ9876", 30)])
    assert result.returncode == 0, result.stderr
    assert "SecureX session summary" in result.stdout and "average FPS" in result.stdout
    key = load_or_create_key(tmp_path / "securex.key", create=False)
    assert f"signing key   fingerprint {key_fingerprint(key)} (note it down with the head)" in result.stdout
    rows = records(tmp_path)
    assert [r[1] for r in rows] == ["ABC1234", "XYZ9876"]
    with open(tmp_path / "detected_plates.csv", newline="", encoding="utf-8-sig") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert [(int(r["id"]), r["plate"], int(r["frame"]), r["image_path"]) for r in csv_rows] == \
        [(r[0], r[1], r[5], r[6]) for r in rows]
    for row in rows:
        assert Path(row[6]).is_file() and Path(row[6]).name.startswith("plate_")
        assert row[3][-6] in "+-" and "T" in row[3]  # ISO-8601 with a time zone
    # frames come from the clip: 10 blank frames, then the first car
    assert 10 <= rows[0][5] < 40 and 50 <= rows[1][5] < 80


def test_same_plate_within_window_is_recorded_once(tmp_path):
    # the same car twice, 2 s apart in clip time (window is 10 s): one record
    result = run_clip(tmp_path, [("ABC1234", 20), ("ABC1234", 20)])
    assert result.returncode == 0, result.stderr
    assert [r[1] for r in records(tmp_path)] == ["ABC1234"]


def test_a_car_whose_next_track_reads_the_character_its_record_left_out_is_corrected_not_recorded_twice(tmp_path):
    # a car read without its last character, lost for 3 s (its track ends), then read whole, then lost again and
    # read without its first character: one visit
    clip = synth.write_clip(tmp_path / "clip.avi", [("PJY547", 20), ("PJY5472", 20), ("JY5472", 20)], gap=30)
    result = securex("run", "--source", clip, "--headless", *store_args(tmp_path))
    assert result.returncode == 0, result.stderr
    database = sqlite3.connect(tmp_path / "plates.db")
    rows = database.execute("SELECT plate, kind, corrects FROM plates ORDER BY seq").fetchall()
    database.close()
    assert rows == [("PJY547", "", None), ("PJY5472", "correction", 1)]


def test_a_record_the_rest_of_the_visit_reads_otherwise_is_corrected(tmp_path):
    """One car whose plate reads AE416HE as it comes in and AE410HE for the rest of its visit (as a small plate
    misread far away, read right close up): its record, then a signed correction naming it."""
    clip = synth.write_turning_clip(tmp_path / "clip.avi", "AE416HE", "AE410HE")
    result = securex("run", "--source", clip, "--headless", *store_args(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "  corrected     1 record(s) by the later reads of the same car" in result.stdout
    database = sqlite3.connect(tmp_path / "plates.db")
    rows = database.execute("SELECT id, plate, kind, corrects FROM plates ORDER BY seq").fetchall()
    database.close()
    assert rows == [(1, "AE416HE", "", None), (2, "AE410HE", "correction", 1)]
    assert "AE416HE was recorded, but the later reads of the same car say AE410HE: corrected by record 2" \
        in result.stderr
    assert securex("verify", *store_args(tmp_path)).stdout.startswith("OK: 2 records, chain intact")


def test_file_run_is_reproducible(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    clip = synth.write_clip(tmp_path / "clip.avi", [("ABC1234", 25), ("JKL5678", 25)])
    for folder in (first, second):
        assert securex("run", "--source", clip, "--headless", *store_args(folder)).returncode == 0
    strip = [(r[1], r[3], r[5]) for r in records(first)]
    assert strip == [(r[1], r[3], r[5]) for r in records(second)] and len(strip) == 2


def test_no_auto_save_records_nothing(tmp_path):
    result = run_clip(tmp_path, [("ABC1234", 20)], "--no-auto-save")
    assert result.returncode == 0 and records(tmp_path) == []


def test_bad_sources_are_one_line_and_exit_2(tmp_path):
    missing = securex("run", "--headless", "--source", tmp_path / "nope.mp4", *store_args(tmp_path))
    assert missing.returncode == 2 and "Video file not found" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(5000))
    bad = securex("run", "--headless", "--source", corrupt, *store_args(tmp_path))
    assert bad.returncode == 2 and "Video file cannot be opened" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1  # nothing but our line


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("stop, said", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")])
def test_unreachable_stream_is_waited_for_until_stopped(tmp_path, stop, said):
    # finding 9: a live source not there at start (a gate PC booting before its camera) made SecureX exit at once;
    # finding 10: SIGTERM was logged as Ctrl-C
    url = "rtsp://127.0.0.1:1/none"
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        program = subprocess.Popen([*MAIN, "run", "--headless", "--source", url, *map(str, store_args(tmp_path))],
                                   stdout=subprocess.PIPE, stderr=log, text=True, cwd=PROJECT)
    try:
        deadline = time.monotonic() + 120
        while "No signal from" not in log_path.read_text() and time.monotonic() < deadline:
            assert program.poll() is None, log_path.read_text()
            time.sleep(0.2)
        time.sleep(3)  # several reconnect attempts
        assert program.poll() is None, log_path.read_text()  # still waiting for the camera
        program.send_signal(stop)
        output, _ = program.communicate(timeout=30)
    finally:
        if program.poll() is None:
            program.kill()
    log_text = log_path.read_text()
    assert program.returncode == 0, log_text
    assert log_text.count(f"No signal from {url}; waiting for it") == 1 and log_text.count("No signal") == 1
    assert f"Stopped by {said}" in log_text and log_text.count("Stopped by") == 1 and "Traceback" not in log_text
    assert "SecureX session summary" in output and "signal lost   1 time(s)" in output
    events = securex("events", *store_args(tmp_path))  # the outage is an event for the receivers too
    assert events.returncode == 0 and events.stdout.count("camera_lost") == 1 and url in events.stdout


def test_wrong_input_is_one_line_and_exit_2(tmp_path):
    # finding 10: each of these was accepted silently (or made a folder)
    data = ["--data-dir", tmp_path]
    assert securex("watchlist", "add", "ABC1234", "--list", "flagged", "--note", "stolen car", *data).returncode == 0
    missing_csv = tmp_path / "nonexistent" / "x.csv"
    cases = [
        (["watchlist", "add", "A", "--list", "flagged"], "'A' is not a plate: it has 1 character"),
        (["watchlist", "add", "NEW1234", "--list", "allowed", "--until", "2020-01-01"],
         "--until 2020-01-01 is in the past: give today or a later day"),
        (["watchlist", "add", "ABC1234", "--list", "allowed"],
         "ABC1234 is on the flagged list (stolen car): add --replace to put it on the allowed list instead"),
        (["report", "--from", "2026-11-22", "--to", "2026-11-20"],
         "--from 2026-11-22 is after --to 2026-11-20: give the earlier day first"),
        (["export", "--csv", missing_csv], f"Folder {missing_csv.parent} does not exist"),
        (["search", "*", "--csv", missing_csv], f"Folder {missing_csv.parent} does not exist"),
    ]
    for args, line in cases:
        result = securex(*args, *data)
        assert (result.returncode, result.stderr.count("\n")) == (2, 1) and line in result.stderr, (args, result)
    assert not missing_csv.parent.exists()
    replaced = securex("watchlist", "add", "ABC1234", "--list", "allowed", "--replace", *data)
    assert replaced.returncode == 0 and \
        replaced.stdout == "Replaced ABC1234: was flagged (stolen car), now allowed\n"


def unused_display():
    number = next(n for n in range(90, 1000) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    return f":{number}"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11 / Wayland displays only")
@pytest.mark.parametrize("display", [None, "missing"])
def test_no_display_is_one_line_naming_headless(tmp_path, display):
    # finding 9: with no screen OpenCV's Qt aborted the program (exit 134, "could not connect to display")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display:
        env["DISPLAY"] = unused_display()
    clip = synth.write_clip(tmp_path / "clip.avi", [("ABC1234", 5)])
    result = subprocess.run([*MAIN, "run", "--source", str(clip), *map(str, store_args(tmp_path))], env=env,
                            capture_output=True, text=True, timeout=120, cwd=PROJECT)
    reason = f"display {env['DISPLAY']} cannot be opened" if display else "DISPLAY is not set"
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"No screen to open a window on ({reason}): run with --headless, or start SecureX from the desktop"]
    assert not (tmp_path / "plates.db").exists()  # stopped before anything was opened


def test_truncated_video_ends_with_one_clear_line(tmp_path):
    clip = synth.write_clip(tmp_path / "clip.avi", [("ABC1234", 30), ("XYZ9876", 30)])
    data = clip.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    result = securex("run", "--headless", "--source", cut, *store_args(tmp_path))
    assert result.returncode == 0
    assert "truncated or corrupt" in result.stderr and "summary" in result.stdout
    assert "Traceback" not in result.stderr
