"""Accuracy benchmark: the real pipeline (the code `read` and `run` use) against labelled data.

Stills: detection recall (a returned box with IoU >= 0.3 to the labelled plate), exact top-1 reads
(also with O/0 and I/1 folded), mean character error rate, false plates per image, ms per image,
overall and per region. Video: visits recorded with the right plate, wrong rows, duplicate rows.

    python -m benchmarks.accuracy [--stills DIR] [--video FILE --truth CSV] [--engine E] [--detector D]
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from securex.cli.read import load_image  # noqa: E402
from securex.config import load_config  # noqa: E402
from securex.core.domain import iou  # noqa: E402
from securex.core.plate_text import edit_distance, fold_o_i  # noqa: E402
from securex.pipeline.factory import DETECTORS, OCR_ENGINES, build_reader  # noqa: E402

SHARED = PROJECT.parent / "shared"
MATCH_IOU = 0.3


def still_figures(folder: Path, overrides: dict) -> None:
    settings = load_config(overrides)
    reader = build_reader(settings)
    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with open(folder / "labels.csv", newline="") as handle:
        labels = list(csv.DictReader(handle))
    for row in labels:
        truth_box = tuple(int(row[k]) for k in "xywh")
        image = load_image(str(folder / row["image"]))
        start = time.perf_counter()
        reads = reader.read_image(image, settings.detection.still_side)
        elapsed = time.perf_counter() - start
        top = reads[0].text if reads else ""
        for group in ("all", row["region"]):
            s = stats[group]
            s["images"] += 1
            s["found"] += any(iou(r.box, truth_box) >= MATCH_IOU for r in reads)
            s["exact"] += top == row["plate"]
            s["folded"] += fold_o_i(top) == fold_o_i(row["plate"])
            s["cer"] += edit_distance(top, row["plate"]) / len(row["plate"])
            s["false"] += sum(iou(r.box, truth_box) < MATCH_IOU for r in reads)
            s["seconds"] += elapsed
        if fold_o_i(top) != fold_o_i(row["plate"]):
            print(f"  miss {row['image']}: label {row['plate']}, read {[r.text for r in reads]}")
    print(f"\nStills in {folder} (engine {settings.ocr.engine}, detector {settings.detection.detector})")
    print(f"{'region':8} {'images':>6} {'recall':>7} {'exact':>7} {'exact O/0 I/1':>14} {'CER':>6} "
          f"{'false/img':>9} {'ms/img':>7}")
    for group in ["all"] + sorted(g for g in stats if g != "all"):
        s = stats[group]
        n = s["images"]
        print(f"{group:8} {int(n):6d} {s['found'] / n:7.1%} {s['exact'] / n:7.1%} {s['folded'] / n:14.1%} "
              f"{s['cer'] / n:6.3f} {s['false'] / n:9.2f} {1000 * s['seconds'] / n:7.0f}")


def video_figures(video: Path, truth_csv: Path, overrides: dict) -> None:
    with open(truth_csv, newline="") as handle:
        visits = list(csv.DictReader(handle))
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, str(PROJECT / "main.py"), "run", "--source", str(video), "--headless",
                   "--data-dir", tmp]
        for key, flag in (("OCR_ENGINE", "--engine"), ("DETECTOR", "--detector")):
            if overrides.get(key):
                command += [flag, overrides[key]]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        rows = sqlite3.connect(f"{tmp}/plates.db").execute("SELECT plate, frame FROM plates ORDER BY id").fetchall()
    right, wrong, duplicates = 0, 0, 0
    for visit in visits:
        first, last = int(visit["first_frame"]), int(visit["last_frame"])
        inside = [plate for plate, frame in rows if first <= frame <= last]
        good = [p for p in inside if fold_o_i(p) == fold_o_i(visit["plate"])]
        right += bool(good)
        duplicates += max(0, len(good) - 1)
    for plate, frame in rows:
        visit = next((v for v in visits if int(v["first_frame"]) <= frame <= int(v["last_frame"])), None)
        if visit is None or fold_o_i(plate) != fold_o_i(visit["plate"]):
            wrong += 1
            print(f"  wrong row: {plate} at frame {frame}")
    exact = sum(any(p == v["plate"] and int(v["first_frame"]) <= f <= int(v["last_frame"]) for p, f in rows)
                for v in visits)
    print(f"\nVideo {video.name}: {len(visits)} visits, {len(rows)} rows in {elapsed:.1f} s")
    print(f"  visits recorded with the right plate: {right}/{len(visits)} (exact letters {exact}/{len(visits)})")
    print(f"  wrong rows: {wrong}   duplicate rows: {duplicates}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stills", type=Path, default=SHARED / "datasets" / "plates-dev")
    parser.add_argument("--video", type=Path, default=SHARED / "videos" / "gate-dev.mp4")
    parser.add_argument("--truth", type=Path, default=None, help="visit CSV (default: the video's name .csv)")
    parser.add_argument("--engine", choices=list(OCR_ENGINES))
    parser.add_argument("--detector", choices=list(DETECTORS))
    parser.add_argument("--skip-video", action="store_true")
    parser.add_argument("--skip-stills", action="store_true")
    args = parser.parse_args()
    overrides = {"OCR_ENGINE": args.engine, "DETECTOR": args.detector}
    if args.skip_stills:
        pass
    elif (args.stills / "labels.csv").is_file():
        still_figures(args.stills, overrides)
    else:
        print(f"No labels.csv in {args.stills}: stills skipped")
    truth = args.truth or args.video.with_suffix(".csv")
    if not args.skip_video and args.video.is_file() and truth.is_file():
        video_figures(args.video, truth, overrides)


if __name__ == "__main__":
    main()
