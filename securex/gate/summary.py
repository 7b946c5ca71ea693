"""The session summary printed when the gate loop stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from securex.records.chain import Head

if TYPE_CHECKING:
    from securex.gate.app import GateApp


@dataclass
class Summary:
    run_seconds: float
    frames: int
    average_fps: float
    plates_read: int
    saved: int
    unique: int
    stage_ms: dict[str, float]
    outages: int
    head: Head
    store_errors: int
    flagged: int
    still_skips: int
    waiting: int
    key_fingerprint: str
    events_waiting: int = 0  # events some receiver has not confirmed yet
    barrier_opened: int = 0
    barrier_failed: int = 0
    corrected: int = 0  # records corrected by the later reads of their visit
    contradicted: int = 0  # records the later reads of their visit took for another plate, left uncorrected

    def lines(self) -> list[str]:
        stages = ", ".join(f"{k} {v:.1f} ms" for k, v in self.stage_ms.items()) or "none"
        return [
            "SecureX session summary",
            f"  run time      {self.run_seconds:.1f} s",
            f"  frames        {self.frames}",
            f"  average FPS   {self.average_fps:.1f}",
            f"  plates read   {self.plates_read}",
            f"  saved         {self.saved}",
            f"  unique saved  {self.unique}",
            f"  flagged       {self.flagged}",
            f"  stage times   {stages}",
            f"  still lane    {self.still_skips} detector runs skipped (nothing moved, nothing tracked)",
            f"  record chain  gate {self.head.gate}: {self.head.seq} records, head {self.head.hash}",
            f"  signing key   fingerprint {self.key_fingerprint} (note it down with the head)",
        ] + ([f"  signal lost   {self.outages} time(s)"] if self.outages else []) \
          + ([f"  NOT SAVED     {self.store_errors} time(s) a record could be kept nowhere (disk full?)"]
             if self.store_errors else []) \
          + ([f"  WAITING       {self.waiting} record(s) kept in the journal for the database: written when it "
              "is back (at the next start at the latest)"] if self.waiting else []) \
          + ([f"  corrected     {self.corrected} record(s) by the later reads of the same car (a correction record "
              "each; the log names them)"] if self.corrected else []) \
          + ([f"  CHECK         {self.contradicted} record(s) whose car later reads took for another plate, not "
              "corrected (the log names them)"] if self.contradicted else []) \
          + ([f"  barrier       opened {self.barrier_opened} time(s)"
              + (f", FAILED {self.barrier_failed} time(s)" if self.barrier_failed else "")]
             if self.barrier_opened or self.barrier_failed else []) \
          + ([f"  EVENTS WAITING {self.events_waiting} event(s) not yet delivered to a receiver: sent at the next "
              "start (python main.py events --pending)"] if self.events_waiting else [])


def session_summary(gate: "GateApp") -> Summary:
    """The figures of the gate's run, from its parts."""
    r, lanes, outside = gate.recorder, gate.lanes, gate.outside
    return Summary(gate.perf.elapsed, gate.perf.frames, gate.perf.average_fps,
                   sum(lane.decider.plates_read for lane in lanes), r.saved, len(r.unique_plates),
                   gate.perf.mean_ms(), sum(lane.source.outages for lane in lanes), r.head, r.errors,
                   gate.announcer.flagged, sum(lane.still_skips for lane in lanes), r.waiting, r.key_fingerprint,
                   outside.waiting, *outside.barrier_counts, corrected=r.corrected, contradicted=r.contradicted)
