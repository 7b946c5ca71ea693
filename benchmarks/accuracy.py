"""Accuracy benchmark: the real pipeline (the code `read` and `run` use) against labelled data.

Stills: detection recall (a returned box with IoU >= 0.3 to the labelled plate, or a text line
whose centre is inside it; only rows with a box), exact top-1 reads (also with O/0 and I/1 folded),
mean character error rate, false plates per image (boxed rows only), ms per image, overall, per
country and for two-row plates; and the misses by failure class. Videos: visits recorded with the
right plate, wrong rows, of those the rows whose text is burned-in or scene text listed in the
video's `.overlay.txt`, duplicate rows; each record as corrected by the rest of its visit (a correction
record), and how many were corrected or named but not corrected.

    python -m benchmarks.accuracy [--stills DIR ...] [--videos FILE ...] [--engine E] [--detector D]
                                  [--countries site|config] [--larger K] [--wider K] [--worse] [--tilt DEG]
                                  [--skip-stills] [--skip-video]
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks import camera  # noqa: E402
from securex.cli.read import load_image  # noqa: E402
from securex.config import changed, load_config  # noqa: E402
from securex.config.plate_formats import COUNTRIES  # noqa: E402
from securex.core.domain import CORRECTION, iou  # noqa: E402
from securex.core.plate_text import edit_distance, fold_o_i, normalise_plate  # noqa: E402
from securex.pipeline.factory import DETECTORS, OCR_ENGINES, build_reader  # noqa: E402
from securex.records.corrections import as_corrected  # noqa: E402
from securex.records.db import open_database  # noqa: E402
from securex.records.storage import fetch_records  # noqa: E402

SHARED = PROJECT.parent / "shared"
STILLS = [SHARED / "datasets" / "plates-dev", SHARED / "datasets" / "plates-dev2"]
VIDEOS = [SHARED / "videos" / f"{name}.mp4" for name in
          ("gate-dev", "gate-overlay-dev", "parking-dev", "parking-dev2", "parking-dev3", "parking-dev4")]
VIDEO_COUNTRIES = {"parking-dev": "ca", "parking-dev2": "pk", "parking-dev3": "vn", "parking-dev4": "tw"}  # SOURCES.md
MATCH_IOU = 0.3
EU_BR = {"EU", "BR", "eu", "br"}


def on_plate(box: tuple, plate: tuple) -> bool:
    """A read's box is the labelled plate: it overlaps it (IoU >= 0.3), or it is a text line inside it (the
    text of a vanity plate is a small part of the plate)."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    inside = plate[0] <= cx <= plate[0] + plate[2] and plate[1] <= cy <= plate[1] + plate[3] and \
        box[2] * box[3] <= plate[2] * plate[3]
    return iou(box, plate) >= MATCH_IOU or inside


def failure_class(top: str, plate: str) -> str:
    """Why a top read misses its label: nothing read, part of the plate, extra characters, or wrong."""
    top, plate = fold_o_i(top), fold_o_i(plate)
    if not top:
        return "no read"
    if top in plate:
        return "part of the plate (split / one row)"
    if plate in top:
        return "extra characters"
    if sorted(top) == sorted(plate):
        return "characters out of order (rows swapped)"
    return "wrong characters"


def as_seen(image: np.ndarray, box: tuple | None, view: argparse.Namespace) -> tuple[np.ndarray, tuple | None]:
    """The photo and its plate box as the camera the command line asks for sees them (camera.py)."""
    image, box = camera.widened(*camera.enlarged(image, box, view.larger), view.wider)
    if view.worse:
        image, box = camera.worse(image, box)
    return camera.tilted(image, box, view.tilt)


def view_name(view: argparse.Namespace) -> str:
    parts = [f"each at {view.larger:g}x its pixels" if view.larger > 1.0 else "",
             f"each in a {view.wider:g}x wider view" if view.wider > 1.0 else "",
             "as a worse camera at dusk sends it" if view.worse else "",
             f"tilted by {view.tilt:g} degrees" if view.tilt else ""]
    return "".join(f", {p}" for p in parts if p)


