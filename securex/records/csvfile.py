"""CSV files a guard may open in Excel, replaced whole so a reader never sees half a file."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Iterable, Sequence


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
