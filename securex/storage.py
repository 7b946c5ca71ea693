"""Records: SQLite (the source of truth), a CSV copy for Excel, and the plate crop images.

Order of work per record: the image is written (never over another file), the row is committed to
SQLite (WAL mode, so a crash or kill keeps every committed row), then appended to the CSV. The CSV
is only a view: rows it could not take (Excel holds a lock on Windows, disk full) are kept and
written as soon as the file is writable again.
"""

from __future__ import annotations

import csv
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from .domain import Record

log = logging.getLogger(__name__)
CSV_COLUMNS = ("id", "plate", "confidence", "detected_at", "source", "frame", "image_path")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
JPEG_QUALITY = 95
SCHEMA = """
CREATE TABLE IF NOT EXISTS plates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plate TEXT NOT NULL,
    confidence REAL NOT NULL,
    detected_at TEXT NOT NULL,
    source TEXT NOT NULL,
    frame INTEGER NOT NULL,
    image_path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plates_detected_at ON plates (detected_at);
CREATE INDEX IF NOT EXISTS plates_plate ON plates (plate);
"""


class StorageError(Exception):
    """The record store cannot be opened; the message says what to do."""


def excel_safe(value: object) -> str:
    """A CSV cell Excel shows as text: cells it would run as a formula get a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class RecordStore:
    def __init__(self, db_path: Path, csv_path: Path, images_dir: Path):
        self.db_path, self.csv_path, self.images_dir = db_path, csv_path, images_dir
        try:
            for folder in (db_path.parent, csv_path.parent, images_dir):
                folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(db_path), check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"Cannot open the database at {db_path} ({exc}): check the folder exists and "
                               "is writable, or pass --db PATH") from None
        self._pending_csv: list[Record] = self._rows_missing_from_csv()

    def save(self, plate: str, confidence: float, when: datetime, source: str, frame: int,
             image: Optional[np.ndarray]) -> Record:
        """Store one record; returns it with its id. The database row is committed before returning."""
        image_path = self._write_image(image, when) if image is not None else ""
        record = Record(plate, round(float(confidence), 4), when.isoformat(timespec="milliseconds"),
                        source, int(frame), image_path)
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO plates (plate, confidence, detected_at, source, frame, image_path) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (record.plate, record.confidence, record.detected_at, record.source, record.frame, record.image_path))
        record.id = cursor.lastrowid
        self._pending_csv.append(record)
        self.flush_csv()
        return record

    def records(self) -> list[Record]:
        rows = self._db.execute(
            "SELECT plate, confidence, detected_at, source, frame, image_path, id FROM plates ORDER BY id").fetchall()
        return [Record(*row) for row in rows]

    def unique_plates_since(self, since_iso: str) -> int:
        row = self._db.execute("SELECT COUNT(DISTINCT plate) FROM plates WHERE detected_at >= ?", (since_iso,))
        return int(row.fetchone()[0])

    def _rows_missing_from_csv(self) -> list[Record]:
        """Database rows the CSV lacks (a crash, or a lock that outlived the last run): written next."""
        last_id = 0
        try:
            with open(self.csv_path, newline="", encoding="utf-8-sig") as handle:
                for row in csv.DictReader(handle):
                    if (row.get("id") or "").isdigit():
                        last_id = max(last_id, int(row["id"]))
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            log.warning("CSV %s could not be read (%s); it will be appended to as it is", self.csv_path, exc)
            return []
        return [r for r in self.records() if r.id > last_id]

    @property
    def pending_csv_rows(self) -> int:
        return len(self._pending_csv)

    def flush_csv(self) -> bool:
        """Write the rows the CSV has not taken yet; False (rows kept) when the file is not writable."""
        if not self._pending_csv:
            return True
        try:
            new_file = not self.csv_path.exists() or self.csv_path.stat().st_size == 0
            # utf-8-sig: the byte-order mark makes Excel open the file as UTF-8.
            with open(self.csv_path, "a", newline="", encoding="utf-8-sig" if new_file else "utf-8") as handle:
                writer = csv.writer(handle)
                if new_file:
                    writer.writerow(CSV_COLUMNS)
                for record in self._pending_csv:
                    writer.writerow([excel_safe(getattr(record, column)) for column in CSV_COLUMNS])
        except OSError as exc:
            log.warning("CSV %s not writable (%s); %d row(s) kept and retried with the next record",
                        self.csv_path, exc.strerror or exc, len(self._pending_csv))
            return False
        self._pending_csv.clear()
        return True

    def _write_image(self, image: np.ndarray, when: datetime) -> str:
        """Save the crop as plate_YYYYMMDD_HHMMSS[_n].jpg, never replacing an existing file."""
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            log.error("Plate image could not be encoded; record saved without an image")
            return ""
        stem = when.strftime("plate_%Y%m%d_%H%M%S")
        for n in range(10000):
            path = self.images_dir / (f"{stem}.jpg" if n == 0 else f"{stem}_{n}.jpg")
            try:
                with open(path, "xb") as handle:
                    handle.write(encoded.tobytes())
                return str(path)
            except FileExistsError:
                continue
            except OSError as exc:
                log.error("Plate image %s could not be written (%s); record saved without an image", path, exc)
                return ""
        log.error("Too many images named %s_*.jpg; record saved without an image", stem)
        return ""

    def close(self) -> None:
        if not self.flush_csv():
            log.error("%d record(s) are in the database but not yet in %s: close the file in Excel and "
                      "run SecureX again", len(self._pending_csv), self.csv_path)
        self._db.close()
