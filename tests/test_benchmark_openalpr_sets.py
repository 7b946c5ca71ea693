"""The OpenALPR benchmark photos made into the accuracy benchmark's labelled folders."""

import csv

from benchmarks.openalpr_sets import build, main


def test_each_photo_with_one_plate_becomes_a_labelled_row_and_dev_photos_are_left_out(tmp_path):
    us = tmp_path / "src" / "endtoend" / "us"
    us.mkdir(parents=True)
    for name, line in [("a.jpg", "a.jpg\t10\t20\t30\t15\tab12cd\n"), ("b.jpg", "b.jpg 1 2 3 4 XYZ-123\n"),
                       ("c.jpg", "c.jpg 1 2 3 4 ONE\nc.jpg 5 6 7 8 TWO\n"), ("dev.jpg", "dev.jpg 1 2 3 4 DEV1\n")]:
        (us / name).write_bytes(b"jpeg")
        (us / name.replace(".jpg", ".txt")).write_text(line)
    (us / "gone.txt").write_text("gone.jpg 1 2 3 4 GONE1\n")  # its photo is missing
    counts = build(tmp_path / "src", tmp_path / "out", skip={"us/dev.jpg", "eu/a.jpg"})
    assert counts == {"us": 2}
    with open(tmp_path / "out" / "us" / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["image"], r["x"], r["h"], r["plate"], r["region"]) for r in rows] == [
        ("us/a.jpg", "10", "15", "AB12CD", "us"), ("us/b.jpg", "1", "4", "XYZ123", "us")]
    assert (tmp_path / "out" / "us" / "us" / "a.jpg").read_bytes() == b"jpeg"


def test_a_folder_that_is_not_the_benchmark_is_one_plain_line(tmp_path, capsys):
    assert main([str(tmp_path), str(tmp_path / "out")]) == 2
    assert "openalpr/benchmarks" in capsys.readouterr().err
