"""Lanes benchmark: can one gate PC keep up with 1, 2, 3 and 4 lanes of 1080p25 video in one process?

gate-dev.mp4 (720p25) is upscaled to 1080p once and cached in the temp folder; every lane plays that
file. For each number of lanes, in the same run: the pure decode rate of the file (OpenCV, nothing
else), SecureX's combined processing rate over all lanes (headless, every frame), its ratio to the
decode rate, CPU seconds, peak RSS of that run alone, and per lane the records written with their
direction (odd lanes are `in`, even lanes `both`: direction from the plate's motion) and the latency
from each visit's first readable frame to the frame whose work writes its record (source time).
`--soak N` also runs the most lanes N loops of the video and prints the RSS after each loop.
`--window N` also runs N lanes in the window under Xvfb, each paced like a 25 fps camera, and prints
the frames per second each lane's picture was shown at.

    python -m benchmarks.lanes [--lanes 1 2 3 4] [--frames N] [--soak N] [--window N]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from benchmarks.throughput import (
    LOOP_READ,
    PROJECT,
    SHARED,
    decode_rate,
    first_readable_frames,
    latency,
    rss_mb,
    summary_value,
)
from securex.config import load_config

SOURCE = SHARED / "videos" / "gate-dev.mp4"
CACHE = Path(tempfile.gettempdir()) / "securex-lanes-benchmark"
SIZE = (1920, 1080)


def upscaled(frames: int) -> Path:
    """The first `frames` frames of gate-dev.mp4 at 1080p (made once, then taken from the cache)."""
    path = CACHE / f"gate-dev-1080p-{frames}.mp4"
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    capture = cv2.VideoCapture(str(SOURCE))
    temporary = path.with_suffix(".tmp.mp4")
    writer = cv2.VideoWriter(str(temporary), cv2.VideoWriter_fourcc(*"mp4v"), capture.get(cv2.CAP_PROP_FPS), SIZE)
    for _ in range(frames):
        ok, image = capture.read()
        if not ok:
            break
        writer.write(cv2.resize(image, SIZE, interpolation=cv2.INTER_CUBIC))
    writer.release()
    capture.release()
    temporary.replace(path)
    return path


def lane_args(video: Path, lanes: int) -> list[str]:
    """Odd lanes are entry lanes (`in`); even ones are `both`, their direction judged from each plate's motion
    (the clip's cars approach the camera, so every record should say `in`)."""
    return [arg for n in range(1, lanes + 1) for arg in ("--lane", f"lane-{n}:{'in' if n % 2 else 'both'}={video}")]


def one_run(video: Path, lanes: int) -> dict:
    """Run SecureX on `lanes` lanes (this process's only child, so its peak RSS is that run's alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, str(PROJECT / "main.py"), "run", *lane_args(video, lanes), "--headless",
                   "--data-dir", tmp]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        database = sqlite3.connect(Path(tmp) / "plates.db")
        per_lane: dict[str, dict[str, int]] = {}
        for lane, direction, count in database.execute(
                "SELECT lane, direction, COUNT(*) FROM plates GROUP BY lane, direction"):
            per_lane.setdefault(lane, {})[direction or "none"] = count
        database.close()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"stdout": result.stdout, "stderr": result.stderr, "wall": wall, "per_lane": per_lane,
            "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def window_rate(video: Path, lanes: int) -> float:
    """Frames per second per lane shown in the window under Xvfb, every lane paced like a live camera."""
    with tempfile.TemporaryDirectory() as tmp:
        command = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, str(PROJECT / "main.py"), "run",
                   *lane_args(video, lanes), "--realtime", "--data-dir", tmp]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(summary_value(result.stdout, "average FPS")) / lanes


def soak(video: Path, lanes: int, loops: int) -> list[float]:
    """RSS of one run of `lanes` lanes at the end of each loop of the first lane's video."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, str(PROJECT / "main.py"), "run", *lane_args(video, lanes), "--headless",
                   "--loop", str(loops), "--data-dir", tmp]
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples, seen = [], 0
        for line in child.stderr:
            if LOOP_READ.search(line):
                seen += 1
                if seen % lanes == 0:  # every lane has read this loop
                    samples.append(rss_mb(child.pid))
        child.wait()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--frames", type=int, default=1235, help="frames of gate-dev.mp4 to use (all: 1235)")
    parser.add_argument("--soak", type=int, default=0, metavar="N", help="also N loops of the most lanes (memory)")
    parser.add_argument("--window", type=int, default=0, metavar="N",
                        help="also N lanes in the window under Xvfb, paced like cameras")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one measurement, in a process of its own
    args = parser.parse_args()
    video = upscaled(args.frames)
    if args.one:
        print(json.dumps(one_run(video, args.one)))
        return
    settings = load_config()
    truth = [v for v in csv.DictReader(open(SOURCE.with_suffix(".csv"), newline=""))
             if int(v["last_frame"]) < args.frames]
    fps = cv2.VideoCapture(str(video)).get(cv2.CAP_PROP_FPS) or 25.0
    firsts = first_readable_frames(video, truth)
    print(f"{video.name}: {args.frames} frames of 1920x1080 at {fps:.0f} fps per lane, {len(truth)} visits, "
          f"{len(firsts)} readable by the engine")
    for lanes in args.lanes:
        decode = decode_rate(video)
        found = subprocess.run([sys.executable, "-m", "benchmarks.lanes", "--frames", str(args.frames), "--one",
                                str(lanes)], capture_output=True, text=True, check=True, cwd=PROJECT)
        run = json.loads(found.stdout)
        rate = float(summary_value(run["stdout"], "average FPS"))
        print(f"{lanes} lane(s): {rate:6.1f} frames/s combined ({rate / fps:.1f} lanes in real time), "
              f"{rate / decode:.0%} of decode only ({decode:.1f} frames/s); wall {run['wall']:.1f} s, "
              f"CPU {run['cpu']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB")
        for n in range(1, lanes + 1):
            lane = f"lane-{n}"
            lines = "\n".join(line for line in run["stderr"].splitlines() if line.endswith(f", lane {lane}"))
            delays = latency(lines, truth, firsts, fps, settings.tracking.pipeline_lag_frames)
            late = f"mean {sum(delays) / len(delays):.2f} s, max {max(delays):.2f} s" if delays else "-"
            directions = run["per_lane"].get(lane, {})
            kinds = ", ".join(f"{d} {c}" for d, c in sorted(directions.items()))
            print(f"    {lane} ({'in' if n % 2 else 'both'}): {sum(directions.values())} records "
                  f"(direction {kinds or '-'}), {len(delays)} visits read right; "
                  f"latency first readable frame -> record {late}")
    if args.window and shutil.which("xvfb-run"):
        print(f"window, {args.window} lane(s) paced at {fps:.0f} fps each: {window_rate(video, args.window):.1f} "
              "frames/s shown per lane")
    if args.soak:
        samples = soak(video, max(args.lanes), args.soak)
        print(f"{max(args.lanes)} lanes, {args.soak} loops: RSS per loop {' '.join(f'{v:.0f}' for v in samples)} MB"
              + (f" ({samples[-1] / samples[0] - 1:+.1%} from loop 1)" if len(samples) > 1 else ""))


if __name__ == "__main__":
    main()
