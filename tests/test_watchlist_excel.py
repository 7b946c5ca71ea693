"""The watchlist a guard edits in Excel: formulas are written guarded, read back as plain text."""

import csv
from pathlib import Path

import pytest

from securex.cli.records import watchlist_command
from securex.config import changed
from securex.gate.watchlist import Watchlist, read_entries

HYPERLINK = '=HYPERLINK("http://evil.example/x","Call 555")'


@pytest.fixture
def watchlist(settings, tmp_path):
    return changed(settings, WATCHLIST_PATH=str(tmp_path / "watchlist.csv"))


def raw_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_watchlist_notes_that_look_like_formulas_round_trip_as_text(watchlist, capsys):
    """Finding 6: a note such as =HYPERLINK(...) was written as is, and a spreadsheet showed a live link."""
    path = Path(watchlist.alerts.watchlist_path)
    assert watchlist_command(watchlist, "add", "ABC1234", "flagged", HYPERLINK) == 0
    assert watchlist_command(watchlist, "add", "XYZ9876", "allowed", "+44 20 7946 0000 (owner)") == 0
    assert raw_rows(path)[1:] == [["ABC1234", "flagged", "'" + HYPERLINK, ""],
                                  ["XYZ9876", "allowed", "'+44 20 7946 0000 (owner)", ""]]
    assert [e.note for e in read_entries(path)] == [HYPERLINK, "+44 20 7946 0000 (owner)"]  # guard taken off
    assert watchlist_command(watchlist, "add", "JKL5555", "allowed", "staff") == 0  # rewritten: no second guard
    assert raw_rows(path)[1][2] == "'" + HYPERLINK
    assert Watchlist(path, 1).match("ABC1234").note == HYPERLINK
    capsys.readouterr()
    watchlist_command(watchlist, "list")
    assert f"ABC1234    flagged  -           {HYPERLINK}" in capsys.readouterr().out


def test_hand_edited_watchlist_formulas_stay_plain_text(watchlist, capsys):
    """A guard typed a formula (and a control character) into the file; SecureX keeps it as text and guards it."""
    path = Path(watchlist.alerts.watchlist_path)
    path.write_text('plate,list,note,valid_until\n'
                    f'ABC1234,flagged,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",\n'
                    "XYZ9876,allowed,'@SUM(1+1)\x1b[2J,\n"
                    "JKL5555,allowed,=1+1,2030-01-01\n", encoding="utf-8")
    entries = read_entries(path)
    assert [(e.plate, e.note) for e in entries] == [("ABC1234", HYPERLINK), ("XYZ9876", "@SUM(1+1) [2J"),
                                                    ("JKL5555", "=1+1")]
    assert Watchlist(path, 0).match("ABC1234").note == HYPERLINK  # shown to the guard as text
    assert watchlist_command(watchlist, "remove", "JKL5555") == 0
    assert [row[2] for row in raw_rows(path)[1:]] == ["'" + HYPERLINK, "'@SUM(1+1) [2J"]
