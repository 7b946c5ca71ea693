"""Slanted text lines (a plate seen from the side, a tilted camera): measured by the detector, levelled for
the recogniser."""

import math

import cv2
import numpy as np
import pytest

from securex.config import PlateConfig
from securex.core.domain import Detection, OcrResult
from securex.pipeline.evidence import line_evidence, plate_evidence
from securex.pipeline.plate_rules import PlateRules
from securex.pipeline.reader import PlateReader
from securex.pipeline.slant import level, padded_crop, slanted_line

import synth


def region(centre, size, degrees):
    return cv2.boxPoints((centre, size, degrees)).astype(np.int32).reshape(-1, 1, 2)


@pytest.mark.parametrize("degrees", [12, -25, 35])
def test_a_slanted_line_gets_its_slope_and_upright_thickness(degrees):
    line = slanted_line(region((200, 200), (240, 40), degrees), 0.0, 1.0, 1.0, 400, 400)
    theta = math.radians(degrees)
    assert line.slope == pytest.approx(math.tan(theta), abs=0.02)
    assert line.thickness == pytest.approx(40 / math.cos(theta), abs=2)
    x, y, w, h = line.box  # the upright box holds the whole rotated line
    assert w == pytest.approx(240 * math.cos(theta) + 40 * abs(math.sin(theta)), abs=3)
    assert h == pytest.approx(240 * abs(math.sin(theta)) + 40 * math.cos(theta), abs=3)


def test_level_lines_and_blobs_are_not_slanted_lines():
    assert slanted_line(region((200, 200), (240, 40), 2), 0.0, 1.0, 1.0, 400, 400) is None  # level enough
    assert slanted_line(region((200, 200), (60, 40), 30), 0.0, 1.0, 1.0, 400, 400) is None  # too short to tell
    assert slanted_line(region((200, 200), (240, 40), 60), 0.0, 1.0, 1.0, 400, 400) is None  # steeper than 45°


def sloped(picture: np.ndarray, slope: float, size: tuple[int, int], shift: float, fill=0) -> np.ndarray:
    """`picture` with its rows rising `slope` per pixel (y' = y + slope * x + shift), columns upright."""
    return cv2.warpAffine(picture, np.float32([[1, 0, 0], [slope, 1, shift]]), size, borderValue=fill)


def side_view(text: str, slope: float, squeeze: float) -> np.ndarray:
    """A plate seen from the side: narrower by `squeeze`, its baseline rising `slope` per pixel, characters upright."""
    plate = synth.plate_image(text)
    plate = cv2.resize(plate, (int(plate.shape[1] * squeeze), plate.shape[0]))
    h, w = plate.shape[:2]
    rise = abs(slope) * w
    return sloped(plate, slope, (w, int(h + rise)), rise if slope < 0 else 0, (90, 90, 90))


def test_levelling_undoes_the_slant():
    slanted = side_view("AB1234CD", 0.4, 1.0)
    h, w = slanted.shape[:2]
    levelled = level(slanted, Detection((0, 0, w, h), 0.4, synth.PLATE_H))
    plate = synth.plate_image("AB1234CD")
    assert levelled.shape[:2] == plate.shape[:2]
    difference = np.abs(levelled.astype(int) - plate.astype(int)).mean()
    assert difference < 12  # the same picture, up to the resampling at the edges
    assert np.abs(slanted[:synth.PLATE_H].astype(int) - plate.astype(int)).mean() > 3 * difference
    wider = level(slanted, Detection((0, 0, w, h), 0.4, synth.PLATE_H), 12)  # beyond the picture: its edge repeated
    assert wider.shape[:2] == (plate.shape[0], plate.shape[1] + 24)
    assert np.abs(wider[:, 12:-12].astype(int) - levelled.astype(int)).mean() < 1
    with pytest.raises(ValueError):
        padded_crop(slanted, (-20, 10, 10, 5))  # a box wholly beyond the picture has no edge to repeat


def slanted_text_on(background: np.ndarray, slope: float) -> tuple[np.ndarray, tuple]:
    """Light text straight on a scene (no plate around it), its baseline rising `slope` per pixel; and its box."""
    ink = np.zeros(background.shape[:2], np.uint8)
    cv2.putText(ink, "GN06BGV", (250, 250), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 4)
    ink = sloped(ink, slope, ink.shape[::-1], -slope * 250)
    image = background.copy()
    image[ink > 127] = (235, 235, 235)
    x, y, w, h = cv2.boundingRect(ink)
    return image, (x, y, w, h)


@pytest.mark.parametrize("slope", [-0.45, 0.3])
def test_a_plate_seen_from_the_side_shows_its_plate_once_levelled(slope):
    image = np.full((480, 640, 3), 90, np.uint8)
    plate = side_view("GN06BGV", slope, 0.5)
    image[150:150 + plate.shape[0], 250:250 + plate.shape[1]] = plate
    box = (250, 150, plate.shape[1], plate.shape[0])
    assert plate_evidence(image, box).score < 0.1  # the upright box cuts through the plate's face
    assert line_evidence(image, Detection(box, slope, synth.PLATE_H)).score > 0.5
    assert line_evidence(image, Detection(box)) == plate_evidence(image, box)  # a level line: as before
    scene, text_box = slanted_text_on(synth.car("busy"), slope)  # the same text with no plate
    assert line_evidence(scene, Detection(text_box, slope, 45)).score < 0.1


def text_band() -> tuple[int, int]:
    """The rows of a drawn plate that hold its characters (the line the detector boxes), top and height."""
    plate = synth.plate_image("GN06BGV")
    inner = plate[8:-8, 12:-12].min(axis=(1, 2)) < 100
    rows = np.flatnonzero(inner) + 8
    return int(rows[0]), int(rows[-1] - rows[0] + 1)


