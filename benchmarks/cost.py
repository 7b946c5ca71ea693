"""Cost benchmark: the work a run does, counted, so it can be compared on a busy machine.

Runs `main.py run --headless` in this process on each video and counts the text detector's calls,
the pixels it was given (after scaling) and the lines the recogniser read. Unlike frames per
second these counts do not depend on other work on the machine: compare two branches with them.

    python -m benchmarks.cost [VIDEO ...]
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from securex.cli.main import main as securex_main  # noqa: E402
from securex.pipeline import neural  # noqa: E402

VIDEOS = [PROJECT.parent / "shared" / "videos" / f"{name}.mp4" for name in ("gate-dev", "parking-dev", "parking-dev2",
                                                                        "parking-dev4")]


def counted() -> dict:
    """Wrap the detector and the recogniser so that every call is counted (thread-safe)."""
    counts = {"detector calls": 0, "detector pixels": 0, "OCR lines": 0}
    lock = threading.Lock()
    find_lines, read = neural.TextLineModel.find_lines, neural.LineRecognizer.read

    def counting_find_lines(self, image, long_side):
        height, width = image.shape[:2]
        scale = long_side / max(height, width)
        with lock:
            counts["detector calls"] += 1
            counts["detector pixels"] += round(height * scale) * round(width * scale)
        return find_lines(self, image, long_side)

    def counting_read(self, line):
        with lock:
            counts["OCR lines"] += 1
        return read(self, line)

    neural.TextLineModel.find_lines, neural.LineRecognizer.read = counting_find_lines, counting_read
    return counts


def main() -> None:
    videos = [Path(v) for v in sys.argv[1:]] or [v for v in VIDEOS if v.is_file()]
    counts = counted()
    print(f"{'video':24} {'detector calls':>14} {'detector Mpixels':>16} {'OCR lines':>9}")
    for video in videos:
        for key in counts:
            counts[key] = 0
        with tempfile.TemporaryDirectory() as tmp:
            with contextlib.redirect_stdout(io.StringIO()):
                securex_main(["run", "--source", str(video), "--headless", "--data-dir", tmp])
        print(f"{video.name:24} {counts['detector calls']:14d} {counts['detector pixels'] / 1e6:16.1f} "
              f"{counts['OCR lines']:9d}")


if __name__ == "__main__":
    main()
