"""`read --show` in the real window (Xvfb): the plate's pixels untouched, the panel's decision, full screen, and
the text heights measured in the screenshots."""

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from test_window import display, screenshot, wait_for  # noqa: F401  (display: the Xvfb fixture)

from securex.ui.draw import scaled
from securex.ui.layout import Rect, compute_layout, place_box

import synth
from conftest import PROJECT

pytestmark = pytest.mark.slow  # and test_window's skip when Xvfb, xdotool or ImageMagick are missing
SCREEN = (1920, 1080)
ALLOWED_NOTE = "Flat 12B"


def geometry(env, window):
    shell = subprocess.run(["xdotool", "getwindowgeometry", "--shell", window], env=env, capture_output=True,
                           text=True).stdout
    values = dict(line.split("=") for line in shell.split() if "=" in line)
    return tuple(int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT")) if "X" in values else None


def inked_rows(image, area: Rect, colour_test) -> int:
    """Height in pixels of the rows of `area` holding text of the given colour."""
    region = image[area.y:area.bottom, area.x:area.right].astype(int)
    rows = np.flatnonzero(colour_test(region).any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def white(region):
    return (region > 225).all(axis=2)


def check_window(shot, origin, size, source, box, name):
    """The window part of a root screenshot: the plate's pixels as the camera's, scaled into place."""
    x, y = origin
    window = shot[y:y + size[1], x:x + size[0]]
    layout = compute_layout(size, [(source.shape[1], source.shape[0])])
    cell = layout.lanes[0]
    place = place_box(box, cell)
    expected = scaled(source, cell.picture.w, cell.picture.h)
    rx, ry = place.x - cell.picture.x, place.y - cell.picture.y
    assert window.shape[:2] == (size[1], size[0]) and place.w > 20 and place.h > 5
    assert np.array_equal(window[place.y:place.bottom, place.x:place.right],
                          expected[ry:ry + place.h, rx:rx + place.w]), name  # nothing drawn over the plate
    word = layout.word  # AUTHORISED on green
    green = window[word.y:word.bottom, word.x:word.right].astype(int)
    assert ((green[..., 1] > 140) & (green[..., 2] < 80)).mean() > 0.5, name
    return window, layout


def drawn_window(env, path, origin, size, source, box, name, timeout=10.0):
    """check_window on a screenshot taken once the window has been drawn (a loaded machine paints late)."""
    def drawn():
        try:
            check_window(screenshot(env, path), origin, size, source, box, name)
        except AssertionError:
            return False
        return True

    wait_for(drawn, timeout, step=0.3)
    return check_window(screenshot(env, path), origin, size, source, box, name)


@pytest.mark.parametrize("source_size", [(640, 480), (1280, 720), (1920, 1080)])
def test_a_photo_in_the_window(display, tmp_path, source_size):  # noqa: F811
    env = dict(os.environ, DISPLAY=display)
    assert subprocess.run([sys.executable, str(PROJECT / "main.py"), "watchlist", "add", "KA01AB12", "--list",
                           "allowed", "--note", ALLOWED_NOTE, "--data-dir", str(tmp_path)], cwd=PROJECT).returncode == 0
    source, _ = synth.scene("KA01AB12", source_size[0] / 900, source_size)
    photo = tmp_path / "car.png"
    cv2.imwrite(str(photo), source)
    log_path = tmp_path / "read.log"
    with open(log_path, "w") as log:
        program = subprocess.Popen([sys.executable, str(PROJECT / "main.py"), "read", "--json", "--show",
                                    str(photo), "--data-dir", str(tmp_path)], env=env, stdout=subprocess.PIPE,
                                   stderr=log, text=True, cwd=PROJECT)
    try:
        line = json.loads(program.stdout.readline())  # printed before the photo is shown
        assert line["plates"][0]["text"] == "KA01AB12", line
        box = tuple(line["plates"][0]["box"])
        search = ["xdotool", "search", "--onlyvisible", "--name", "^SecureX$"]
        assert wait_for(lambda: subprocess.run(search, env=env, capture_output=True).stdout.strip(), timeout=60)
        window = subprocess.run(search, env=env, capture_output=True, text=True).stdout.split()[0]
        assert wait_for(lambda: (geometry(env, window) or (0, 0, 0, 0))[2:] == (1280, 720), timeout=10)
        x, y, w, h = geometry(env, window)
        drawn_window(env, tmp_path / "window.png", (x, y), (w, h), source, box, "window")
        subprocess.run(["xdotool", "key", "--window", window, "w"], env=env, check=True)
        assert wait_for(lambda: "On screen: Full screen ON" in log_path.read_text(), timeout=10)
        # Xvfb has no window manager to carry out full screen: the window is made screen-sized by hand.
        subprocess.run(["xdotool", "windowsize", window, str(SCREEN[0]), str(SCREEN[1])], env=env, check=True)
        assert wait_for(lambda: (geometry(env, window) or (0, 0, 0, 0))[2:] == SCREEN, timeout=10)
        shot, layout = drawn_window(env, tmp_path / "full_screen.png", (0, 0), SCREEN, source, box, "full screen")
        heights = {"decision": inked_rows(shot, layout.word, white), "plate": inked_rows(shot, layout.plate, white),
                   "note": inked_rows(shot, layout.note, white),
                   "last plate": inked_rows(shot, Rect(layout.rows[0].x + layout.rows[0].w // 3, layout.rows[0].y,
                                                       layout.rows[0].w * 2 // 3, layout.rows[0].h), white),
                   "keys": inked_rows(shot, layout.band, lambda r: (r > 150).all(axis=2)),
                   "lane": inked_rows(shot, layout.lanes[0].head, white)}
        (tmp_path / "heights.json").write_text(json.dumps(heights))
        assert heights["decision"] >= 40 and heights["plate"] >= 40, heights
        assert min(heights["note"], heights["last plate"], heights["keys"], heights["lane"]) >= 22, heights
        subprocess.run(["xdotool", "key", "--window", window, "x"], env=env, check=True)  # any key ends it
        program.wait(timeout=30)
    finally:
        if program.poll() is None:
            program.kill()
    assert program.returncode == 0, log_path.read_text()