def still_figures(folders: list[Path], overrides: dict, site_country: bool, view: argparse.Namespace) -> None:
    settings = load_config(overrides)
    readers = {}

    def reader_for(region: str):
        """With `site_country`, a photo is read as a site of its own country would read it."""
        country = region.lower() if site_country and region.lower() in COUNTRIES and region not in EU_BR else ""
        if country not in readers:
            readers[country] = build_reader(changed(settings, PLATE_COUNTRIES=[country]) if country else settings)
            readers[country].read_image(np.zeros((64, 64, 3), np.uint8), 64)  # warm up outside the timing
        return readers[country]

    stats: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    failures: Counter = Counter()
    for folder in folders:
        with open(folder / "labels.csv", newline="") as handle:
            labels = list(csv.DictReader(handle))
        for row in labels:
            boxed = all(row[k] for k in "xywh")
            labelled = tuple(int(row[k]) for k in "xywh") if boxed else None
            image, truth_box = as_seen(load_image(str(folder / row["image"])), labelled, view)
            start = time.perf_counter()
            reads = reader_for(row["region"]).read_image(image, settings.detection.still_side)
            elapsed = time.perf_counter() - start
            top = reads[0].text if reads else ""
            groups = ["all", row["region"].upper(), "EU+BR" if row["region"] in EU_BR else "other"]
            if row.get("rows") == "2":
                groups.append("two-row")
            for group in groups:
                s = stats[group]
                s["images"] += 1
                s["exact"] += top == row["plate"]
                s["folded"] += fold_o_i(top) == fold_o_i(row["plate"])
                s["cer"] += min(1.0, edit_distance(top, row["plate"]) / len(row["plate"]))
                s["seconds"] += elapsed
                if boxed:
                    s["boxed"] += 1
                    s["found"] += any(on_plate(r.box, truth_box) for r in reads)
                    s["false"] += sum(not on_plate(r.box, truth_box) for r in reads)
            if fold_o_i(top) != fold_o_i(row["plate"]):
                failures[failure_class(top, row["plate"])] += 1
                print(f"  miss {row['image']}: label {row['plate']}, read {[r.text for r in reads]}")
    names = ", ".join(f.name for f in folders)
    countries = "each photo's own country" if site_country else "PLATE_COUNTRIES " + " ".join(settings.plates.countries)
    print(f"\nStills in {names} (engine {settings.ocr.engine}, detector {settings.detection.detector}, {countries}"
          f"{view_name(view)})")
    print(f"{'group':8} {'images':>6} {'recall':>7} {'exact':>7} {'exact O/0 I/1':>14} {'CER':>6} "
          f"{'false/img':>9} {'ms/img':>7}")
    fixed = ["all", "EU+BR", "other", "two-row"]
    for group in [g for g in fixed if g in stats] + sorted(g for g in stats if g not in fixed):
        s = stats[group]
        n, boxed = s["images"], s["boxed"]
        recall = f"{s['found'] / boxed:7.1%}" if boxed else f"{'-':>7}"
        false = f"{s['false'] / boxed:9.2f}" if boxed else f"{'-':>9}"
        print(f"{group:8} {int(n):6d} {recall} {s['exact'] / n:7.1%} {s['folded'] / n:14.1%} "
              f"{s['cer'] / n:6.3f} {false} {1000 * s['seconds'] / n:7.0f}")
    print("misses by class: " + (", ".join(f"{k} {v}" for k, v in failures.most_common()) or "none"))


def scene_texts(overlay_txt: Path) -> list[str]:
    """The texts a video shows that are no plate (one per line of its `.overlay.txt`, quoted ones too)."""
    if not overlay_txt.is_file():
        return []
    texts = []
    for line in overlay_txt.read_text(encoding="utf-8").splitlines():
        parts = line.split('"')
        texts += [normalise_plate(p) for p in (parts[1::2] if len(parts) > 1 else [line])]
    return [fold_o_i(t) for t in texts if t]


def is_scene_text(plate: str, texts: list[str]) -> bool:
    """The row's text is a piece of a listed scene text (within one edit from five characters on)."""
    plate, edits = fold_o_i(plate), int(len(plate) >= 5)
    for text in texts:
        for size in (len(plate) - edits, len(plate), len(plate) + edits):
            if any(edit_distance(plate, text[i:i + size]) <= edits for i in range(max(1, len(text) - size + 1))):
                return True
    return False


def site_config(folder: str, settings: dict) -> Path:
    """config.py as a site would set it (`settings`: name -> value, such as its PLATE_COUNTRIES), written into
    `folder`."""
    path = Path(folder) / "config.py"
    text = (PROJECT / "config.py").read_text(encoding="utf-8")
    path.write_text(text + "".join(f"\n{name} = {value!r}" for name, value in settings.items()) + "\n",
                    encoding="utf-8")
    return path


