"""The recorder: a decided visit becomes one signed record, unless the same plate was just recorded."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from securex.core.domain import CORRECTION, MANUAL_OPEN, Event, Record
from securex.gate.duplicates import DuplicateManager
from securex.records.chain import Head
from securex.records.onsite import OnSite
from securex.records.storage import RecordStore, StorageError, fetch_movements, unique_plates_since
from securex.video.tracking import Track

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, store: RecordStore, duplicate_window_seconds: float):
        self._store = store
        self._duplicates: dict[str, DuplicateManager] = {}  # per lane: going in, then out, is two records
        self._window = duplicate_window_seconds
        self.saved = 0  # records written this session
        self.unique_plates: set[str] = set()  # plates recorded this session
        self.errors = 0  # times the database could not be written
        self.corrected = 0  # records corrected by the later reads of their visit (a correction record each)
        self.contradicted = 0  # records the later reads of their visit took for another plate, left uncorrected
        self.failing = False  # the last record could be kept nowhere (disk full)
        self.unique_today = 0
        self.key_fingerprint = store.key_fingerprint
        self.on_site = OnSite(fetch_movements(store.db, store.gate))  # vehicles in and not yet out (the panel's count)

    def record(self, track: Track, event: Optional[Event], source: str, lane: str, direction: str) -> bool:
        """Save the track's winning read as seen by `lane`'s camera `source` going `direction`, with its visit's
        event, unless the same plate was saved within the duplicate window. False when nothing was saved (the
        event, if any, is then the caller's to keep).

        A record that cannot be written leaves the track unrecorded, so it is tried again with the
        track's next read or when it leaves.
        """
        sighting = track.winner
        track.recorded = True
        plate = sighting.read.text
        match = track.decision.record_fields() if track.decision is not None else None
        duplicates = self._duplicates.setdefault(lane, DuplicateManager(self._window))
        if duplicates.is_duplicate(plate, sighting.at):
            log.info("%s seen again within %.0f s: not recorded twice", plate, self._window)
            return False
        when = datetime.fromtimestamp(sighting.at).astimezone()
        try:
            record = self._store.save(plate, sighting.read.confidence, when, source, sighting.frame,
                                      sighting.crop, match, event, lane=lane, direction=direction)
        except StorageError as exc:
            track.recorded = False
            self.errors += 1
            self.failing = True
            log.error("%s: free disk space or check the database; the plate is tried again", exc)
            return False
        duplicates.mark_saved(plate, sighting.at, record)
        track.record, track.recorded_plate = record, plate
        self.failing = False
        self.saved += 1
        self.unique_plates.add(plate)
        self.on_site.add(record)
        if record.id is None:
            log.warning("%s kept in the journal (%d waiting): written to the database when it is back", plate,
                        self._store.waiting)
            return True
        day_start = when.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(timespec="milliseconds")
        self.unique_today = unique_plates_since(self._store.db, self._store.gate, day_start)
        log.info("Saved %s (%.0f%%) frame %d -> record %d, decided at frame %d, lane %s", plate,
                 100 * record.confidence, record.frame, record.id, track.last_read_frame, lane)
        return True

    def adopt(self, track: Track, lane: str) -> bool:
        """A track not yet recorded whose plate corrects one `lane` recorded within the duplicate window (a split
        track of the same car: its first reads lost a character or a row, or read one more that this track outvoted:
        `DuplicateManager.record_to_correct`) takes that visit's record as its own, for `correct` to correct, when
        that record has its chain number (else the track is recorded as a car of its own). True when it did."""
        duplicates = self._duplicates.get(lane)
        if track.recorded or track.winner is None or duplicates is None:
            return False
        earlier = duplicates.record_to_correct(track.winner.read.text,
                                               {text: s.read.confidence for text, s in track.best.items()},
                                               track.winner.at)
        if earlier is None or not earlier.seq:  # a record waiting in the journal has no chain number to correct
            return False
        track.recorded, track.record, track.recorded_plate = True, earlier, earlier.plate
        return True

    def correct(self, track: Track, event: Optional[Event], source: str) -> bool:
        """The car recorded for the track was read as another plate by the rest of its visit (the vote holds it
        now): a correction record of that plate with its event, naming the record it corrects by its chain
        number, at the time it is decided (after that record, also when the later plate's surest read came
        first). The signed record is kept as it was; a track whose vote turns again is corrected again, each
        correction naming the first record. False when no correction could be written, and the log names the
        record to check: it still waits in the journal (no chain number yet), or the correction can be kept
        nowhere."""
        earlier, sighting = track.record, track.winner
        plate, told = sighting.read.text, track.recorded_plate
        track.recorded_plate = plate  # dealt with: not again while the vote holds it
        at = max(sighting.at, track.seen_at or sighting.at)
        correction = None
        if earlier.seq:
            match = track.decision.record_fields() if track.decision is not None else None
            try:
                correction = self._store.save(plate, sighting.read.confidence, datetime.fromtimestamp(at).astimezone(),
                                              source, sighting.frame, sighting.crop, match, event, kind=CORRECTION,
                                              lane=earlier.lane, direction=earlier.direction, corrects=earlier.seq)
            except StorageError as exc:
                self.errors += 1
                log.error("%s: the correction of %s is not recorded", exc, told)
        if correction is None:
            self.contradicted += 1
            log.warning("%s was recorded, but the later reads of the same car say %s: check that record's photo "
                        "(python main.py search %s)", told, plate, earlier.plate)
            return False
        self._duplicates.setdefault(earlier.lane, DuplicateManager(self._window)).mark_saved(plate, at, earlier)
        self.corrected += 1
        self.on_site.add(correction)
        log.warning("%s was recorded, but the later reads of the same car say %s: corrected by %s", told, plate,
                    f"record {correction.id}" if correction.id is not None else "a record kept in the journal")
        return True

    def seen(self, track: Track, lane: str, at: float) -> None:
        """A recorded car still in view: it is not recorded again while it stays, nor just after."""
        duplicates = self._duplicates.get(lane)
        if duplicates is not None and track.recorded and track.winner is not None:
            duplicates.seen(track.winner.read.text, at)

    def saved_ago(self, plate: str, now: float, lane: str) -> Optional[float]:
        """Seconds since `plate` was recorded on `lane`, within the duplicate window (else None)."""
        duplicates = self._duplicates.get(lane)
        return duplicates.seconds_since(plate, now) if duplicates is not None else None

    def record_manual_open(self, track: Optional[Track], event: Event, source: str) -> Optional[Record]:
        """The guard opened the barrier by hand: a signed record of it (who, when, the plate on screen)."""
        sighting = track.winner if track is not None else None
        match = track.decision.record_fields() if track is not None and track.decision is not None else None
        when = datetime.fromisoformat(event.at)
        try:
            record = self._store.save(event.plate, event.confidence or 0.0, when, source,
                                      sighting.frame if sighting else -1, sighting.crop if sighting else None, match,
                                      event, kind=MANUAL_OPEN, operator=event.operator, lane=event.lane)
        except StorageError as exc:
            self.errors += 1
            log.error("%s: the barrier was opened by hand but that is not recorded; free disk space", exc)
            return None
        log.warning("Barrier opened by hand by %s for %s -> %s", event.operator, event.plate or "no plate on screen",
                    f"record {record.id}" if record.id is not None else "kept in the journal")
        return record

    @property
    def head(self) -> Head:
        return self._store.head

    @property
    def waiting(self) -> int:
        """Records kept in the journal until the database is back."""
        return self._store.waiting
