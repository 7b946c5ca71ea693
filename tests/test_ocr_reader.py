import cv2
import numpy as np
import pytest

from securex.config import ConfigError, changed
from securex.core.domain import Detection
from securex.pipeline import factory, preprocess
from securex.pipeline.detection import HaarDetector, SizeFilter
from securex.pipeline.factory import build_reader, cascade_file, check_stages, find_tesseract, neural_model
from securex.pipeline.neural import line_blob, resized
from securex.pipeline.ocr import TesseractOcr, parse_hocr_chars

import synth

HOCR = ("<span class='ocrx_word' id='word_1_1' title='bbox 1 2 3 4; x_wconf 0'>"
        "<span class='ocrx_cinfo' title='x_bboxes 10 5 20 30; x_conf 98.5'>A</span>"
        "<span class='ocrx_cinfo' title='x_bboxes 21 5 30 30; x_conf 61'>B</span>"
        "<span class='ocrx_cinfo' title='x_bboxes 31 5 40 30; x_conf 90'>1</span></span>")


def test_hocr_character_confidences_are_used():
    result = parse_hocr_chars(HOCR)
    assert result.text == "AB1"
    assert result.char_confidences == (0.985, 0.61, 0.9)
    assert parse_hocr_chars("<html></html>").text == ""


def test_the_recogniser_is_pp_ocrv6_from_the_rapidocr_wheel_and_the_detector_pp_ocrv4(base_settings):
    recogniser = neural_model(base_settings.ocr, factory.NEURAL_REC_MODEL)
    detector = neural_model(base_settings.ocr, factory.NEURAL_DET_MODEL)
    assert recogniser.name == "PP-OCRv6_rec_small.onnx" and recogniser.parent.parent.name == "rapidocr"
    assert detector.name == "ch_PP-OCRv4_det_infer.onnx" and detector.parent.parent.name == "rapidocr_onnxruntime"
    assert recogniser.is_file() and detector.is_file()


def test_a_missing_recogniser_wheel_is_one_plain_line_naming_its_install(base_settings, monkeypatch):
    monkeypatch.setitem(factory.NEURAL_MODEL_PACKAGES, factory.NEURAL_REC_MODEL,
                        ("securex_no_such_package", "rapidocr==3.10.0"))
    with pytest.raises(ConfigError) as error:
        check_stages(base_settings)
    assert str(error.value) == ("Neural model PP-OCRv6_rec_small.onnx not found in <securex_no_such_package not "
                                "installed>: run the setup (bash scripts/setup.sh, or pip install --no-deps "
                                "--force-reinstall rapidocr==3.10.0) or set NEURAL_MODEL_DIR in config.py")


def test_a_model_folder_holding_only_the_detector_names_the_missing_recogniser(base_settings, tmp_path):
    (tmp_path / factory.NEURAL_DET_MODEL).write_bytes(b"")
    with pytest.raises(ConfigError) as error:
        check_stages(changed(base_settings, NEURAL_MODEL_DIR=str(tmp_path)))
    assert str(error.value).startswith(f"Neural model PP-OCRv6_rec_small.onnx not found in {tmp_path}: put the model "
                                       "files there (from the rapidocr==3.10.0 wheel)")


@pytest.mark.parametrize("text", ["ABC1234", "OKL1235", "RK101AO"])
def test_neural_reader_reads_a_clear_plate_exactly(reader, text):
    image, box = synth.scene(text)
    reads = reader.read_image(image, 960)
    assert reads and reads[0].text == text
    assert 0.8 <= reads[0].confidence <= 1.0
    x, y, w, h = reads[0].box
    assert box[0] <= x + w / 2 <= box[0] + box[2] and box[1] <= y + h / 2 <= box[1] + box[3]


