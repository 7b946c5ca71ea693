"""Throughput benchmark: can SecureX keep up with the camera on this machine?

On one video file, in the same run: the pure decode rate (OpenCV reading every frame, nothing
else), SecureX's headless processing rate (every frame), their ratio, per-stage ms, CPU seconds,
peak RSS, the latency from each visit's first frame the engine reads right to the frame its record
is decided on (source time), the window-mode display rate under Xvfb when xvfb-run is there, and
the resident memory after the first and the last of N loops of the video in one run (Linux /proc).

    python -m benchmarks.throughput [--video FILE] [--truth CSV] [--loops N] [--skip-soak]
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from securex.config import load_config  # noqa: E402
from securex.core.plate_text import fold_o_i  # noqa: E402
from securex.pipeline.factory import build_reader  # noqa: E402

SHARED = PROJECT.parent / "shared"
LOOP_READ = re.compile(r"Video loop (\d+) of (\d+) read")
SAVED = re.compile(r"Saved (\w+) .* frame (\d+) -> record \d+, decided at frame (\d+)")


def decode_rate(video: Path) -> float:
    capture = cv2.VideoCapture(str(video))
    frames, start = 0, time.perf_counter()
    while capture.read()[0]:
        frames += 1
    capture.release()
    return frames / (time.perf_counter() - start)


def run_program(video: Path, extra: list[str], prefix: list[str] = ()) -> tuple[str, str, float, float]:
    """Run main.py; returns stdout, stderr, wall seconds and CPU seconds of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        command = [*prefix, sys.executable, str(PROJECT / "main.py"), "run", "--source", str(video),
                   "--data-dir", tmp, *extra]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout, result.stderr, wall, cpu


def rss_mb(pid: int) -> float:
    """Current resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def soak_rss(video: Path, loops: int) -> list[float]:
    """RSS of one headless run at the end of each loop of the video (read from its loop log lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, str(PROJECT / "main.py"), "run", "--source", str(video), "--headless",
                   "--loop", str(loops), "--data-dir", tmp]
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples = []
        for line in child.stderr:
            if LOOP_READ.search(line):
                samples.append(rss_mb(child.pid))
        child.wait()
    return samples


def summary_value(stdout: str, name: str) -> str:
    match = re.search(rf"^\s+{name}\s+(.+)$", stdout, re.MULTILINE)
    return match.group(1).strip() if match else "?"


def first_readable_frames(video: Path, truth: list[dict]) -> dict[str, int]:
    """Per visit, the first frame on which the engine itself reads the plate right."""
    settings = load_config()
    reader = build_reader(settings)
    capture = cv2.VideoCapture(str(video))
    firsts = {}
    for visit in truth:
        for frame in range(int(visit["first_frame"]), int(visit["last_frame"]) + 1):
            capture.set(cv2.CAP_PROP_POS_FRAMES, frame)
            ok, image = capture.read()
            reads = reader.read_image(image, settings.detection.video_side) if ok else []
            if any(fold_o_i(r.text) == fold_o_i(visit["plate"]) for r in reads):
                firsts[f"{visit['plate']}@{visit['first_frame']}"] = frame
                break
    capture.release()
    return firsts


def latency(stderr: str, truth: list[dict], firsts: dict[str, int], fps: float, lag: int) -> list[float]:
    """Seconds of source time from the first readable frame to the frame whose work writes the record."""
    out = []
    for plate, _, decided in SAVED.findall(stderr):
        decided = int(decided)
        for visit in truth:
            key = f"{visit['plate']}@{visit['first_frame']}"
            inside = int(visit["first_frame"]) <= decided <= int(visit["last_frame"])
            if inside and key in firsts and fold_o_i(plate) == fold_o_i(visit["plate"]):
                out.append((decided + lag - firsts[key]) / fps)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", type=Path, default=SHARED / "videos" / "gate-dev.mp4")
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--loops", type=int, default=10, help="loops of the video for the memory check")
    parser.add_argument("--skip-soak", action="store_true", help="leave out the memory check over many loops")
    args = parser.parse_args()
    truth_path = args.truth or args.video.with_suffix(".csv")
    truth = list(csv.DictReader(open(truth_path, newline=""))) if truth_path.is_file() else []
    settings = load_config()
    fps = cv2.VideoCapture(str(args.video)).get(cv2.CAP_PROP_FPS) or 25.0

    decode = decode_rate(args.video)
    stdout, stderr, wall, cpu = run_program(args.video, ["--headless"])
    rate = float(summary_value(stdout, "average FPS"))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Video {args.video.name} at {fps:.0f} fps, {summary_value(stdout, 'frames')} frames")
    print(f"  decode only (OpenCV)      {decode:7.1f} frames/s")
    print(f"  SecureX headless          {rate:7.1f} frames/s  ({rate / decode:.0%} of decode, "
          f"{rate / fps:.1f}x real time)")
    print(f"  stage ms per call         {summary_value(stdout, 'stage times')}")
    print(f"  wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak_rss_mb:.0f} MB")
    print(f"  records saved             {summary_value(stdout, 'saved')}")
    if truth:
        delays = latency(stderr, truth, first_readable_frames(args.video, truth), fps,
                         settings.tracking.pipeline_lag_frames)
        if delays:
            print(f"  latency first readable frame -> record: mean {sum(delays) / len(delays):.2f} s, "
                  f"max {max(delays):.2f} s over {len(delays)} visits (source time)")
    if shutil.which("xvfb-run"):
        for label, extra in (("as fast as it can", []), ("paced like a 25 fps camera", ["--realtime"])):
            out, _, _, _ = run_program(args.video, extra, ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24"])
            print(f"  window mode under Xvfb, {label}: {summary_value(out, 'average FPS')} frames/s shown")
    if not args.skip_soak and Path("/proc/self/status").exists():
        samples = soak_rss(args.video, args.loops)
        if len(samples) == args.loops:
            change = samples[-1] / samples[0] - 1
            print(f"  RSS after loop 1: {samples[0]:.0f} MB, after loop {args.loops}: {samples[-1]:.0f} MB "
                  f"({change:+.1%}); per loop: {' '.join(f'{v:.0f}' for v in samples)}")
        else:
            print(f"  memory check incomplete: {len(samples)} of {args.loops} loops logged")


if __name__ == "__main__":
    main()
