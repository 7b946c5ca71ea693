import builtins
import csv
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from securex.cli.records import export_command, report_command, search_command, verify_command
from securex.core.domain import PlateRead
from securex.gate.recorder import Recorder
from securex.gate.summary import Summary
from securex.records.csvfile import CSV_COLUMNS, excel_safe
from securex.records.storage import RecordStore
from securex.video.tracking import Sighting, Track

WHEN = datetime(2026, 11, 26, 8, 30, 5, tzinfo=timezone.utc)
CROP = np.full((20, 60, 3), 200, np.uint8)


@pytest.fixture
def store_in(settings):
    """Opens the record store of the test's settings (a new RecordStore each call, like a new run)."""
    return lambda tmp_path=None: RecordStore.open(settings.storage)


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_record_goes_to_database_csv_and_image(tmp_path, store_in):
    store = store_in(tmp_path)
    first = store.save("ABC1234", 0.91234, WHEN, "camera 0", 12, CROP)
    second = store.save("XYZ9876", 0.8, WHEN, "camera 0", 13, CROP)
    store.close()
    assert first.id == 1 and second.id == 2
    assert first.detected_at == "2026-11-26T08:30:05.000+00:00"
    images = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert images == ["plate_20261126_083005.jpg", "plate_20261126_083005_1.jpg"]  # never overwritten
    raw = (tmp_path / "exports" / "plates.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1  # BOM for Excel, once
    rows = read_csv(tmp_path / "exports" / "plates.csv")
    assert [r["plate"] for r in rows] == ["ABC1234", "XYZ9876"]
    assert list(rows[0]) == list(CSV_COLUMNS)
    db = sqlite3.connect(tmp_path / "db" / "plates.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT plate, frame, image_path FROM plates ORDER BY id").fetchall() == [
        ("ABC1234", 12, rows[0]["image_path"]), ("XYZ9876", 13, rows[1]["image_path"])]


def test_header_written_once_across_runs(tmp_path, store_in):
    for plate in ("AAA1111", "BBB2222"):
        store = store_in(tmp_path)
        store.save(plate, 0.9, WHEN, "cam", 1, CROP)
        store.close()
    rows = read_csv(tmp_path / "exports" / "plates.csv")
    assert [r["plate"] for r in rows] == ["AAA1111", "BBB2222"]


def test_unwritable_csv_keeps_rows_until_it_is_writable(tmp_path, store_in):
    blocked = tmp_path / "exports" / "plates.csv"
    blocked.mkdir(parents=True)  # a path that cannot be opened as a file, like one Excel has locked
    store = store_in(tmp_path)
    store.save("ABC1234", 0.9, WHEN, "cam", 1, CROP)
    store.save("XYZ9876", 0.9, WHEN, "cam", 2, CROP)
    assert store.csv.pending == 2
    assert len(store.records()) == 2  # the database has them regardless
    blocked.rmdir()
    store.save("JKL5555", 0.9, WHEN, "cam", 3, CROP)
    assert store.csv.pending == 0
    store.close()
    assert [r["plate"] for r in read_csv(blocked)] == ["ABC1234", "XYZ9876", "JKL5555"]


def test_rows_missing_from_csv_are_written_on_next_start(tmp_path, store_in):
    store = store_in(tmp_path)
    store.save("ABC1234", 0.9, WHEN, "cam", 1, CROP)
    store.close()
    (tmp_path / "exports" / "plates.csv").unlink()  # lost, e.g. deleted while the program was off
    store = store_in(tmp_path)
    store.close()
    assert [r["plate"] for r in read_csv(tmp_path / "exports" / "plates.csv")] == ["ABC1234"]


def test_formula_cells_are_neutralised(tmp_path, store_in):
    assert excel_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert excel_safe("+1") == "'+1" and excel_safe("@A1") == "'@A1" and excel_safe("-2") == "'-2"
    assert excel_safe("ABC1234") == "ABC1234"
    store = store_in(tmp_path)
    store.save("ABC1234", 0.9, WHEN, "=cmd|' /C calc'!A0", 1, CROP)
    store.close()
    assert read_csv(tmp_path / "exports" / "plates.csv")[0]["source"].startswith("'=")


def test_csv_locked_by_excel_keeps_rows_then_catches_up(tmp_path, store_in, monkeypatch, settings):
    """Excel on Windows holds the CSV open: opening it fails with PermissionError until it is closed."""
    real_open = builtins.open
    locked = {"on": True}

    def open_unless_locked(file, *args, **kwargs):
        if locked["on"] and Path(str(file)).name.startswith(Path(settings.storage.csv_path).name):
            raise PermissionError(13, "The process cannot access the file because it is being used")
        return real_open(file, *args, **kwargs)

    store = store_in()
    store.save("ABC1234", 0.9, WHEN, "cam", 1, CROP)
    monkeypatch.setattr(builtins, "open", open_unless_locked)
    store.save("XYZ9876", 0.9, WHEN, "cam", 2, CROP)
    store.save("JKL5555", 0.9, WHEN, "cam", 3, CROP)
    assert store.csv.pending == 2 and len(store.records()) == 3
    locked["on"] = False
    assert store.csv.flush() and store.csv.pending == 0
    store.close()
    assert [r["plate"] for r in read_csv(settings.storage.csv_path)] == ["ABC1234", "XYZ9876", "JKL5555"]


def test_export_rebuilds_the_csv_and_date_ranges(tmp_path, store_in, settings, capsys):
    store = store_in()
    for n, plate in enumerate(["AAA1111", "BBB2222", "CCC3333"]):
        store.save(plate, 0.9, WHEN + timedelta(days=n), "cam", n, CROP)
    store.close()
    Path(settings.storage.csv_path).unlink()
    assert export_command(settings, None, None, None) == 0
    assert [r["plate"] for r in read_csv(settings.storage.csv_path)] == ["AAA1111", "BBB2222", "CCC3333"]
    assert export_command(settings, "2026-11-27", "2026-11-27", None) == 0
    ranged = Path(settings.storage.csv_path).with_name("plates_2026-11-27_2026-11-27.csv")
    assert [r["plate"] for r in read_csv(ranged)] == ["BBB2222"]
    assert "Exported 1 records" in capsys.readouterr().out


def test_records_are_written_on_sqlite_without_returning(store_in, monkeypatch):
    """SQLite before 3.35 has no RETURNING (a syntax error there): every write the gate makes avoids it."""
    from securex.records.db import SqliteDatabase

    run = SqliteDatabase._run

    def old_sqlite(self, sql, params):
        if "RETURNING" in sql.upper():
            raise sqlite3.OperationalError('near "RETURNING": syntax error')
        return run(self, sql, params)

    monkeypatch.setattr(SqliteDatabase, "_run", old_sqlite)
    store = store_in()
    first = store.save("ABC1234", 0.9, datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc), "cam", 1, None)
    second = store.save("XYZ9876", 0.9, datetime(2026, 11, 26, 8, 1, tzinfo=timezone.utc), "cam", 2, None)
    assert store.waiting == 0 and (first.id, second.id) == (1, 2) and [r.id for r in store.records()] == [1, 2]
    store.close()