def test_a_far_plate_in_a_wide_photo_is_looked_at_closer(reader):
    image = np.full((2160, 3840, 3), 90, np.uint8)  # a 4K view with one plate 80 pixels wide
    plate = cv2.resize(synth.plate_image("ABC1234"), (80, 18), interpolation=cv2.INTER_AREA)
    image[1500:1518, 2500:2580] = plate
    assert reader.read_detections(image, reader.detect(image, 960)) == []  # too small at the working side
    reads = reader.read_image(image, 960)
    assert [r.text for r in reads] == ["ABC1234"]
    x, y, w, h = reads[0].box
    assert 2500 <= x + w / 2 <= 2580 and 1500 <= y + h / 2 <= 1518  # in the photo's own pixels


def test_a_close_up_photo_at_a_phones_resolution_is_read(reader):
    small, near = synth.scene("ABC1234", size=(504, 378))  # a 12 MP phone photo of a plate, its strokes as thick
    image, box = cv2.resize(small, (4032, 3024), interpolation=cv2.INTER_CUBIC), tuple(8 * v for v in near)
    assert box[2] * box[3] > 400000  # more pixels than the plate box cap of earlier SecureX allowed
    reads = reader.read_image(image, 960)
    assert [r.text for r in reads] == ["ABC1234"]
    x, y, w, h = reads[0].box
    assert box[0] <= x + w / 2 <= box[0] + box[2] and box[1] <= y + h / 2 <= box[1] + box[3]


def test_an_image_made_much_smaller_is_averaged_not_aliased():
    stripes = np.zeros((40, 400, 3), np.uint8)
    stripes[:, 1::2] = 255  # one-pixel strokes, as a high-resolution photo's fine detail
    smaller = resized(stripes, (97, 10)).astype(int)
    assert smaller.min() >= 118 and smaller.max() <= 138  # each pixel the mean of those it covers: grey
    aliased = cv2.resize(stripes, (97, 10), interpolation=cv2.INTER_LINEAR).astype(int)
    assert aliased.min() < 30 and aliased.max() > 225  # interpolated, the strokes beat into dark and light bands
    slightly = resized(stripes, (300, 30))  # less than SHRINK_AVERAGED times smaller: interpolated as PP-OCR is
    assert np.array_equal(slightly, cv2.resize(stripes, (300, 30), interpolation=cv2.INTER_LINEAR))
    tall = np.zeros((233, 1000, 3), np.uint8)
    tall[:, 1::2] = 255  # a close-up's line, made about five times smaller for the recogniser
    assert np.abs(line_blob(tall, 48)[:, :200]).max() < 0.3  # near grey (0 in -1..1); interpolated: near 1


def test_tesseract_reader_reads_a_clear_plate(base_settings):
    reader = build_reader(changed(base_settings, OCR_ENGINE="tesseract"))
    image, _ = synth.scene("XYZ9876")
    reads = reader.read_image(image, 960)
    assert reads and reads[0].text == "XYZ9876"


def test_a_crashing_tesseract_costs_only_that_candidate(base_settings, monkeypatch):
    engine = TesseractOcr(find_tesseract(base_settings.ocr), "ABC", 48, 5)

    def crash(*args, **kwargs):
        raise RuntimeError("Tesseract process died with signal -8")

    monkeypatch.setattr(engine._pytesseract, "image_to_pdf_or_hocr", crash)
    assert engine.read(synth.plate_image("ABC1234")) == []


def test_blank_and_tiny_crops_read_nothing(reader):
    assert reader.read_image(np.full((200, 300, 3), 128, np.uint8), 960) == []
    assert reader.read_detections(np.zeros((50, 50, 3), np.uint8), [Detection((10, 10, 1, 1))]) == []


def test_preprocess_variants_are_dark_text_on_light_with_margin():
    variants = preprocess.variants(255 - synth.plate_image("ABC1234"), 48)  # light text on dark
    assert set(variants) == {"gray", "adaptive", "otsu", "clahe"}
    for image in variants.values():
        assert image.ndim == 2 and image[0, 0] == 255
        assert preprocess.dark_text_on_light((image > 127).astype(np.uint8) * 255)


