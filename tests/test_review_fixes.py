"""What a review found after the merges, each kept fixed: a car waiting at the barrier is one visit, lanes'
tracks never mix on the panel, a lane region cuts the picture, files are never left with part of a line."""

import time
from datetime import datetime, timedelta, timezone

from securex.cli.records import verify_command
from securex.config import changed
from securex.core.domain import Record
from securex.gate.duplicates import AnnouncedVisits, DuplicateManager
from securex.gate.lanes import is_rectangle
from securex.records.journal import Journal
from securex.records.storage import RecordStore
from securex.video.tracking import Tracker

START = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)
RECORD = Record("ABC1234", 0.9, START.isoformat(), "cam", 5, "")


def test_a_car_waiting_longer_than_the_window_is_still_one_record_and_one_visit():
    records, visits = DuplicateManager(10), AnnouncedVisits(10)
    records.mark_saved("ABC1234", 100.0, RECORD)
    assert not visits.is_repeat("ABC1234", "flagged", 100.0)
    for at in (105.0, 110.0, 115.0, 120.0):  # still in view at the barrier
        records.seen("ABC1234", at)
        visits.seen("ABC1234", "flagged", at)
    assert records.is_duplicate("ABC1234", 125.0) and visits.is_repeat("ABC1234", "flagged", 125.0)
    assert records.is_duplicate("ABC1234", 101.0)  # a read from earlier in the same visit
    assert records.seconds_since("ABC1234", 125.0) == 25.0  # since it was recorded, for "Already saved"
    assert not records.is_duplicate("ABC1234", 131.0)  # gone for longer than the window: a new visit


def test_tracks_of_two_lanes_never_share_an_id_and_are_themselves():
    entry, exit_lane = Tracker(0.2, 3, 10), Tracker(0.2, 3, 10)
    first = entry.update([(0, 0, 80, 20)])[0][0]
    second = exit_lane.update([(0, 0, 80, 20)])[0][0]
    assert first.id != second.id and first != second and first == first
    assert entry.started == 1 and exit_lane.started == 1


def test_a_region_touching_every_edge_is_still_a_polygon():
    assert is_rectangle(()) and is_rectangle([(0, 0), (1, 0), (1, 1), (0, 1)])
    assert not is_rectangle([(0.5, 0), (1, 0), (1, 1), (0, 1)])


def test_a_journal_line_torn_by_a_crash_is_cut_off_and_the_next_record_kept(tmp_path):
    path = tmp_path / "waiting_records.jsonl"
    Journal(path).append({"plate": "AAA111"})
    with open(path, "ab") as handle:
        handle.write(b'{"plate": "BB')  # the crash
    journal = Journal(path)
    journal.append({"plate": "CCC333"})
    assert [e["plate"] for e in Journal(path)._load()] == ["AAA111", "CCC333"]


def test_a_record_that_waited_keeps_its_gate_when_gate_name_changed(settings, monkeypatch, capsys):
    north = RecordStore.open(settings.storage)
    north.save("AAA1111", 0.9, START, "cam", 1, None)

    def down(*args, **kwargs):
        raise OSError("database or disk is full")

    monkeypatch.setattr(north.db, "writing", down)
    north.save("BBB2222", 0.9, START + timedelta(seconds=1), "cam", 2, None)  # waits in the journal
    north.close()
    monkeypatch.undo()
    renamed = changed(settings, GATE_NAME="south")
    south = RecordStore.open(renamed.storage)
    end = time.monotonic() + 20
    while south.waiting and time.monotonic() < end:
        time.sleep(0.05)
    south.save("CCC3333", 0.9, START + timedelta(seconds=2), "cam", 3, None)
    south.close()
    assert verify_command(renamed) == 0 and "OK: 3 records" in capsys.readouterr().out
