"""The optional plate detector model (DETECTOR = "platedet"): never the default, a plain line when it is not
installed, and text lines off the plate (a sign painted into the picture) are not read as plates.

The photo is the CCPD project's demo picture rpnet/demo/2.jpg (MIT licence, tests/fixtures/photos/LICENSE-CCPD.txt):
a Chinese plate 皖A·T022C, read as AT022C (the province character is not a Latin plate character).
"""

from pathlib import Path

import cv2
import pytest

from securex.config import ConfigError, changed
from securex.pipeline import platedet
from securex.pipeline.factory import build_reader, check_stages

PHOTO = Path(__file__).parent / "fixtures" / "photos" / "ccpd-demo-2.jpg"
PLATE = "AT022C"
SIGN = "BAY 256"  # fits a Chinese format as read: without plate evidence it is read
SIGN_TOP = 740  # the sign is painted below this row, far from the plate


def test_the_plate_model_is_never_the_default(base_settings):
    assert base_settings.detection.detector != "platedet"


def test_a_missing_plate_model_is_one_plain_line(base_settings, monkeypatch):
    monkeypatch.setattr(platedet, "PACKAGE", "securex_no_such_package")
    with pytest.raises(ConfigError) as error:
        check_stages(changed(base_settings, DETECTOR="platedet"))
    assert str(error.value).count("\n") == 0
    assert "pip install --no-deps platedet==0.0.2" in str(error.value) and "AGPL-3.0" in str(error.value)


def _photo_with_a_sign():
    image = cv2.imread(str(PHOTO))
    cv2.rectangle(image, (40, 760), (520, 850), (30, 30, 30), -1)
    cv2.putText(image, SIGN, (60, 825), cv2.FONT_HERSHEY_DUPLEX, 1.9, (255, 255, 255), 4, cv2.LINE_AA)
    return image


@pytest.fixture(scope="module")
def site(base_settings):
    return changed(base_settings, PLATE_COUNTRIES=["cn"], PLATE_MIN_DIGITS=0)


def test_the_plate_model_finds_the_plate(site):
    boxes = platedet.PlateBoxModel(platedet.model_file(), 1, 0.25).find_plates(cv2.imread(str(PHOTO)))
    assert len(boxes) == 1
    (x, y, w, h), score = boxes[0]
    assert 280 <= x + w / 2 <= 520 and 440 <= y + h / 2 <= 540 and score > 0.5


def test_text_off_the_plate_is_not_read_with_the_plate_model(site):
    image = _photo_with_a_sign()
    on_the_sign = [r for r in build_reader(site).read_image(image, 960) if r.box[1] > SIGN_TOP]
    assert on_the_sign  # the scene's text is a candidate without plate evidence...
    with_plate_model = [r.text for r in build_reader(changed(site, DETECTOR="platedet")).read_image(image, 960)]
    assert with_plate_model == [PLATE]  # ...and not with it


def test_a_picture_where_the_model_finds_no_plate_is_read_as_the_text_detector_reads_it(site):
    blank_scene = _photo_with_a_sign()[700:900]
    assert platedet.PlateBoxModel(platedet.model_file(), 1, 0.25).find_plates(blank_scene) == []
    reads = [r.text for r in build_reader(changed(site, DETECTOR="platedet")).read_image(blank_scene, 960)]
    assert reads == [r.text for r in build_reader(site).read_image(blank_scene, 960)]