def test_too_old_sqlite_is_refused_at_start_in_one_line(settings, monkeypatch, capsys):
    from securex.cli.main import main

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 22, 0))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.22.0")
    assert main(["verify", "--db", settings.storage.database_url, "--key", str(settings.storage.key_path)]) == 2
    assert capsys.readouterr().err.strip() == ("SecureX needs SQLite 3.24.0 or newer; this Python has 3.22.0: install "
                                               "a newer Python (3.10 or later from python.org)")


def leaving_car(plates, start=1_700_000_000.0):
    """A track read as each of `plates` in turn, one read a second (the last one read surest)."""
    track = Track(1, (0, 0, 60, 20))
    for n, plate in enumerate(plates):
        track.add_read(Sighting(PlateRead(plate, 0.9 + 0.01 * n, (0, 0, 60, 20)), CROP, 5 + n, start + n))
    return track


def test_a_record_the_rest_of_its_visit_reads_otherwise_is_corrected_by_a_signed_record(settings, caplog, capsys):
    """The world gate clip: AE416HE recorded as the small plate came in, AE410HE read at the barrier."""
    store = RecordStore.open(settings.storage)
    recorder = Recorder(store, 10.0)
    track = leaving_car(["AE416HE"])
    assert recorder.record(track, None, "cam", "lane-1", "in") and track.record.plate == "AE416HE"
    earlier = track.record
    for n in range(1, 4):
        track.add_read(Sighting(PlateRead("AE410HE", 0.97, (0, 0, 80, 26)), CROP, 5 + n, 1_700_000_000.0 + n))
    assert recorder.correct(track, None, "cam")
    correction = store.records()[-1]
    assert track.record is earlier and track.recorded_plate == "AE410HE"
    assert (correction.plate, correction.kind, correction.corrects) == ("AE410HE", "correction", earlier.id)
    assert (correction.lane, correction.direction, correction.seq) == ("lane-1", "in", earlier.seq + 1)
    assert recorder.corrected == 1 and recorder.contradicted == 0
    assert f"AE416HE was recorded, but the later reads of the same car say AE410HE: corrected by record " \
           f"{correction.id}" in caplog.text
    assert [r.plate for r in recorder.on_site.open] == ["AE410HE"]  # the panel's count
    store.close()
    rows = read_csv(settings.storage.csv_path)
    assert [(r["plate"], r["kind"], r["corrects"]) for r in rows] == [("AE416HE", "", ""),
                                                                      ("AE410HE", "correction", str(earlier.id))]
    assert verify_command(settings) == 0 and "OK: 2 records, chain intact" in capsys.readouterr().out
    assert search_command(settings, "AE41*", None, None, 0, None, None) == 0
    found = capsys.readouterr().out.splitlines()
    assert found[0].endswith("(corrected to AE410HE by the later reads of the same car)")
    assert found[1].endswith(f"(correction of AE416HE recorded at {earlier.detected_at[:19].replace('T', ' ')})")
    assert report_command(settings, None, "2000-01-01", "2100-01-01") == 0
    report = capsys.readouterr().out
    assert "  entries          1\n  unique plates    1\n" in report and "in / out         1 / 0" in report
    database = sqlite3.connect(settings.storage.database_url)
    with database:
        database.execute("UPDATE plates SET corrects = corrects + 1 WHERE id = ?", (correction.id,))
    database.close()
    assert verify_command(settings) == 1
    assert f"record {correction.id}: edited" in capsys.readouterr().out


