"""The Excel workbook export: typed cells, so Excel shows plates, dates and numbers as recorded."""

import os
from datetime import date, datetime, time, timedelta, timezone

import numpy as np
import pytest

from securex.cli.main import main
from securex.records.storage import RecordStore

openpyxl = pytest.importorskip("openpyxl")

CROP = np.full((20, 60, 3), 200, np.uint8)
PARIS = timezone(timedelta(hours=1))
HYPERLINK = '=HYPERLINK("http://evil.example/x","Call 555")'


@pytest.fixture
def filled(settings):
    """Three records on three days; plates a spreadsheet would take for numbers."""
    store = RecordStore.open(settings.storage)
    for n, (plate, source) in enumerate([("2E10", "camera 0"), ("00123", HYPERLINK), ("ABC1234", "camera 0")]):
        store.save(plate, 0.9123, datetime(2026, 11, 26 + n, 8, 30, 5, 460000, tzinfo=PARIS), source, 40 + n, CROP,
                   lane="entry", direction="in")
    store.close()
    return settings


def export(settings, *options):
    storage = settings.storage
    return main(["export", *map(str, options), "--db", storage.database_url, "--key", str(storage.key_path),
                 "--csv", str(storage.csv_path)])


def test_xlsx_keeps_plates_as_written_and_dates_as_dates(filled, tmp_path, capsys):
    """Finding 6: in Excel the CSV turns 2E10 into 2.00E+10 and 00123 into 123, and detected_at is text."""
    path = tmp_path / "plates.xlsx"
    assert export(filled, "--xlsx", path) == 0
    assert f"Exported 3 records to {path}" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(path)["records"]
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["id", "seq", "gate", "plate", "confidence", "date (local time)", "time (local time)",
                          "detected_at (ISO 8601, UTC offset)"]
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1]) and sheet.auto_filter.ref == "A1:T4"
    assert sheet.column_dimensions["D"].width >= 10
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert [r["plate"].value for r in rows] == ["2E10", "00123", "ABC1234"]
    assert {r["plate"].data_type for r in rows} == {"s"} and {r["plate"].number_format for r in rows} == {"@"}
    first = rows[0]
    assert first["id"].value == 1 and first["id"].data_type == "n"
    assert first["frame"].value == 40 and first["frame"].data_type == "n"
    assert (first["lane"].value, first["direction"].value) == ("entry", "in")
    assert first["confidence"].value == pytest.approx(0.9123) and first["confidence"].data_type == "n"
    assert first["date (local time)"].is_date and first["date (local time)"].value.date() == date(2026, 11, 26)
    assert first["time (local time)"].is_date and first["time (local time)"].value == time(8, 30, 5)  # not UTC
    assert first["detected_at (ISO 8601, UTC offset)"].value == "2026-11-26T08:30:05.460+01:00"
    link = rows[1]["source"]
    assert link.value == HYPERLINK and link.data_type == "s" and link.quotePrefix  # text, never a live formula
    assert rows[0]["list_distance"].value is None


def test_xlsx_date_range_like_the_csv(filled, tmp_path):
    path = tmp_path / "one-day.xlsx"
    assert export(filled, "--xlsx", path, "--from", "2026-11-27", "--to", "2026-11-27") == 0
    sheet = openpyxl.load_workbook(path)["records"]
    assert [row[3].value for row in sheet.iter_rows(min_row=2)] == ["00123"]


def test_xlsx_in_a_missing_folder_is_one_line_and_exit_2(filled, tmp_path, capsys):
    path = tmp_path / "no such folder" / "plates.xlsx"
    assert export(filled, "--xlsx", path) == 2
    err = capsys.readouterr().err
    assert err == f"Folder {path.parent} does not exist: create it or give --xlsx a file in another folder\n"
    assert not path.parent.exists()  # nothing created
    assert export(filled, "--xlsx", tmp_path / "plates.csv") == 2
    assert "does not end in .xlsx" in capsys.readouterr().err


def test_xlsx_open_in_excel_is_one_line_and_exit_1(filled, tmp_path, capsys, monkeypatch):
    """Excel on Windows locks an open workbook: replacing it fails with PermissionError."""
    path = tmp_path / "plates.xlsx"
    path.write_bytes(b"the workbook a manager has open")

    def locked(source, target):
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(os, "replace", locked)
    assert export(filled, "--xlsx", path) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Cannot write {path} (The process cannot access the file") and err.count("\n") == 1
    assert "close it in Excel or choose another file with --xlsx" in err
    assert path.read_bytes() == b"the workbook a manager has open"
    assert sorted(p.name for p in tmp_path.iterdir() if "xlsx" in p.name) == ["plates.xlsx"]  # no leftover
