"""CSV files a guard may open in Excel: cells Excel would run as a formula are kept as text, and a
file is replaced whole so a reader never sees half of it."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def excel_safe(value: object) -> str:
    """A CSV cell Excel shows as text: cells it would run as a formula get a leading apostrophe."""
    text = "" if value is None else str(value)
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def from_excel_safe(text: str) -> str:
    """A cell as it was before `excel_safe`: the guard apostrophe in front of a formula character removed."""
    return text[1:] if text.startswith(GUARD) and text[1:].startswith(FORMULA_STARTS) else text


def replace_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write header and rows to a temporary file beside `path`, then put it in place in one step.

    UTF-8 with a byte-order mark, so Excel opens it as UTF-8. Raises OSError when it cannot.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(temporary, path)
