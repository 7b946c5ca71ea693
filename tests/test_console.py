"""The console's plain parts: the layout from sizes, the panel's entries, the key answers, the alarm player."""

import logging
import os
import shutil
import subprocess
import time
from types import SimpleNamespace

import numpy as np
import pytest

from securex.config.loader import BUILT_IN_ALARM
from securex.core.domain import ALLOWED, FLAGGED, UNKNOWN
from securex.gate.alarm import Alarm
from securex.gate.console import Console, acknowledge_message, auto_save_message, save_message
from securex.gate.desk import Desk
from securex.ui.layout import RECENT_ROWS, Rect, compute_layout, place_box, place_label

SOURCES = [(640, 480), (1280, 720), (1920, 1080)]
WINDOWS = [(1280, 720), (1920, 1080), (800, 900)]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("source", SOURCES)
def test_layout_keeps_the_picture_whole_and_beside_the_panel(window, source):
    layout = compute_layout(window, [source])
    whole = Rect(0, 0, *window)
    cell = layout.lanes[0]
    picture = cell.picture
    for part in (picture, cell.head, layout.panel, layout.band, layout.word, layout.plate, layout.crop,
                 layout.message, *layout.rows, *layout.status):
        assert whole.contains(part)
    for part in (layout.panel, layout.band, cell.head):  # nothing is drawn over the picture
        assert not picture.overlaps(part)
    assert abs(picture.w / picture.h - source[0] / source[1]) < 0.01  # aspect kept
    assert picture.w == layout.panel.x or picture.h == layout.band.y - cell.head.h  # as large as fits
    panel_parts = [layout.word, layout.note, layout.plate, layout.crop, layout.message, layout.title,
                   *layout.rows, *layout.status]
    for a, b in zip(panel_parts, panel_parts[1:], strict=False):
        assert layout.panel.contains(a) and a.bottom <= b.y  # stacked, never overlapping
    assert len(layout.rows) == RECENT_ROWS


def test_text_is_readable_at_two_metres_on_a_1080p_screen():
    layout = compute_layout((1920, 1080), [(1280, 720)])
    assert layout.text_px("word") >= 40 and layout.text_px("plate") >= 40
    assert min(layout.text_px(kind) for kind in ("note", "message", "head", "row_plate", "row", "status", "band",
                                                 "label", "info")) >= 22


def test_several_lanes_share_one_panel():
    layout = compute_layout((1920, 1080), [(1280, 720), (640, 480), (1920, 1080)])
    cells = layout.lanes
    assert len(cells) == 3
    for i, a in enumerate(cells):
        assert not a.picture.overlaps(layout.panel) and not a.picture.overlaps(layout.band)
        for b in cells[i + 1:]:
            assert not a.picture.overlaps(b.picture) and not a.head.overlaps(b.picture)


def test_a_label_goes_beside_the_plate_never_on_it():
    area = Rect(0, 0, 1000, 600)
    for plate in (Rect(100, 300, 200, 50), Rect(880, 300, 110, 40), Rect(0, 0, 990, 50), Rect(400, 560, 200, 40)):
        label = place_label(plate, (150, 30), area, 3)
        assert label is not None and area.contains(label)
        assert not label.overlaps(Rect(plate.x - 3, plate.y - 3, plate.w + 6, plate.h + 6))
    assert place_label(Rect(0, 0, 1000, 600), (150, 30), area, 3) is None  # no room: no label (panel shows it)


def test_a_plate_box_lands_on_its_scaled_place():
    layout = compute_layout((1280, 720), [(1920, 1080)])
    cell = layout.lanes[0]
    box = place_box((960, 540, 192, 108), cell)
    assert box.x == cell.picture.x + int(960 * cell.scale) and abs(box.w - 192 * cell.scale) <= 1


def track(id_, plate, status="", note="", at=100.0, recorded=False):
    read = SimpleNamespace(text=plate, confidence=0.9)
    decision = SimpleNamespace(status=status, note=note) if status else None
    return SimpleNamespace(id=id_, winner=SimpleNamespace(read=read, crop=np.zeros((4, 8, 3), np.uint8), at=at),
                           decision=decision, recorded=recorded)


def test_the_last_plates_newest_first_at_most_eight():
    console = Console()
    tracks = [track(i, f"AB{i:04d}", ALLOWED if i % 2 else UNKNOWN, at=100.0 + i) for i in range(10)]
    for t in tracks:
        console.decided(t)
    assert [e.plate for e in console.recent] == [f"AB{i:04d}" for i in range(9, 1, -1)]
    console.saved(tracks[9])
    assert console.recent[0].saved and not console.recent[1].saved
    assert console.recent[0].status == ALLOWED and console.recent[1].status == UNKNOWN


def test_the_last_plates_name_their_lane_when_the_gate_has_several():
    console = Console()
    console.decided(track(1, "AB0001", ALLOWED, at=100.0), "entry")
    console.saved(track(2, "AB0002", UNKNOWN, at=101.0), "exit")
    console.decided(track(3, "AB0003", UNKNOWN, at=102.0))
    assert [(e.plate, e.lane) for e in console.recent] == [("AB0003", ""), ("AB0002", "exit"), ("AB0001", "entry")]


