"""Hostile input: `read` on many malformed files reports an error per file, never crashes or eats memory."""

import json
import random
import struct
import subprocess
import zlib

import cv2
import pytest

import synth
from conftest import PROJECT
from program import MAIN

pytestmark = pytest.mark.slow
resource = pytest.importorskip("resource")  # POSIX: the peak memory of the child
SEED = 7
MEMORY_LIMIT_MB = 1500


def png_header(width, height):
    """A valid PNG signature and IHDR chunk claiming the given size, then a scrap of image data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 1000)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat)))


def jpeg_header(width, height):
    """JPEG start, a baseline frame header claiming the given size, and nothing after it."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def malformed_files(folder, chances):
    good_jpg = cv2.imencode(".jpg", synth.scene("ABC1234")[0])[1].tobytes()
    good_png = cv2.imencode(".png", synth.scene("XYZ9876")[0])[1].tobytes()
    files = {
        "empty.jpg": b"", "text.png": b"this is not an image\n" * 20,
        "huge.png": png_header(20000, 20000), "huge.jpg": jpeg_header(20000, 20000),
        "huge_wide.png": png_header(1_000_000, 2), "zero.png": png_header(0, 0),
        "bmp_huge.bmp": b"BM" + struct.pack("<IHHIIiiHHIIiiII", 54, 0, 0, 54, 40, 30000, 30000, 1, 24,
                                            0, 0, 0, 0, 0, 0),
    }
    for n in range(20):
        files[f"random_{n}.jpg"] = chances.randbytes(chances.randint(1, 50_000))
    for n in range(20):
        files[f"cut_{n}.jpg"] = good_jpg[:chances.randint(1, len(good_jpg) - 1)]
        files[f"cut_{n}.png"] = good_png[:chances.randint(1, len(good_png) - 1)]
    for n in range(20):
        flipped = bytearray(good_jpg if n % 2 else good_png)
        for _ in range(chances.randint(1, 40)):
            flipped[chances.randrange(len(flipped))] ^= 1 << chances.randrange(8)
        files[f"flipped_{n}.{'jpg' if n % 2 else 'png'}"] = bytes(flipped)
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    (folder / "a_folder.jpg").mkdir()
    return paths + [folder / "a_folder.jpg", folder / "missing.jpg"]


def test_read_survives_malformed_files(tmp_path):
    paths = malformed_files(tmp_path, random.Random(SEED))
    program = subprocess.Popen([*MAIN, "read", "--json", *map(str, paths)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=PROJECT)
    stdout, stderr = program.communicate(timeout=600)
    # Peak memory of every child this test run has reaped so far: an upper bound for this one.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert program.returncode in (0, 1) and "Traceback" not in stderr, stderr[-2000:]
    assert peak_mb < MEMORY_LIMIT_MB
    assert [line["image"] for line in lines] == [str(p) for p in paths]
    errors = [line for line in lines if "error" in line]
    assert all(isinstance(line.get("plates"), list) for line in lines)
    for name in ("empty.jpg", "text.png", "huge.png", "huge.jpg", "a_folder.jpg", "missing.jpg"):
        assert any(line["image"].endswith(name) for line in errors), name
    print(f"{len(paths)} malformed inputs tried, {len(errors)} reported as errors, the rest read without "
          f"crashing; peak RSS {peak_mb:.0f} MB")