def test_a_later_track_reading_the_character_a_record_left_out_corrects_it(settings):
    """A hand-held clip: CFB353 recorded from the first reads of a car, whose track is lost; the next track of the
    same car reads CFBD353. It takes the visit's record and corrects it; a third that loses a character again is
    not recorded."""
    store = RecordStore.open(settings.storage)
    recorder = Recorder(store, 10.0)
    first = leaving_car(["CFB353"])
    assert recorder.record(first, None, "cam", "lane-1", "in")
    other = leaving_car(["XYZ987"])
    assert recorder.record(other, None, "cam2", "lane-2", "out")
    second = leaving_car(["CFBD353"], start=1_700_000_003.0)
    assert not recorder.adopt(second, "lane-2")  # another lane's camera: its own records
    assert recorder.adopt(second, "lane-1") and second.record is first.record
    assert recorder.correct(second, None, "cam")
    assert [(r.plate, r.kind, r.corrects) for r in store.records()] == [("CFB353", "", None), ("XYZ987", "", None),
                                                                        ("CFBD353", "correction", first.record.seq)]
    again = leaving_car(["CFBD353"], start=1_700_000_005.0)  # a third track of the car: corrected already
    assert not recorder.adopt(again, "lane-1") and not recorder.record(again, None, "cam", "lane-1", "in")
    third = leaving_car(["FBD353"], start=1_700_000_006.0)
    assert not recorder.adopt(third, "lane-1") and not recorder.record(third, None, "cam", "lane-1", "in")
    later = leaving_car(["CFBD3533"], start=1_700_000_020.0)  # past the window: a visit of its own
    assert not recorder.adopt(later, "lane-1") and recorder.record(later, None, "cam", "lane-1", "in")
    assert len(store.records()) == 4
    waiting = leaving_car(["KLM4567"], start=1_700_000_030.0)
    assert recorder.record(waiting, None, "cam", "lane-1", "in")
    waiting.record.id, waiting.record.seq = None, 0  # as if it waited in the journal: no chain number to correct
    fuller = leaving_car(["KLM45678"], start=1_700_000_032.0)
    assert not recorder.adopt(fuller, "lane-1")  # recorded as a car of its own instead, its event sent
    store.close()


def test_a_later_track_that_outvoted_a_character_more_corrects_the_record(settings):
    """The world gate's first car: recorded BCFY773 (its province character read as a B); the next track of the car
    read BCFY773 once and CFY773, surer, twice."""
    store = RecordStore.open(settings.storage)
    recorder = Recorder(store, 10.0)
    first = leaving_car(["BCFY773"])
    assert recorder.record(first, None, "cam", "lane-1", "in")
    assert not recorder.adopt(leaving_car(["CFY773"], start=1_700_000_002.0), "lane-1")  # read short only: the same
    second = leaving_car(["BCFY773", "CFY773", "CFY773"], start=1_700_000_003.0)  # visit, nothing to correct
    assert second.winner.read.text == "CFY773" and recorder.adopt(second, "lane-1") and second.record is first.record
    assert recorder.correct(second, None, "cam")
    assert [(r.plate, r.kind) for r in store.records()] == [("BCFY773", ""), ("CFY773", "correction")]
    store.close()


def test_a_record_not_yet_in_the_database_is_named_not_corrected(settings, caplog):
    store = RecordStore.open(settings.storage)
    recorder = Recorder(store, 10.0)
    track = leaving_car(["AE416HE"])
    assert recorder.record(track, None, "cam", "lane-1", "in")
    track.record.id, track.record.seq = None, 0  # as if it waited in the journal: no chain number to name yet
    track.add_read(Sighting(PlateRead("AE410HE", 0.97, (0, 0, 80, 26)), CROP, 9, 1_700_000_004.0))
    track.add_read(Sighting(PlateRead("AE410HE", 0.97, (0, 0, 80, 26)), CROP, 10, 1_700_000_005.0))
    assert not recorder.correct(track, None, "cam")
    assert recorder.contradicted == 1 and recorder.corrected == 0 and len(store.records()) == 1
    assert "AE416HE was recorded, but the later reads of the same car say AE410HE: check that record's photo " \
           "(python main.py search AE416HE)" in caplog.text
    summary = Summary(1.0, 25, 25.0, 1, 1, 1, {}, 0, recorder.head, 0, 0, 0, 0, "ab12", corrected=2, contradicted=1)
    assert "  corrected     2 record(s) by the later reads of the same car (a correction record each; the log names " \
           "them)" in summary.lines()
    assert "  CHECK         1 record(s) whose car later reads took for another plate, not corrected (the log names " \
           "them)" in summary.lines()
    store.close()
