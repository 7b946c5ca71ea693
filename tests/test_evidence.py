"""Plate evidence: a text line on a drawn plate against the same text on a scene without a plate."""

import cv2
import numpy as np
import pytest

from securex.config import PlateConfig
from securex.core.domain import Detection, OcrResult
from securex.pipeline.evidence import NONE, inside, picture_white, plate_evidence
from securex.pipeline.plate_rules import PlateRules
from securex.pipeline.reader import PlateReader, line_height

import synth

FONT, THICK = cv2.FONT_HERSHEY_DUPLEX, 3


def draw_text(image, text, centre, scale, colour):
    """Draws `text` centred on `centre`; returns its box grown a little, as the text detector draws it."""
    (tw, th), base = cv2.getTextSize(text, FONT, scale, THICK)
    x, y = int(centre[0] - tw / 2), int(centre[1] + th / 2)
    cv2.putText(image, text, (x, y), FONT, scale, colour, THICK, cv2.LINE_AA)
    pad = max(2, th // 6)
    return (x - pad, y - th - pad, tw + 2 * pad, th + base // 2 + 2 * pad)


def plate_scene(text, plate=(260, 60), scale=1.5, centre=(320, 300), text_at=0.5):
    """A white plate with a dark border on the car, the text at `text_at` of its width; returns image, text box."""
    image = synth.car()
    (cx, cy), (pw, ph) = centre, plate
    cv2.rectangle(image, (cx - pw // 2, cy - ph // 2), (cx + pw // 2, cy + ph // 2), (235, 235, 235), -1)
    cv2.rectangle(image, (cx - pw // 2, cy - ph // 2), (cx + pw // 2, cy + ph // 2), (20, 20, 20), 3)
    box = draw_text(image, text, (cx - pw // 2 + text_at * pw, cy), scale, (15, 15, 15))
    return image, box


def bare_scene(text, background, scale=1.5, colour=(235, 235, 235)):
    """The same text drawn straight onto the scene (a watermark, writing on a wall): no plate around it."""
    image = synth.car(background)
    return image, draw_text(image, text, (320, 300), scale, colour)


def test_a_plate_line_has_strong_evidence():
    image, box = plate_scene("ABC1234")
    proof = plate_evidence(image, box)
    assert proof.score >= 0.6
    assert proof.enclosed == 1.0 and proof.contrast == 1.0 and proof.shape == 1.0
    assert not proof.is_vanity_plate(0.6)  # a full line of text is no vanity plate


@pytest.mark.parametrize("background", ["busy", "paint"])
def test_the_same_text_without_a_plate_has_weak_evidence(background):
    plate = plate_evidence(*plate_scene("ABC1234"))
    bare = plate_evidence(*bare_scene("ABC1234", background))
    assert bare.score < 0.1 < plate.score
    assert bare.enclosed < 1.0  # the colour behind the text runs on past where a plate would end


def test_dark_text_straight_on_light_paint_has_no_plate_edge():
    image = np.full((480, 640, 3), 200, np.uint8)  # a white van's side
    box = draw_text(image, "SW722", (320, 240), 1.5, (20, 20, 20))
    assert plate_evidence(image, box).score < 0.1


def on_white_car(plate_width, rim, body=185):
    """A white plate (235) on a white car's body in shade (`body`), at a brightness the plate's face would run on
    into, ringed by a rim (a plate's edge, its shadow) of grey level `rim`; returns image, text box."""
    image = np.full((480, 640, 3), body, np.uint8)
    left, top, right, bottom = 320 - plate_width // 2, 265, 320 + plate_width // 2, 335
    cv2.rectangle(image, (left, top), (right, bottom), (235, 235, 235), -1)
    cv2.rectangle(image, (left, top), (right, bottom), (rim, rim, rim), 4)
    return image, draw_text(image, "1234567", (320, 300), 1.5, (15, 15, 15))


def shaded_paint():
    """Text on paint that brightens smoothly towards it (a badge in the sun): no edge anywhere."""
    rows, cols = np.mgrid[0:480, 0:640]
    paint = np.clip(240 - 0.9 * np.hypot((cols - 320) / 3.0, rows - 300), 60, 255).astype(np.uint8)
    image = cv2.merge([paint, paint, paint])
    return image, draw_text(image, "1234567", (320, 300), 1.5, (15, 15, 15))


def test_a_white_plate_on_a_white_car_has_plate_evidence_looked_at_tightly():
    image, box = on_white_car(280, rim=160)  # body and rim both within FACE_TOLERANCE of the plate's face
    proof = plate_evidence(image, box, tight=True)
    assert proof.score >= 0.6 and proof.enclosed == 1.0
    assert plate_evidence(image, box).score < 0.1  # not looked at tightly (video): the face runs on into the paint


def test_a_white_plate_on_a_white_car_is_read_in_a_photo_not_in_video():
    image, box = on_white_car(280, rim=160)
    reader = reader_for([box], {box[2:]: "1234567"})  # digits only: it needs plate evidence
    assert [r.text for r in reader.read_detections(image, [Detection(box)], photo=True)] == ["1234567"]
    assert reader.read_detections(image, [Detection(box)]) == []


@pytest.mark.parametrize("scene", [lambda: on_white_car(280, rim=185), shaded_paint],
                         ids=["a lighter patch of paint", "paint shading off"])
def test_text_on_paint_that_brightens_around_it_has_no_plate_edge(scene):
    assert plate_evidence(*scene(), tight=True).score < 0.1  # seen tightly, it ends where the paint darkens: no step


def test_a_band_with_edges_that_runs_on_is_no_plate_looked_at_tightly():
    image = np.full((480, 640, 3), 185, np.uint8)  # a white van's side with a lighter band along it, edged
    cv2.rectangle(image, (0, 265), (639, 335), (235, 235, 235), -1)
    cv2.line(image, (0, 265), (639, 265), (160, 160, 160), 4)
    cv2.line(image, (0, 335), (639, 335), (160, 160, 160), 4)
    box = draw_text(image, "1234567", (320, 300), 1.5, (15, 15, 15))
    assert plate_evidence(image, box, tight=True).score < 0.1  # a plate's face is closed on every side


def test_a_face_that_ends_at_its_text_is_no_plate_even_with_an_edge():
    image, box = on_white_car(232, rim=160)  # a sticker or a decal: no margin beside its letters
    assert plate_evidence(image, box, tight=True).score < 0.1


def test_a_short_text_centred_on_a_plate_is_a_vanity_plate():
    image, box = plate_scene("GT", plate=(200, 100), scale=2.0)
    proof = plate_evidence(image, box)
    assert proof.is_vanity_plate(0.6)
    assert proof.width_share < 0.5 and proof.off_centre < 0.05


def test_a_plate_seen_by_a_tilted_camera_is_still_a_rectangle():
    image, (x, y, w, h) = plate_scene("GT", plate=(200, 100), scale=2.0)
    turn = cv2.getRotationMatrix2D((320, 300), 12, 1.0)
    tilted = cv2.warpAffine(image, turn, image.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    corners = cv2.transform(np.float32([[[x, y], [x + w, y], [x, y + h], [x + w, y + h]]]), turn)[0]
    box = cv2.boundingRect(corners)  # the upright box the detector draws around the turned text
    proof = plate_evidence(tilted, box)
    assert proof.rectangular > 0.8  # the turned plate fills its turned rectangle, not its upright one (about 0.7)
    assert proof.score > 0.8


def dimmed(image, gain):
    """The picture as an underexposed camera takes it: every level times `gain`."""
    return cv2.convertScaleAbs(image, alpha=gain, beta=0)


def test_contrast_is_measured_against_the_pictures_white():
    image, box = plate_scene("GT", plate=(200, 100), scale=2.0)
    dark = dimmed(image, 0.3)
    assert picture_white(dark) == pytest.approx(0.3 * picture_white(image), abs=2)
    assert plate_evidence(dark, box, picture_white(dark)).contrast == plate_evidence(image, box).contrast == 1.0
    assert plate_evidence(dark, box).contrast < 0.9  # against full scale the dim plate would look weak
    assert picture_white(np.zeros((40, 40, 3), np.uint8)) == 64  # a black picture's noise is no contrast


def test_a_short_text_at_one_side_of_a_plate_is_not():
    image, box = plate_scene("48", plate=(260, 60), text_at=0.88)  # a region code, a country band
    assert not plate_evidence(image, box).is_vanity_plate(0.6)


def test_degenerate_boxes_have_no_evidence():
    image = synth.car()
    assert plate_evidence(image, (10, 10, 1, 1)) == NONE
    assert plate_evidence(np.zeros((0, 0, 3), np.uint8), (0, 0, 5, 5)) == NONE
    assert 0.0 <= plate_evidence(image, (0, 0, 40, 20)).score <= 1.0  # at the picture's corner
    assert plate_evidence(image, (637, 111, 2, 128)) == NONE  # thinner than a pixel at the measure's scale


def test_inside_falls_off_outside_its_bounds():
    assert inside(2.0, (1.0, 6.5)) == 1.0
    assert inside(0.75, (1.0, 6.5)) == 0.5 and inside(0.4, (1.0, 6.5)) == 0.0
    assert inside(13.0, (1.0, 6.5)) == 0.0


class FixedDetector:
    def __init__(self, boxes):
        self.boxes = boxes

    def detect(self, image, long_side):
        return [Detection(b) for b in self.boxes]


class EngineReading:
    """Reads the text drawn in whichever box it is given (a stand-in for the recogniser)."""

    name = "fake"

    def __init__(self, texts, weak=()):
        self.texts = texts  # box size (w, h) -> text
        self.weak = weak  # the places of characters read unsure

    def read(self, line):
        text = self.texts.get((line.shape[1], line.shape[0]))
        if text is None:  # a crop of no drawn box (a line read wider at its edges)
            return []
        confs = tuple(0.6 if i in self.weak else 0.95 for i in range(len(text)))
        return [OcrResult(text, sum(confs) / len(confs), confs)]


def reader_for(image_boxes, texts, countries=("us",), min_aspect=1.4, weak=()):
    rules = PlateRules(PlateConfig(countries=list(countries)))
    return PlateReader(FixedDetector(image_boxes), EngineReading(texts, weak), rules, 0.5, (),
                       min_aspect=min_aspect, min_evidence=0.1, vanity_evidence=0.6)


def side_by_side(left, right):
    """Two scenes in one picture; the right one's box shifted."""
    (a, box_a), (b, box_b) = left, right
    return np.hstack([a, b]), box_a, (box_b[0] + a.shape[1],) + tuple(box_b[1:])


def test_a_read_fitting_no_format_needs_plate_evidence():
    image, plate_box, mark_box = side_by_side(plate_scene("1AB2C3"), bare_scene("AB12CD3", "busy"))
    reader = reader_for([plate_box, mark_box], {plate_box[2:]: "1AB2C3", mark_box[2:]: "AB12CD3"})
    assert [r.text for r in reader.read_image(image, 960)] == ["1AB2C3"]  # the watermark is no plate


def test_a_number_in_the_scene_is_no_plate_where_the_sites_plates_may_be_digits_only():
    image, plate_box, mark_box = side_by_side(plate_scene("9185914"), bare_scene("201405", "busy"))
    reader = reader_for([plate_box, mark_box], {plate_box[2:]: "9185914", mark_box[2:]: "201405"})
    assert [r.text for r in reader.read_image(image, 960)] == ["9185914"]  # a camera's date is no US plate


def test_another_countrys_read_with_an_unsure_character_needs_plate_evidence():
    image, plate_box, mark_box = side_by_side(plate_scene("GN06BGV"), bare_scene("OSW722", "busy"))
    texts = {plate_box[2:]: "GN06BGV", mark_box[2:]: "OSW722"}  # a UK plate; a watermark "©SW722"
    sure = reader_for([plate_box, mark_box], texts, countries=["it", "world"])
    assert [r.text for r in sure.read_image(image, 960)] == ["GN06BGV", "OSW722"]  # both fit another country
    unsure = reader_for([plate_box, mark_box], texts, countries=["it", "world"], weak=(0,))
    reads = unsure.read_image(image, 960)
    assert [r.text for r in reads] == ["GN06BGV"] and reads[0].format_name is not None  # known by its country


def test_on_too_little_plate_evidence_a_reading_the_sites_format_tells_still_counts():
    image, box = bare_scene("GN06BGV", "busy")  # the last letter unsure: the UK reading needs plate evidence
    unsure_b = reader_for([box], {box[2:]: "GN06BGV"}, countries=["it", "world"], weak=(4, 6))
    assert [(r.text, r.format_name) for r in unsure_b.read_image(image, 960)] == [("GN068GV", "it")]  # B -> 8
    sure_b = reader_for([box], {box[2:]: "GN06BGV"}, countries=["it", "world"], weak=(6,))
    assert sure_b.read_image(image, 960) == []  # changing a sure B to fit Italy needs plate evidence too


def test_a_vanity_plate_without_digits_is_read_only_on_a_plate():
    plate, plate_box = plate_scene("FAST", plate=(300, 150), scale=2.0)
    sign, sign_box = bare_scene("FAST", "busy", scale=2.0)
    for image, box, expected in ((plate, plate_box, ["FAST"]), (sign, sign_box, [])):
        reader = reader_for([box], {box[2:]: "FAST"})
        assert [r.text for r in reader.read_image(image, 960)] == expected
    reader = reader_for([plate_box], {plate_box[2:]: "FAST"}, countries=["it"])  # a site without 4-letter plates
    assert reader.read_image(plate, 960) == []


def test_a_line_of_letters_is_read_on_a_plate_not_in_the_scene_at_a_plates_side_or_on_a_badge():
    plate, plate_box = plate_scene("KMBORAK")  # a custom plate (Slovakia's KM BORAK), a show plate: no digit
    proof = plate_evidence(plate, plate_box)
    assert proof.is_lettered_plate(0.6) and not proof.is_vanity_plate(0.6)  # it fills its plate
    sign, sign_box = bare_scene("KMBORAK", "busy")
    side, side_box = plate_scene("BORAK", text_at=0.68)  # the part after a crest, boxed alone
    beside = plate_evidence(side, side_box)
    assert beside.score >= 0.5 and not beside.is_lettered_plate(0.5)  # refused as off the plate's middle, not weak
    badge, badge_box = plate_scene("KMBORAK", plate=(240, 46))  # a sticker or a dealer's badge: it ends at the text
    assert plate_evidence(badge, badge_box).score >= 0.6
    for image, box, text, expected in ((plate, plate_box, "KMBORAK", ["KMBORAK"]), (sign, sign_box, "KMBORAK", []),
                                       (side, side_box, "BORAK", []), (badge, badge_box, "KMBORAK", [])):
        reader = reader_for([box], {box[2:]: text})
        assert [r.text for r in reader.read_image(image, 960)] == expected
    video = reader_for([plate_box], {plate_box[2:]: "KMBORAK"})  # a sign's word, read run after run, would draw
    assert video.read_detections(plate, [Detection(plate_box)]) == []  # the detector's window: photos only


def test_a_vanity_plate_in_an_underexposed_picture_is_read_and_a_dim_sign_is_not():
    plate, plate_box = plate_scene("FAST", plate=(300, 150), scale=2.0)
    sign, sign_box = bare_scene("FAST", "busy", scale=2.0)
    for image, box, expected in ((plate, plate_box, ["FAST"]), (sign, sign_box, [])):
        reader = reader_for([box], {box[2:]: "FAST"})
        assert [r.text for r in reader.read_image(dimmed(image, 0.2), 960)] == expected


def test_a_narrow_vanity_line_is_read_on_a_plate_but_not_a_narrow_scene_text():
    plate, plate_box = plate_scene("GT", plate=(200, 100), scale=2.0)
    assert plate_box[2] / plate_box[3] < 1.4
    assert [r.text for r in reader_for([plate_box], {plate_box[2:]: "GT"}).read_image(plate, 960)] == ["GT"]
    side, (x, y, w, h) = plate_scene("11", text_at=0.9)  # a region code at the plate's side
    side_box = (x + (w - int(1.2 * h)) // 2, y, int(1.2 * h), h)  # boxed as narrowly as the detector may
    assert reader_for([side_box], {side_box[2:]: "11"}).read_image(side, 960) == []
    wide = reader_for([side_box], {side_box[2:]: "11"}, min_aspect=1.0)  # taken as wide enough: the evidence refused it
    assert [r.text for r in wide.read_image(side, 960)] == ["11"]


def test_of_two_equally_sure_reads_the_one_on_a_plate_ranks_first():
    image, plate_box, mark_box = side_by_side(bare_scene("7ABC123", "busy"), plate_scene("7XYZ123"))
    reader = reader_for([plate_box, mark_box], {plate_box[2:]: "7ABC123", mark_box[2:]: "7XYZ123"})
    assert [r.text for r in reader.read_image(image, 960)] == ["7XYZ123", "7ABC123"]  # both fit a US format


def test_of_two_plates_read_about_as_surely_the_nearer_ranks_first():
    far = plate_scene("ABC123", plate=(130, 30), scale=0.75)  # a car further back, half the size
    image, far_box, near_box = side_by_side(far, plate_scene("XYZ1234"))
    texts = {far_box[2:]: "ABC123", near_box[2:]: "XYZ1234"}
    reader = reader_for([far_box, near_box], texts, weak=(6,))  # the near plate's last character a little unsure
    assert [r.text for r in reader.read_image(image, 960)] == ["XYZ1234", "ABC123"]  # the car at the gate first


def test_a_slanted_line_ranks_by_its_height_across_it_not_by_its_taller_box():
    upright, slanted = Detection((0, 0, 200, 40)), Detection((0, 0, 200, 100), 0.3, 40.0)
    assert line_height(slanted) == line_height(upright) == 40  # a plate seen from the side is no nearer


def test_a_photo_with_no_plate_found_is_looked_at_closer_enlarged_up_to_twice_its_pixels():
    sides = []

    class Nothing:
        def detect(self, image, long_side):
            sides.append(long_side)
            return []

    reader = fine_reader(Nothing())
    for size, looks in (((720, 1280), [960, 1920]), ((600, 800), [960, 1600]), ((300, 400), [960])):
        sides.clear()
        assert reader.read_image(np.zeros(size + (3,), np.uint8), 960) == []
        assert sides == looks  # a 400 pixel photo at 800 is no closer than at 960: not looked at again


def test_without_evidence_rules_the_reader_reads_as_before():
    image, box = bare_scene("AB12CD3", "busy")
    rules = PlateRules(PlateConfig(countries=["us"]))
    reader = PlateReader(FixedDetector([box]), EngineReading({box[2:]: "AB12CD3"}), rules, 0.5)
    assert [r.text for r in reader.read_image(image, 960)] == ["AB12CD3"]


def test_plate_rules_waive_digits_only_for_a_vanity_plate_or_a_line_of_letters_filling_one():
    rules = PlateRules(PlateConfig(countries=["us"]))
    assert rules.best(OcrResult("FAST", 0.9)) is None
    assert rules.best(OcrResult("FAST", 0.9), vanity=True).text == "FAST"
    assert rules.best(OcrResult("FAST", 0.9), lettered=True).text == "FAST"


def test_a_narrow_bottom_row_joins_its_plate_but_is_never_read_alone():
    image = synth.car()
    top, bottom, lone = (100, 100, 90, 40), (122, 146, 44, 40), (400, 300, 30, 30)
    texts = {top[2:]: "6808", bottom[2:]: "XO"}  # reading the lone narrow box would fail: it has no text here
    reader = reader_for([top, bottom, lone], texts, countries=["ua"])
    assert [r.text for r in reader.read_image(image, 960)] == ["6808XO"]  # an old Ukrainian plate, NNNN/LL


class ScaledDetector:
    """Finds coarse boxes in the whole picture and, in a crop of a box's surroundings, the close boxes given for it
    (in the crop's pixels; none when not given): a stand-in for the text detector at two scales."""

    def __init__(self, whole, close=()):
        self.whole, self.close, self.calls = whole, list(close), []

    def detect(self, image, long_side):
        self.calls.append((image.shape[:2], long_side))
        boxes = self.whole if len(self.calls) == 1 else (self.close.pop(0) if self.close else [])
        return [Detection(b) for b in boxes]


def fine_reader(detector):
    return PlateReader(detector, EngineReading({}), PlateRules(PlateConfig()), 0.5)


def test_a_line_small_at_the_working_side_is_found_again_closer_in_its_surroundings():
    image = np.zeros((2160, 3840, 3), np.uint8)  # 960 / 3840: a 20 pixel line is 5 pixels tall where it is found
    coarse, big = (1000, 1000, 100, 20), (2000, 500, 400, 100)
    detector = ScaledDetector([coarse, big], [[(42, 38, 92, 16)]])
    assert [d.box for d in fine_reader(detector).detect_finely(image, 960)] == [big, (1002, 998, 92, 16)]
    (area, side) = detector.calls[1]
    assert area == (100, 180) and side == 360 and len(detector.calls) == 2  # 2 heights around it, 2x its pixels
    nothing_closer = ScaledDetector([coarse])
    assert [d.box for d in fine_reader(nothing_closer).detect_finely(image, 960)] == [coarse]
    only_a_neighbour = ScaledDetector([coarse], [[(0, 0, 60, 14)]])  # another text in its surroundings, not it
    assert [d.box for d in fine_reader(only_a_neighbour).detect_finely(image, 960)] == [coarse]
    with_a_neighbour = ScaledDetector([coarse], [[(42, 38, 92, 16), (0, 0, 60, 14)]])
    assert [d.box for d in fine_reader(with_a_neighbour).detect_finely(image, 960)] == [(1002, 998, 92, 16)]


def test_a_line_found_closer_twice_is_kept_once_whatever_the_order():
    image = np.zeros((2160, 3840, 3), np.uint8)
    first, second = (1000, 1000, 100, 20), (1040, 1002, 100, 20)  # one line boxed twice, overlapping
    for whole, close in (([first, second], [[(45, 40, 130, 16)], [(10, 37, 140, 18)]]),
                         ([second, first], [[(10, 37, 140, 18)], [(45, 40, 130, 16)]])):
        found = fine_reader(ScaledDetector(whole, close)).detect_finely(image, 960)
        assert [d.box for d in found] == [(1010, 999, 140, 18)]  # the larger
    for whole, close in (([first, second], [[(45, 40, 130, 16)], [(15, 38, 130, 16)]]),
                         ([second, first], [[(15, 38, 130, 16)], [(45, 40, 130, 16)]])):
        found = fine_reader(ScaledDetector(whole, close)).detect_finely(image, 960)
        assert [d.box for d in found] == [(1015, 1000, 130, 16)]  # as large: the same one in either order


def test_a_small_photo_seen_closer_at_the_first_look_is_not_looked_at_again():
    image = np.zeros((300, 400, 3), np.uint8)  # at 960: 2.4 times its pixels
    detector = ScaledDetector([(180, 200, 40, 8)], [[(16, 17, 30, 6)]])  # would be centred on it
    assert [d.box for d in fine_reader(detector).detect_finely(image, 960)] == [(180, 200, 40, 8)]
    assert len(detector.calls) == 1
