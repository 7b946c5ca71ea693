"""Two lanes in the real window (Xvfb): each lane's header (its name, LIVE) and its picture with its own plate
framed, beside the one shared panel listing the plates of both."""

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from test_window import display, screenshot, wait_for  # noqa: F401  (display: the Xvfb fixture)
from test_window_still import geometry

from securex.ui.draw import canvas, draw_lane
from securex.ui.layout import compute_layout
from securex.ui.views import LaneView

import synth
from conftest import PROJECT

pytestmark = pytest.mark.slow  # and test_window's skip when Xvfb, xdotool or ImageMagick are missing
SCREEN = (1280, 720)
PICTURE = (640, 480)
LANES = (("entry", "ABC1234", "toward"), ("exit", "XYZ9876", "away"))
KEEP = os.environ.get("SECUREX_KEEP_SCREENSHOT")  # a path: the screenshot is copied there to be looked at


def label_share(area):
    """Share of `area` in pure white: a decided plate's frame and label without a list in use (the plate itself
    and the scene are never that white)."""
    return float((area == 255).all(axis=2).mean())


def plate_crop_shown(area):
    """A plate crop: white plate and dark letters."""
    return (area > 200).all(axis=2).mean() > 0.1 and (area < 60).all(axis=2).mean() > 0.02


def until(env, path, shows, within):
    """A screenshot for which `shows` holds, polled (the window is drawn a frame at a time, so one taken too
    early shows the state before); the last one taken if it never does."""
    end = time.monotonic() + within
    image = screenshot(env, path)
    while not shows(image) and time.monotonic() < end:
        time.sleep(0.2)
        image = screenshot(env, path)
    return image


def test_two_lanes_side_by_side_with_their_headers_pictures_and_the_shared_panel(display, tmp_path):  # noqa: F811
    env = dict(os.environ, DISPLAY=display)
    options = []
    for name, plate, drive in LANES:
        clip = synth.write_clip(tmp_path / f"{name}.avi", [(plate, 400)], gap=5, size=PICTURE, drive=drive)
        options += ["--lane", f"{name}:{'in' if drive == 'toward' else 'out'}={clip}"]
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        program = subprocess.Popen([sys.executable, str(PROJECT / "main.py"), "run", *options, "--realtime",
                                    "--data-dir", str(tmp_path)], env=env, stdout=subprocess.PIPE, stderr=log,
                                   text=True, cwd=PROJECT)
    try:
        search = ["xdotool", "search", "--onlyvisible", "--name", "^SecureX$"]
        assert wait_for(lambda: subprocess.run(search, env=env, capture_output=True).stdout.strip(), timeout=60), \
            f"no window after 60 s (exit code {program.poll()}): {log_path.read_text()}"
        window = subprocess.run(search, env=env, capture_output=True, text=True).stdout.split()[0]
        assert wait_for(lambda: all(f"Saved {plate}" in log_path.read_text() for _, plate, _ in LANES)), \
            log_path.read_text()
        x, y, width, height = geometry(env, window)
        layout = compute_layout((width, height), [PICTURE, PICTURE])
        assert len(layout.lanes) == 2

        def both_read(shot):
            part = shot[y:y + height, x:x + width]
            return all(label_share(part[c.picture.y:c.picture.bottom, c.picture.x:c.picture.right]) > 0.01
                       for c in layout.lanes) and all(
                plate_crop_shown(part[r.y + 4:r.bottom - 4, r.x + 12:r.x + r.w // 4]) for r in layout.rows[:2])

        path = tmp_path / "two_lanes.png"
        shot = until(env, path, both_read, 10)
        if KEEP:
            shutil.copy(path, KEEP)
        part = shot[y:y + height, x:x + width]
        expected = canvas(layout)  # each lane's header as the window draws it: its name and LIVE
        for cell, (name, _, _) in zip(layout.lanes, LANES, strict=True):
            draw_lane(expected, layout, cell, LaneView(name, np.zeros((PICTURE[1], PICTURE[0], 3), np.uint8)))
            head = cell.head
            assert np.array_equal(part[head.y:head.bottom, head.x:head.right],
                                  expected[head.y:head.bottom, head.x:head.right]), name
            picture = part[cell.picture.y:cell.picture.bottom, cell.picture.x:cell.picture.right]
            assert label_share(picture) > 0.01, name  # its plate framed and labelled, decided
            assert (picture > 200).all(axis=2).mean() > 0.005, name  # the white plate in its picture
        assert layout.lanes[0].picture.right <= layout.lanes[1].picture.x <= layout.panel.x  # side by side
        assert all(cell.head.bottom == cell.picture.y for cell in layout.lanes)  # each name right above its picture
        assert layout.lanes[0].head.right < layout.lanes[1].head.x  # the two headers apart
        assert both_read(shot)  # the shared panel: both lanes' plates among the last plates
        word = part[layout.word.y:layout.word.bottom, layout.word.x:layout.word.right]
        assert label_share(word) > 0.5  # the current decision: READ (no list in use), white
        subprocess.run(["xdotool", "key", "--window", window, "q"], env=env, check=True)
        output, _ = program.communicate(timeout=30)
    finally:
        if program.poll() is None:
            program.kill()
    assert program.returncode == 0, log_path.read_text()
    assert "saved         2" in output
