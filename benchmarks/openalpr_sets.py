"""Photos SecureX was not developed on, in the accuracy benchmark's form: OpenALPR's public end-to-end
benchmark (github.com/openalpr/benchmarks, `endtoend/us`, `eu`, `br`: a photo and a `.txt` line
`file x y w h plate` each). Photos that are also in `../shared/datasets/plates-dev` (half of its EU and
Brazilian ones) are left out, so what is scored is unseen.

    python -m benchmarks.openalpr_sets PATH/TO/openalpr-benchmarks OUT
    python -m benchmarks.accuracy --skip-video --countries config --stills OUT/us OUT/eu OUT/br
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from securex.core.plate_text import normalise_plate  # noqa: E402

DEV_LABELS = PROJECT.parent / "shared" / "datasets" / "plates-dev" / "labels.csv"
REGIONS = ("us", "eu", "br")


def dev_photos(labels: Path) -> set[str]:
    """The photos the dev set already has, as REGION/NAME (none when it is not here)."""
    if not labels.is_file():
        return set()
    with open(labels, newline="") as handle:
        return {row["image"] for row in csv.DictReader(handle)}


def label_rows(folder: Path, region: str, skip: set[str]) -> list[list[str]]:
    """One labels.csv row per photo of `folder` whose `.txt` names exactly one plate and whose photo is there."""
    rows = []
    for txt in sorted(folder.glob("*.txt")):
        lines = [line.split() for line in txt.read_text().splitlines() if line.strip()]
        if len(lines) != 1 or len(lines[0]) != 6:
            continue
        name, x, y, w, h, plate = lines[0]
        if f"{region}/{name}" in skip or not (folder / name).is_file():
            continue
        rows.append([f"{region}/{name}", x, y, w, h, normalise_plate(plate), region])
    return rows


def build(source: Path, out: Path, skip: set[str]) -> dict[str, int]:
    """OUT/<region>/labels.csv and the photos beside it, for each region the source has; photos per region."""
    counts = {}
    for region in REGIONS:
        folder = source / "endtoend" / region
        if not folder.is_dir():
            continue
        rows = label_rows(folder, region, skip)
        (out / region / region).mkdir(parents=True, exist_ok=True)
        for row in rows:
            shutil.copyfile(folder / Path(row[0]).name, out / region / row[0])
        with open(out / region / "labels.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image", "x", "y", "w", "h", "plate", "region"])
            writer.writerows(rows)
        counts[region] = len(rows)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a checkout of github.com/openalpr/benchmarks")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if not (args.source / "endtoend").is_dir():
        print(f"{args.source} has no endtoend folder: give a checkout of openalpr/benchmarks", file=sys.stderr)
        return 2
    for region, count in build(args.source, args.out, dev_photos(DEV_LABELS)).items():
        print(f"{region}: {count} photos in {args.out / region}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
