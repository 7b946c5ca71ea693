"""Appending to a file a crash, a power cut or a full disk must never leave half-written."""

from __future__ import annotations

import os
from pathlib import Path


def append_whole(path: Path, data: bytes) -> None:
    """Append `data` to `path` (created owner-only), on disk before returning. On any failure — a full disk
    may take part of a write without an error — the file is cut back to its size before, so no part of a
    line is left for the next one to join. Raises OSError (also when another program holds the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab", buffering=0, opener=lambda name, flags: os.open(name, flags, 0o600)) as handle:
        size = handle.tell()
        try:
            rest = memoryview(data)
            while rest:
                rest = rest[handle.write(rest):]
            os.fsync(handle.fileno())
        except OSError:
            handle.truncate(size)
            raise
