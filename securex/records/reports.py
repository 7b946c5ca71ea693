"""Search past entries and summarise them: what a gate supervisor asks of the record."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from securex.core.domain import CORRECTION, FLAGGED, Record
from securex.core.plate_text import edit_distance, fold_digit_lookalikes
from securex.records.corrections import as_corrected
from securex.records.db import Database
from securex.records.storage import date_range_condition, fetch_records

WILDCARDS = {"*": "%", "?": "_"}


def like_pattern(pattern: str) -> str:
    """A plate pattern with * (any run) and ? (one character) as an SQL LIKE pattern (backslash escapes)."""
    out = []
    for char in pattern.upper():
        if char in WILDCARDS:
            out.append(WILDCARDS[char])
        elif char in "%_\\":
            out.append("\\" + char)
        elif char.isalnum():
            out.append(char)
    return "".join(out)


def wildcard_regex(pattern: str) -> re.Pattern:
    """The same pattern as a regular expression, for matching in Python."""
    kept = [c for c in pattern.upper() if c.isalnum() or c in WILDCARDS]
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in kept]
    return re.compile("".join(parts) + r"\Z")


def search(database: Database, pattern: str, date_from: Optional[str] = None, date_to: Optional[str] = None,
           fuzzy: int = 0, status: Optional[str] = None, gate: Optional[str] = None) -> list[Record]:
    """Records whose plate fits the pattern (or is within `fuzzy` edits of it, confusables alike), oldest first;
    optionally only those with one watchlist standing, or of one gate."""
    where, params = date_range_condition(date_from, date_to)
    conditions, values = ([where] if where else []), list(params)
    for column, wanted in (("list_status", status), ("gate", gate)):
        if wanted:
            conditions.append(f"{column} = ?")
            values.append(wanted)
    if not fuzzy:
        conditions.append("plate LIKE ? ESCAPE '\\'")
        values.append(like_pattern(pattern))
    records = fetch_records(database, " AND ".join(conditions), tuple(values))
    if fuzzy:
        regex, target = wildcard_regex(pattern), fold_digit_lookalikes(pattern.replace("*", "").replace("?", ""))
        records = [r for r in records if regex.match(r.plate)
                   or edit_distance(fold_digit_lookalikes(r.plate), target) <= fuzzy]
    return sorted(records, key=lambda r: (r.detected_at, r.id))


def correction_notes(database: Database, records: list[Record]) -> dict[int, str]:
    """What a guard reading `records` must know of their corrections, by record id: a corrected record's later
    plate, and the record a correction corrects."""
    notes, found, ids = {}, {(r.gate, r.seq): r for r in records}, {r.id for r in records}
    for correction in fetch_records(database, "kind = ?", (CORRECTION,)):
        named = (correction.gate, correction.corrects)
        if named in found:
            notes[found[named].id] = f"corrected to {correction.plate} by the later reads of the same car"
        if correction.id in ids:
            earlier = [found[named]] if named in found else fetch_records(database, "gate = ? AND seq = ?", named)
            notes[correction.id] = "correction of " + (
                f"{earlier[0].plate} recorded at {clock(earlier[0].detected_at)}" if earlier
                else f"chain number {correction.corrects} (pruned)")
    return notes


def found_line(record: Record, note: Optional[str] = None) -> str:
    """One record found by `search`, as the guard reads it (with what its correction says)."""
    return (f"{clock(record.detected_at)}  {record.gate:10} {record.plate:10} {record.confidence:5.2f}  "
            f"{record.list_status or '-':8} {record.image_path or '-'}" + (f"  ({note})" if note else ""))


def clock(iso: str) -> str:
    """An ISO-8601 time (a record's, an event's) as a guard reads it: date and time of the gate's clock."""
    return iso[:19].replace("T", " ")


@dataclass
class Report:
    entries: int
    unique_plates: int
    flagged: int
    per_hour: list[int]  # entries in each hour of the day, 0..23
    per_gate: dict[str, int]

    @property
    def busiest_hour(self) -> Optional[int]:
        return max(range(24), key=lambda h: self.per_hour[h]) if self.entries else None


def build_report(records: list[Record]) -> Report:
    records = [r for r in as_corrected(records) if not r.kind]  # vehicles only: a barrier opened by hand is no entry
    hours = Counter(int(r.detected_at[11:13]) for r in records)
    return Report(len(records), len({r.plate for r in records}), sum(r.list_status == FLAGGED for r in records),
                  [hours.get(h, 0) for h in range(24)], dict(Counter(r.gate for r in records)))


def chart_name(date_from: Optional[str], date_to: Optional[str], gate: Optional[str] = None) -> str:
    """The report chart's file name: its days, and its gate (letters, digits, _ and - only) when of one gate."""
    days = (date_from or "start") + ("" if date_from == date_to else f"_{date_to or 'now'}")
    return f"report_{days}" + (f"_{re.sub(r'[^A-Za-z0-9_-]', '_', gate)}" if gate else "") + ".png"


def hourly_chart(report: Report, title: str, path: Path) -> Path:
    """A bar chart of entries per hour of the day, as a PNG (matplotlib, no screen needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(10, 4.5), dpi=100)
    axes.bar(range(24), report.per_hour, color="#2b7bba")
    axes.set_xticks(range(24), [f"{h:02d}" for h in range(24)])
    axes.set_xlabel("hour of the day")
    axes.set_ylabel("entries")
    axes.set_title(title)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    pyplot.close(figure)
    return path