@pytest.mark.parametrize("slope", [-0.45, 0.3])
def test_the_text_line_of_a_plate_seen_from_the_side_is_measured_on_its_plate(slope):
    image = np.full((480, 640, 3), 90, np.uint8)
    plate = side_view("GN06BGV", slope, 0.5)
    image[150:150 + plate.shape[0], 250:250 + plate.shape[1]] = plate
    top, thickness = text_band()
    width = plate.shape[1]
    line = (250, 150 + top, width, int(thickness + abs(slope) * width))  # the upright box around the sloping text
    assert line_evidence(image, Detection(line, slope, thickness)).score > 0.5
    assert plate_evidence(image, line).score < 0.2


def test_lines_at_the_edge_of_the_picture_are_measured_without_failing():
    image = np.full((240, 320, 3), 90, np.uint8)
    plate = side_view("GN06BGV", 0.3, 0.5)
    image[100:100 + plate.shape[0], 320 - plate.shape[1] // 2:] = plate[:, :plate.shape[1] - plate.shape[1] // 2]
    for detection in (Detection((320 - plate.shape[1] // 2, 100, plate.shape[1] // 2, plate.shape[0]), 0.3, 60),
                      Detection((0, 0, 60, 40), -0.5, 30), Detection((317, 111, 2, 128), 0.5, 58)):
        assert 0.0 <= line_evidence(image, detection).score <= 1.0


@pytest.mark.slow
def test_a_plate_seen_from_the_side_is_read(base_settings):
    from securex.config import changed
    from securex.pipeline.factory import build_reader

    image = np.full((480, 640, 3), 90, np.uint8)
    plate = side_view("BH5507IT", -0.55, 0.55)  # steep enough that PP-OCRv6 cannot read it as it stands
    image[150:150 + plate.shape[0], 250:250 + plate.shape[1]] = plate
    reader = build_reader(changed(base_settings, PLATE_COUNTRIES=["ua"]))
    detections = reader.detect(image, base_settings.detection.still_side)
    assert any(d.slope < -0.3 for d in detections)
    assert [r.text for r in reader.read_detections(image, detections)][:1] == ["BH5507IT"]
    upright = [type(d)(d.box) for d in detections]  # the same boxes read as they stand, not levelled
    assert "BH5507IT" not in [r.text for r in reader.read_detections(image, upright)]


class CountingEngine:
    """Reads the same text in every crop, counting the calls (a stand-in for the recogniser)."""

    def __init__(self, text):
        self.text, self.calls = text, 0

    def read(self, line):
        self.calls += 1
        return [OcrResult(self.text, 0.95, (0.95,) * len(self.text))]


@pytest.mark.parametrize("text, calls", [("AB123CD", 1), ("AB12", 2)])
def test_a_slanted_line_is_levelled_only_when_it_does_not_already_read_as_a_site_plate(text, calls):
    class Slanted:
        def detect(self, image, long_side):
            return [Detection((100, 100, 200, 80), 0.3, 22.0)]

    engine = CountingEngine(text)
    reader = PlateReader(Slanted(), engine, PlateRules(PlateConfig(countries=["it"])), 0.5)
    reader.read_image(np.full((400, 400, 3), 128, np.uint8), 800)  # seen at twice its pixels: one look
    assert engine.calls == calls  # an Italian plate read as it stands needs no second, levelled read


class SequenceEngine(CountingEngine):
    """Reads the texts given, one per call (the last for every call after), counting the calls."""

    def __init__(self, texts):
        super().__init__(texts[0])
        self.texts = texts

    def read(self, line):
        self.text = self.texts[min(self.calls, len(self.texts) - 1)]
        return super().read(line)


@pytest.mark.parametrize("countries, texts, calls", [
    (["it"], ["AB12", "AB123CD"], 2),  # levelled, it reads as Italy's: not read wider
    (["it", "world"], ["B123CD"], 4),  # a plate of no site format either way: read wider, as it stands and levelled
    (["it"], ["AB12"], 2),  # no plate at all: nothing to read wider
])
def test_a_photos_slanted_line_is_read_wider_only_when_no_rendering_reads_as_a_site_plate(countries, texts, calls):
    class Slanted:
        def detect(self, image, long_side):
            return [Detection((100, 100, 200, 80), 0.3, 22.0)]

    engine = SequenceEngine(texts)
    reader = PlateReader(Slanted(), engine, PlateRules(PlateConfig(countries=countries)), 0.5)
    reader.read_image(np.full((400, 400, 3), 128, np.uint8), 800)  # seen at twice its pixels: one look
    assert engine.calls == calls


def test_a_slanted_line_whose_box_left_out_its_first_character_is_read_again_wider(reader):
    image = np.full((480, 640, 3), 90, np.uint8)
    plate = side_view("PJY5472", 0.2, 0.8)
    image[150:150 + plate.shape[0], 250:250 + plate.shape[1]] = plate
    line = max(reader.detect(image, 960), key=lambda d: d.box[2])
    x, y, w, h = line.box
    assert line.slope > 0.1 and reader.read_detections(image, [line], photo=True)[0].text == "PJY5472"
    cut = w // 7  # the box leaves out most of the first character
    cut_line = Detection((x + cut, y + round(line.slope * cut), w - cut, h - round(line.slope * cut)), line.slope,
                         line.thickness)
    assert [r.text for r in reader.read_detections(image, [cut_line])] == ["JY5472"]  # video: read again closer
    assert [r.text for r in reader.read_detections(image, [cut_line], photo=True)] == ["PJY5472"]
