"""`inside`: the vehicles that came in and have not gone out, for the guard and the site manager."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from securex.config import Config
from securex.core.domain import Record
from securex.core.errors import EXIT_OK
from securex.records.onsite import duration_text, on_site
from securex.records.storage import fetch_movements, open_records


def movements_of(config: Config, gate: str, date_to: Optional[str] = None) -> list[Record]:
    """The gate's entries and exits up to the end of `date_to`, in time order: all who is on site needs."""
    database, _ = open_records(config.storage)
    try:
        return fetch_movements(database, gate, date_to)
    finally:
        database.close()


def inside_command(config: Config, now: Optional[datetime] = None) -> int:
    """Print each vehicle on site of this gate (GATE_NAME, or --gate): plate, time in, time on site, lane."""
    now = now or datetime.now().astimezone()
    gate, stale_after = config.storage.gate_name, config.storage.stale_hours * 3600
    inside = on_site(movements_of(config, gate))
    stale = 0
    if inside:
        print(f"{'PLATE':10}  {'IN AT':16}  {'ON SITE':12}  LANE")
    for stay in inside:
        seconds = stay.seconds(now)
        old = seconds > stale_after
        stale += old
        print(f"{stay.entry.plate:10}  {stay.entered.strftime('%Y-%m-%d %H:%M'):16}  {duration_text(seconds):12}  "
              f"{stay.entry.lane or '-'}" + (f"  STALE: no exit in {config.storage.stale_hours:g} h" if old else ""))
    if not inside:
        print(f"No vehicle on site at gate {gate} (every entry has its exit)")
    else:
        print(f"{len(inside)} vehicle(s) on site at gate {gate}" + (
            f" ({stale} stale: in for over {config.storage.stale_hours:g} h without an exit; the exit may have "
            "been missed)" if stale else ""))
    return EXIT_OK