def video_figures(video: Path, overrides: dict, site_country: bool, regions: Sequence[list] = ()) -> dict:
    """The figures of one clip read by `main.py run`; `regions`: read as that many lanes of the clip, each with
    its region (a polygon of picture fractions), instead of one lane of all of it."""
    with open(video.with_suffix(".csv"), newline="") as handle:
        visits = list(csv.DictReader(handle))
    texts = scene_texts(video.with_suffix(".overlay.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, str(PROJECT / "main.py"), "run", "--headless", "--data-dir", tmp]
        country = VIDEO_COUNTRIES.get(video.stem, "") if site_country else ""
        settings = {"PLATE_COUNTRIES": [country]} if country else {}
        if regions:
            settings["LANES"] = [{"name": f"lane{i + 1}", "source": str(video), "direction": "in", "region": region}
                                 for i, region in enumerate(regions)]
        else:
            command += ["--source", str(video)]
        if settings:
            command += ["--config", str(site_config(tmp, settings))]
        for key, flag in (("OCR_ENGINE", "--engine"), ("DETECTOR", "--detector")):
            if overrides.get(key):
                command += [flag, overrides[key]]
        start = time.perf_counter()
        run = subprocess.run(command, check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        database = open_database(f"{tmp}/plates.db")
        stored = fetch_records(database)
        database.close()
    corrections = sum(r.kind == CORRECTION for r in stored)
    rows = [(r.plate, r.frame) for r in as_corrected(stored)]  # each record as its corrections say
    right, wrong, scene, duplicates = 0, 0, 0, 0
    for visit in visits:
        first, last = int(visit["first_frame"]), int(visit["last_frame"])
        good = [p for p, frame in rows if first <= frame <= last and fold_o_i(p) == fold_o_i(visit["plate"])]
        right += bool(good)
        duplicates += max(0, len(good) - 1)
        if not good:
            print(f"  visit missed in {video.name}: {visit['plate']} (frames {first}-{last})")
    for plate, frame in rows:  # right when a visit in view at its frame has its plate (two cars may be in view)
        if not any(int(v["first_frame"]) <= frame <= int(v["last_frame"]) and fold_o_i(plate) == fold_o_i(v["plate"])
                   for v in visits):
            wrong += 1
            scene += is_scene_text(plate, texts)
            print(f"  wrong row in {video.name}: {plate} at frame {frame}")
    return {"video": video.name + (f" ({country})" if country else ""), "visits": len(visits), "right": right,
            "rows": len(rows), "wrong": wrong,
            "scene": scene, "duplicates": duplicates, "corrected": corrections,
            "contradicted": contradicted(run.stdout), "seconds": elapsed}


def contradicted(summary: str) -> int:
    """Records the later reads of their visit took for another plate and that were not corrected, as the run's
    summary counts them."""
    found = re.search(r"CHECK\s+(\d+) record", summary)
    return int(found.group(1)) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stills", type=Path, nargs="+", default=STILLS)
    parser.add_argument("--videos", type=Path, nargs="+", default=VIDEOS, help="each with FILE.csv beside it")
    parser.add_argument("--engine", choices=list(OCR_ENGINES))
    parser.add_argument("--detector", choices=list(DETECTORS))
    parser.add_argument("--countries", choices=["site", "config"], default="site",
                        help="site: each photo and real clip read with PLATE_COUNTRIES set to its own country (EU "
                        "and BR photos, the gate clips: the default); config: all with config.py's")
    parser.add_argument("--larger", type=float, default=1.0,
                        help="each photo at this many times its pixels each way (a camera of higher resolution)")
    parser.add_argument("--wider", type=float, default=1.0,
                        help="each photo in the middle of a picture this many times wider and taller (far plates)")
    parser.add_argument("--worse", action="store_true",
                        help="each photo as a worse camera at dusk sends it: scaled to 0.75, darkened to 60 %%, "
                        "JPEG quality 60")
    parser.add_argument("--tilt", type=float, default=0.0, help="each photo turned by this many degrees")
    parser.add_argument("--skip-video", action="store_true")
    parser.add_argument("--skip-stills", action="store_true")
    args = parser.parse_args()
    overrides = {"OCR_ENGINE": args.engine, "DETECTOR": args.detector}
    folders = [f for f in args.stills if (f / "labels.csv").is_file()]
    if not args.skip_stills and folders:
        still_figures(folders, overrides, args.countries == "site", args)
    videos = [v for v in args.videos if v.is_file() and v.with_suffix(".csv").is_file()]
    if args.skip_video or not videos:
        return
    print_video_table([video_figures(video, overrides, args.countries == "site") for video in videos])


def print_video_table(results: list[dict]) -> None:
    print(f"\n{'video':27} {'visits right':>12} {'rows':>5} {'wrong rows':>10} {'overlay/sign rows':>17} "
          f"{'duplicates':>10} {'corrected':>9} {'not corrected':>13} {'seconds':>7}")
    for r in results:
        print(f"{r['video']:27} {r['right']:>6}/{r['visits']:<5} {r['rows']:5d} {r['wrong']:10d} "
              f"{r['scene']:17d} {r['duplicates']:10d} {r['corrected']:9d} {r['contradicted']:13d} {r['seconds']:7.1f}")


if __name__ == "__main__":
    main()
