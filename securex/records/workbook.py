"""The records as an Excel workbook for managers: every cell typed, so Excel shows what was recorded.

A CSV leaves the types to Excel, which turns the plate `2E10` into 2.00E+10 and `00123` into 123
and keeps times as text. Here a plate is a text cell (formatted as text, so editing it keeps it),
the date and the time are real spreadsheet dates, confidence, frame and id are numbers. Excel has
no time zones: the date and time are the gate's local time when the record was made (the clock
time in `detected_at`), and `detected_at` is kept too, as text with its UTC offset.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from securex.core.domain import Record
from securex.core.errors import SecureXError
from securex.records.csvfile import FORMULA_STARTS

TEXT, NUMBER, RATIO, DAY, CLOCK = "@", "0", "0.00", "yyyy-mm-dd", "hh:mm:ss"


def _local(record: Record) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(record.detected_at).replace(tzinfo=None)
    except ValueError:
        return None


def _day(record: Record) -> Optional[date]:
    moment = _local(record)
    return moment.date() if moment else None


def _clock(record: Record) -> Optional[time]:
    moment = _local(record)
    return moment.time().replace(microsecond=0) if moment else None


# (header, width in characters, number format, value of a record)
COLUMNS: tuple[tuple[str, int, str, Callable[[Record], Any]], ...] = (
    ("id", 8, NUMBER, lambda r: r.id),
    ("seq", 8, NUMBER, lambda r: r.seq),
    ("gate", 12, TEXT, lambda r: r.gate),
    ("plate", 12, TEXT, lambda r: r.plate),
    ("confidence", 11, RATIO, lambda r: r.confidence),
    ("date (local time)", 17, DAY, _day),
    ("time (local time)", 17, CLOCK, _clock),
    ("detected_at (ISO 8601, UTC offset)", 32, TEXT, lambda r: r.detected_at),
    ("source", 30, TEXT, lambda r: r.source),
    ("frame", 9, NUMBER, lambda r: r.frame),
    ("list_status", 11, TEXT, lambda r: r.list_status),
    ("listed_plate", 13, TEXT, lambda r: r.listed_plate),
    ("list_distance", 13, NUMBER, lambda r: r.list_distance),
    ("image_path", 40, TEXT, lambda r: r.image_path),
    ("image_sha256", 20, TEXT, lambda r: r.image_sha256),
    ("kind", 12, TEXT, lambda r: r.kind),
    ("operator", 12, TEXT, lambda r: r.operator),
    ("lane", 12, TEXT, lambda r: r.lane),
    ("direction", 10, TEXT, lambda r: r.direction),
    ("corrects", 9, NUMBER, lambda r: r.corrects),
)


class WorkbookError(SecureXError):
    """The workbook cannot be made; one plain line."""


def write_xlsx(path: Path, records: Iterable[Record]) -> int:
    """Write the records to an .xlsx file, replaced whole (never half written). Raises OSError when it cannot."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError:
        raise WorkbookError("The Excel export needs the openpyxl package: run the setup again "
                            "(pip install -r requirements.txt)") from None
    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.freeze_panes = "A2"  # the header stays in view
    for number, (_, width, _, _) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(number)].width = width

    def cell(value: Any, kind: str, font: Optional[Font] = None) -> WriteOnlyCell:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value) or None  # "": an empty cell
        made = WriteOnlyCell(sheet, value=value)
        made.number_format = kind
        if isinstance(value, str):
            made.data_type = "s"  # text, also when it starts with '=': never a formula
            made.quotePrefix = value.startswith(FORMULA_STARTS)  # and still text when someone edits the cell
        if font is not None:
            made.font = font
        return made

    sheet.append([cell(header, TEXT, Font(bold=True)) for header, _, _, _ in COLUMNS])
    count = 0
    for record in records:
        sheet.append([cell(value_of(record), kind) for _, _, kind, value_of in COLUMNS])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    temporary = path.with_name(path.name + ".tmp")
    try:
        book.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return count