def test_size_filter_keeps_plate_shapes(base_settings):
    keep = SizeFilter(changed(base_settings, MIN_PLATE_AREA=100).detection)
    boxes = [Detection((0, 0, 40, 10)), Detection((0, 0, 10, 40)), Detection((0, 0, 5, 2)),
             Detection((0, 0, 4000, 800))]
    assert [d.box for d in keep(boxes)] == [(0, 0, 40, 10), (0, 0, 4000, 800)]  # none too large: a close-up


def test_haar_detector_loads_opencv_cascade(base_settings):
    detector = HaarDetector(cascade_file(base_settings.detection), 1.1, 3, SizeFilter(base_settings.detection))
    assert isinstance(detector.detect(synth.scene("ABC1234")[0], 640), list)
    with pytest.raises(ValueError, match="CASCADE_PATH"):
        HaarDetector(cascade_file(base_settings.detection).with_name("missing.xml"), 1.1, 3,
                     SizeFilter(base_settings.detection))


def test_masked_areas_are_never_read():
    from securex.core.domain import Detection
    from securex.pipeline.reader import PlateReader

    class Fixed:
        def detect(self, image, long_side):
            return [Detection((10, 10, 100, 20)), Detection((300, 400, 120, 30))]

    image = np.zeros((480, 640, 3), np.uint8)
    reader = PlateReader(Fixed(), None, None, 0.5, masks=[[0.0, 0.0, 0.4, 0.1]])  # a clock, top left
    assert [d.box for d in reader.detect(image, 480)] == [(300, 400, 120, 30)]


def test_a_character_foreign_to_plates_is_dropped_not_turned_into_a_letter():
    from securex.pipeline.neural import ctc_decode

    alphabet = ["<blank>", "京", "A", "B", "1", "-"]
    keep = np.array([0, 2, 3, 4])
    foreign = np.array([False, True, False, False, False, True])
    steps = [1, 0, 2, 2, 0, 5, 4, 0, 3]  # 京 A A - 1 B: the province character and the dash go
    probs = np.full((len(steps), len(alphabet)), 0.01)
    for row, index in enumerate(steps):
        probs[row, index] = 0.9
        probs[row, 3] = max(probs[row, 3], 0.05)  # B is always the likeliest plate character after it
    text, confs = ctc_decode(probs, keep, foreign, [alphabet[i] for i in keep])
    assert text == "A1B" and len(confs) == 3


def test_a_short_line_is_padded_to_the_recogniser_training_width_and_a_long_one_is_not():
    from securex.pipeline.neural import REC_MAX_WIDTH, line_blob

    short = np.full((20, 60, 3), 255, np.uint8)  # 3:1, scaled to 48 high: 144 wide, padded to 320
    blob = line_blob(short, 48)
    assert blob.shape == (48, 320, 3) and blob.dtype == np.float32
    assert np.all(blob[:, :144] == 1.0) and np.all(blob[:, 144:] == 0.0)  # white line, then zeros (mid grey)
    long = np.zeros((20, 200, 3), np.uint8)  # 10:1: 480 wide, no padding
    assert line_blob(long, 48).shape == (48, 480, 3) and np.all(line_blob(long, 48) == -1.0)
    assert line_blob(np.zeros((10, 1000, 3), np.uint8), 48).shape == (48, REC_MAX_WIDTH, 3)
    assert line_blob(short, 32).shape == (32, 213, 3)  # the pad follows OCR_LINE_HEIGHT


def test_a_still_line_box_that_left_out_the_first_character_is_read_again_wider(reader):
    image, _ = synth.scene("PJY5472")
    line = max(reader.detect(image, 960), key=lambda d: d.box[2])
    x, y, w, h = line.box
    assert reader.read_detections(image, [line])[0].text == "PJY5472"
    cut = w // 8  # the box leaves out most of the first character, as the detector's can in dim light
    cut_box = Detection((x + cut, y, w - cut, h))
    assert [r.text for r in reader.read_detections(image, [cut_box], photo=True)] == ["PJY5472"]
    assert [r.text for r in reader.read_detections(image, [cut_box])] == ["JY5472"]  # video: read again closer
