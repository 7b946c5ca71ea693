"""World gate benchmark: the real photos of plates-dev2 (cars from 18 countries) driven through a gate camera
that is made up, read as video by `main.py run`, with the accuracy benchmark's video figures.

Each photo, 620 pixels wide at the barrier, comes in small at the top of a 1280x720 picture, slows to a
stop, waits 3 s and leaves at the bottom, speeding up (`--motion abrupt`: at full speed, stopping dead). The
camera burns in a ticking clock, its name and the lane, and a sign stands at the side: rows of that text
count as overlay or sign rows. Text burned into a photo itself (a photographer's mark, a camera's time)
moves with it, unlike a real camera's: its rows are wrong rows. config.py's countries read every car, as
at a site that never set them. `--worse`: the camera sees the lane as the accuracy benchmark's worse camera
does (benchmarks/camera.py: lower resolution, dusk, JPEG), then burns in its text. `--pairs`: two lanes side by
side in the picture, the cars two at a time, the second a second after the first (two cars in view at once);
`--lanes`: with `--pairs`, read as two lanes of one camera, each with its half of the picture as its region.
`--queue`: the cars queue at the barrier, one lane: each comes in as the one ahead reaches the barrier, waits behind
it (above it in the picture, its lower part hidden by it), and moves up as it leaves (two cars in view at once;
a photo taller than 4:3 is cut to 4:3 around its plate, so that it does not hide the car behind).

    python -m benchmarks.world_gate [--keep DIR] [--only cn,ru,...] [--motion eased|abrupt] [--worse]
                                    [--pairs [--lanes] | --queue] [--photos DIR] [--first N] [--around-plate]

`--photos DIR` drives another labelled folder's photos (`benchmarks/openalpr_sets.py` makes OpenALPR's US ones);
`--around-plate` cuts each boxed one around its plate, so a street photo's small plate is as large as at a gate.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks import camera  # noqa: E402
from benchmarks.accuracy import SHARED, print_video_table, video_figures  # noqa: E402

PHOTOS = SHARED / "datasets" / "plates-dev2"
WIDTH, HEIGHT, FPS = 1280, 720, 25
AT_BARRIER = 620  # a photo's width at the barrier, in pixels
AT_BARRIER_PAIRED = 600  # with two lanes side by side
HALVES = [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]], [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]]  # --lanes: left, right
PAIR_DELAY = FPS  # the second car of a pair comes this many frames after the first
QUEUE_IN, QUEUE_SPOT = (0.4, -40.0), (0.5, 110.0)  # --queue: (scale, centre height) where a car comes in at the top
# and where it waits behind the one at the barrier, above it in the picture as a camera looking down sees it
FOLLOW = 10  # --queue: a car comes in this many frames before the one ahead reaches the barrier
MOVE_UP = 15  # --queue: and moves up this many frames after that one starts to leave
GAP = 20  # empty frames after each visit (each pair)
AROUND_PLATE = 4.0  # --around-plate: a boxed photo is cut this many plate widths wide around its plate
CAMERA_TEXTS = ["CAM 02 TOLL PLAZA", "LANE 3 IN", "NO ENTRY"]
START = datetime.datetime(2026, 11, 20, 7, 58, 12)


def background() -> np.ndarray:
    """The empty lane: a grey road with noise, a stop line and a sign."""
    rng = np.random.default_rng(7)
    road = np.dstack([np.linspace(70, 120, HEIGHT).astype(np.uint8)[:, None].repeat(WIDTH, 1)] * 3)
    road = np.clip(road.astype(np.int16) + rng.normal(0, 6, road.shape), 0, 255).astype(np.uint8)
    cv2.line(road, (0, 560), (WIDTH, 560), (200, 200, 200), 4)
    cv2.rectangle(road, (1040, 300), (1220, 370), (250, 250, 250), -1)
    cv2.putText(road, CAMERA_TEXTS[2], (1052, 348), cv2.FONT_HERSHEY_SIMPLEX, 1.05, (20, 20, 160), 3)
    return road


def burn(image: np.ndarray, text: str, origin: tuple[int, int], scale: float) -> None:
    """White text with a black outline, as cameras print it."""
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 5, cv2.LINE_AA)
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 2, cv2.LINE_AA)


Step = tuple[float, float]  # a car's scale and centre height in one frame
WAIT = 75  # frames a car waits at the barrier
START_STEP, BARRIER = (0.35, 180.0), (1.0, 400.0)


def path(motion: str) -> list[Step]:
    """(scale, centre height) of a car in each frame of its visit: in, 3 s at the barrier, out."""
    return drive_between(START_STEP, BARRIER, 50, motion) + [BARRIER] * WAIT + leave(motion)


def drive_between(start: Step, end: Step, frames: int, motion: str) -> list[Step]:
    """The steps from `start` to `end`, slowing down (`eased`) or at full speed."""
    shares = [1 - (1 - i / (frames - 1)) ** 2 if motion == "eased" else i / (frames - 1) for i in range(frames)]
    return [(start[0] + (end[0] - start[0]) * f, start[1] + (end[1] - start[1]) * f) for f in shares]


def leave(motion: str) -> list[Step]:
    """The steps from the barrier out at the bottom, speeding up (`eased`) or at full speed."""
    go = [(i / 49) ** 2 if motion == "eased" else i / 24 for i in range(50 if motion == "eased" else 25)]
    return [(1.0, 400 + 500 * f) for f in go]


def queue_paths(count: int, motion: str) -> list[tuple[int, list[Step]]]:
    """(first frame, steps) of `count` cars queueing: the first drives to the barrier as one car alone does; each
    next comes in at the top FOLLOW frames before the one ahead reaches the barrier, stops at QUEUE_SPOT behind it,
    and moves up MOVE_UP frames after that one starts to leave."""
    paths, arrive = [], 0
    for k in range(count):
        if k == 0:
            first, steps = 0, drive_between(START_STEP, BARRIER, 50, motion)
        else:
            first = arrive - FOLLOW
            steps = drive_between(QUEUE_IN, QUEUE_SPOT, 40, motion)
            steps += [QUEUE_SPOT] * (arrive + WAIT + MOVE_UP - first - len(steps))
            steps += drive_between(QUEUE_SPOT, BARRIER, 25, motion)
        arrive = first + len(steps)
        paths.append((first, steps + [BARRIER] * WAIT + leave(motion)))
    return paths


def schedule(rows: list[dict], motion: str, pairs: bool, queue: bool) -> list[tuple[dict, int, int, list[Step]]]:
    """(row, centre x, first frame, steps) of each visit: one car after another in the middle, with `queue` each
    coming in while the one ahead waits, or with `pairs` two at a time, the first in the left lane and the second
    in the right one, PAIR_DELAY later."""
    if queue:
        paths = queue_paths(len(rows), motion)
        return [(row, WIDTH // 2, first, steps) for row, (first, steps) in zip(rows, paths, strict=True)]
    steps = path(motion)
    visits, start, step = [], 0, 2 if pairs else 1
    for i in range(0, len(rows), step):
        group = rows[i:i + step]
        for k, row in enumerate(group):
            visits.append((row, WIDTH * (1 + 2 * k) // 4 if pairs else WIDTH // 2, start + k * PAIR_DELAY, steps))
        start += len(steps) + (len(group) - 1) * PAIR_DELAY + GAP
    return visits


def around_plate(photo: np.ndarray, row: dict) -> np.ndarray:
    """The photo cut AROUND_PLATE plate widths wide (3/4 as tall) around its labelled plate, where it has a box:
    a street photo whose plate is small becomes a car filling the picture, as at a gate."""
    if not all(row.get(k) for k in "xywh"):
        return photo
    x, y, w, h = (int(row[k]) for k in "xywh")
    width = int(AROUND_PLATE * w)
    left, top = max(0, x + w // 2 - width // 2), max(0, y + h // 2 - width * 9 // 20)
    return photo[top:top + width * 3 // 4, left:left + width]


def landscape(photo: np.ndarray, row: dict) -> np.ndarray:
    """The photo cut to at most 3/4 as tall as wide, around its labelled plate's height (the middle where it has
    no box): with --queue a taller photo would hide the car behind the one at the barrier."""
    height, width = photo.shape[:2]
    tallest = width * 3 // 4
    if height <= tallest:
        return photo
    middle = int(row["y"]) + int(row["h"]) // 2 if row.get("y") and row.get("h") else height // 2
    top = min(max(0, middle - tallest // 2), height - tallest)
    return photo[top:top + tallest]


def make_clip(out: Path, rows: list[dict], motion: str, worse: bool = False, pairs: bool = False,
              photos_dir: Path = PHOTOS, cut: bool = False, queue: bool = False) -> Path:
    """Writes OUT.mp4 with OUT.csv (plate, first_frame, last_frame, image) and OUT.overlay.txt beside it; the
    rows' images are read from `photos_dir` (`cut`: each around its plate)."""
    road, video = background(), out.with_suffix(".mp4")
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    clocks = []
    visits = schedule(rows, motion, pairs, queue)
    photos = {row["image"]: cv2.imread(str(photos_dir / row["image"])) for row in rows}
    if cut:
        photos = {row["image"]: around_plate(photos[row["image"]], row) for row in rows}
    if queue:
        photos = {row["image"]: landscape(photos[row["image"]], row) for row in rows}
    for at in range(max(first + len(steps) for _, _, first, steps in visits) + GAP):
        frame = road.copy()
        in_view = [(steps[at - first], row, middle) for row, middle, first, steps in visits
                   if first <= at < first + len(steps)]
        for step, row, middle in sorted(in_view, key=lambda v: v[0][1]):  # the farther first: the nearer hides it
            drive(frame, photos[row["image"]], step, middle, AT_BARRIER_PAIRED if pairs else AT_BARRIER)
        if worse:
            frame = cv2.resize(camera.worse(frame, None)[0], (WIDTH, HEIGHT), interpolation=cv2.INTER_LINEAR)
        clocks.append((START + datetime.timedelta(seconds=at // FPS)).strftime("%Y-%m-%d %H:%M:%S"))
        burn(frame, clocks[-1], (20, 40), 1.0)
        burn(frame, CAMERA_TEXTS[0], (900, 40), 0.9)
        burn(frame, CAMERA_TEXTS[1], (20, 700), 0.8)
        writer.write(frame)
    truth = [(row["plate"], first, first + len(steps) - 1, row["image"]) for row, _, first, steps in visits]
    writer.release()
    with open(out.with_suffix(".csv"), "w", newline="") as handle:
        csv.writer(handle).writerows([("plate", "first_frame", "last_frame", "image"), *truth])
    out.with_suffix(".overlay.txt").write_text("\n".join(CAMERA_TEXTS + sorted(set(clocks))) + "\n", encoding="utf-8")
    return video


def drive(frame: np.ndarray, photo: np.ndarray, step: tuple[float, float], middle: int, width: int) -> None:
    """The car's photo drawn into the frame at one step of its path (scale, centre height), centred on `middle`,
    `width` pixels wide at the barrier."""
    scale, centre = step
    size = width / photo.shape[1] * scale
    car = cv2.resize(photo, None, fx=size, fy=size, interpolation=cv2.INTER_AREA)
    h, w = car.shape[:2]
    x, y = middle - w // 2, int(centre - h / 2)
    top, bottom = max(0, y), min(HEIGHT, y + h)
    if bottom > top:
        frame[top:bottom, x:x + w] = car[top - y:bottom - y]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="write the clip into this folder and keep it")
    parser.add_argument("--only", help="countries to drive through, comma separated (plates-dev2's folders)")
    parser.add_argument("--motion", choices=["eased", "abrupt"], default="eased")
    parser.add_argument("--worse", action="store_true", help="a worse camera at dusk (lower resolution, JPEG)")
    parser.add_argument("--pairs", action="store_true", help="two lanes side by side: two cars in view at once")
    parser.add_argument("--lanes", action="store_true", help="with --pairs: read as two lanes, each its half")
    parser.add_argument("--queue", action="store_true", help="the cars queue at the barrier, one behind the other")
    parser.add_argument("--photos", type=Path, default=PHOTOS,
                        help="a folder of labelled photos (labels.csv) to drive through instead of plates-dev2")
    parser.add_argument("--first", type=int, help="only this many of them, in the order of labels.csv")
    parser.add_argument("--around-plate", action="store_true",
                        help=f"cut each boxed photo {AROUND_PLATE:g} plate widths wide around its plate")
    args = parser.parse_args()
    if args.lanes and not args.pairs:
        parser.error("--lanes reads the two lanes of --pairs: give both")
    if args.queue and args.pairs:
        parser.error("--queue is one lane: give --queue or --pairs")
    with open(args.photos / "labels.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if not args.only or r["region"] in args.only.split(",")]
    rows = rows[:args.first]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        name = ("world-gate" if args.photos == PHOTOS else f"gate-{args.photos.name}") + f"-{args.motion}" \
            + ("-worse" if args.worse else "") + ("-pairs" if args.pairs else "") + ("-queue" if args.queue else "")
        video = make_clip(folder / name, rows, args.motion, args.worse, args.pairs, args.photos, args.around_plate,
                          args.queue)
        print_video_table([video_figures(video, {}, site_country=False, regions=HALVES if args.lanes else ())])


if __name__ == "__main__":
    main()