def test_the_current_decision():
    console = Console()
    assert console.current([]) == (None, False)  # nothing yet: NO VEHICLE
    gone, here = track(1, "GONE123", FLAGGED, "stolen", at=10.0), track(2, "HERE456", ALLOWED, "Flat 12B", at=20.0)
    console.decided(gone)
    assert console.current([])[0].plate == "GONE123"  # stays after its car has left
    new = track(3, "NEW789")
    assert console.current([new]) == (None, True)  # a new car being read: READING..., not the old decision
    console.decided(here)
    entry, reading = console.current([new, here])
    assert entry.plate == "HERE456" and entry.note == "Flat 12B" and not reading


def test_every_key_answers_in_plain_words():
    assert save_message("KA01AB1234", True, None) == "Saved KA01AB1234"
    assert save_message("KA01AB1234", False, 4.2) == "Already saved 4 s ago"
    assert save_message(None, False, None) == "No plate to save"
    assert save_message("KA01AB1234", False, None) == "NOT SAVED KA01AB1234: no space to keep it (see the log)"
    assert (auto_save_message(True), auto_save_message(False)) == ("Auto-save ON", "Auto-save OFF")
    assert acknowledge_message(1) == "Alert acknowledged"
    assert acknowledge_message(2) == "2 alerts acknowledged"
    assert acknowledge_message(0) == "No alert to acknowledge"


def test_the_guard_is_told_when_a_recorded_car_is_read_otherwise_later():
    said = []
    desk = Desk(SimpleNamespace(say=said.append), SimpleNamespace(), None)
    desk.console.decided(track(1, "K777XH172", UNKNOWN, recorded=True, at=10.0))
    desk.console.decided(track(2, "AB0002", ALLOWED, at=11.0))
    desk.corrected(track(1, "K777XH177", FLAGGED, "stolen", recorded=True, at=12.0), "K777XH172", True)
    assert said == ["K777XH172 is K777XH177"]
    assert [(e.plate, e.status, e.note) for e in desk.console.recent] == [("AB0002", ALLOWED, ""),
                                                                          ("K777XH177", FLAGGED, "stolen")]
    desk.corrected(track(3, "DL3CBF3908", recorded=True, at=13.0), "DL3CBF3907", False)  # no correction recorded
    assert said[-1] == "DL3CBF3907 may be DL3CBF3908" and len(desk.console.recent) == 2


def stand_in_players(folder, journal):
    """A player that notes its start and stop and plays for 0.6 s: this machine has no sound card."""
    script = folder / "player"
    script.write_text(f"#!/bin/sh\necho \"start $$ $1\" >> {journal}\n"
                      f"trap 'echo \"stop $$\" >> {journal}; exit 0' TERM\nsleep 0.6 & wait $!\n"
                      f"echo \"end $$\" >> {journal}\n")
    script.chmod(0o755)
    for name in ("paplay", "pw-play", "aplay"):
        (folder / name).symlink_to(script)


def starts(journal):
    return [line.split() for line in journal.read_text().splitlines() if line.startswith("start")] \
        if journal.exists() else []


@pytest.mark.skipif(os.name == "nt", reason="POSIX player stand-in")
def test_the_alarm_repeats_until_acknowledged_without_blocking(tmp_path, monkeypatch):
    journal = tmp_path / "player.log"
    stand_in_players(tmp_path, journal)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    alarm = Alarm(BUILT_IN_ALARM)
    end = time.monotonic() + 3.0
    while time.monotonic() < end:  # the gate loop: one call per frame
        began = time.monotonic()
        alarm.update(True)
        assert time.monotonic() - began < 0.1  # never waits for the sound
        time.sleep(0.04)
    played = starts(journal)
    assert len(played) >= 3 and all(p[2] == str(BUILT_IN_ALARM) for p in played)  # over and over
    alarm.update(False)  # key F
    last = played[-1][1]
    assert f"stop {last}" in journal.read_text() or f"end {last}" in journal.read_text()
    time.sleep(1.0)
    alarm.update(False)
    assert len(starts(journal)) == len(played)  # silent after F


def sound_card_missing():
    listed = subprocess.run(["aplay", "-l"], capture_output=True, text=True)
    return listed.returncode != 0 or "no soundcards" in listed.stderr


@pytest.mark.skipif(not shutil.which("aplay") or shutil.which("paplay") is not None or not sound_card_missing(),
                    reason="needs aplay on a PC without a sound card")
def test_without_a_sound_card_the_alarm_says_so_once(caplog):
    alarm = Alarm(BUILT_IN_ALARM)
    with caplog.at_level(logging.WARNING):
        end = time.monotonic() + 2.5
        while time.monotonic() < end:
            alarm.update(True)
            time.sleep(0.05)
    said = [r.getMessage() for r in caplog.records if "alarm sound cannot play" in r.getMessage()]
    assert len(said) == 1 and "aplay" in said[0], said
    alarm.close()


def test_without_a_player_the_alarm_says_so_once(caplog, monkeypatch):
    monkeypatch.setenv("PATH", "")
    alarm = Alarm(BUILT_IN_ALARM)
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            alarm.update(True)
    assert sum("alarm sound cannot play (no sound player found" in r.getMessage() for r in caplog.records) == 1
