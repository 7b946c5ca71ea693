"""`inside` on a big database: how long the guard waits for who is on site.

Builds a SQLite database of N records in a temp folder (rows as SecureX writes them, unsigned: `inside`
reads, it does not verify), in one of three mixes, then times `python main.py inside` of a checkout on it
(the program's start included), a few times:

- `nodirection`: one gate's records without a direction (one lane without LANES, or records before lanes);
- `fourgates`: four gates on one database, entries and exits, exits never of the same text as an entry
  but one edit from many (the worst case for matching: every exit searched by look-alikes);
- `onegate`: one gate's entries and exits, each exit of the entry before it.

    python -m benchmarks.onsite [--records N] [--runs N] [--checkout PATH]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MIXES = ("nodirection", "fourgates", "onegate")


def build(folder: Path, mix: str, count: int) -> None:
    """One signed record through SecureX (the key and schema), then `count` rows of the mix."""
    from securex.cli.main import DATA_DIR_FILES
    from securex.config import changed, load_config
    from securex.records.db import RECORD_COLUMNS
    from securex.records.storage import RecordStore

    config = changed(load_config(), **{name: str(folder / file) for name, file in DATA_DIR_FILES.items()})
    store = RecordStore.open(config.storage)
    store.save("KA01AB12", 0.9, datetime.now().astimezone(), "cam", 0, np.full((20, 60, 3), 99, np.uint8),
               lane="entry", direction="in")
    store.close()
    columns, rows = RECORD_COLUMNS[:-1], []
    start = datetime.now().astimezone() - timedelta(days=60)
    for n in range(count):
        gate, direction = {"nodirection": ("gate-1", ""), "fourgates": (f"gate-{1 + n % 4}", ("in", "out")[n // 4 % 2]),
                           "onegate": ("gate-1", ("in", "out")[n % 2])}[mix]
        values = dict(plate=f"MNY{n // 2 % 99991:05d}", confidence=0.9,
                      detected_at=(start + timedelta(seconds=20 * n)).isoformat(timespec="milliseconds"),
                      source="cam", frame=n, image_path="", gate=gate, image_sha256="", list_status="",
                      listed_plate="", list_distance=None, kind="", operator="", lane="l", direction=direction,
                      corrects=None,
                      seq=10 + n, prev_hash="", hash="0" * 64)
        rows.append(tuple(values[c] for c in columns))
    database = sqlite3.connect(folder / "plates.db")
    database.executemany(f"INSERT INTO plates ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    database.commit()
    database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the SecureX checkout whose `inside` is timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        for mix in MIXES:
            folder = Path(temp) / mix
            folder.mkdir()
            build(folder, mix, args.records)
            times, last = [], ""
            for _ in range(args.runs):
                began = time.perf_counter()
                done = subprocess.run([sys.executable, "main.py", "inside", "--data-dir", str(folder)],
                                      cwd=args.checkout, capture_output=True, text=True, timeout=600)
                times.append(time.perf_counter() - began)
                last = (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]
            print(f"{mix:12} {args.records} records: {' '.join(f'{t:.1f} s' for t in times)}  ({last[:60]})")


if __name__ == "__main__":
    main()
