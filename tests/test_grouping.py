"""Boxes that are one plate: the rows of a two-row plate, pieces of a line split by an emblem."""

import pytest

from securex.core.domain import Detection, OcrResult, PlateRead
from securex.pipeline.grouping import joined_line, plate_groups, same_line, stacked, union
from securex.pipeline.reader import alongside, join_readings, joined_is_better

import synth


def test_two_rows_of_one_plate_are_grouped_top_first():
    top, bottom = (100, 100, 80, 30), (95, 135, 90, 32)
    assert stacked(top, bottom) and not stacked(bottom, top)
    assert plate_groups([Detection(bottom), Detection(top)]) == [(1, 0)]  # reading order: top row, then bottom row
    assert union([top, bottom]) == (95, 100, 90, 67)


def test_a_line_split_by_an_emblem_is_grouped_left_first():
    left, right = (300, 200, 40, 30), (370, 202, 110, 29)  # NA  [crest]  900-CZ
    assert same_line(left, right)
    assert plate_groups([Detection(right), Detection(left)]) == [(1, 0)]


def test_pieces_of_a_slanted_line_are_grouped_as_if_levelled():
    line = Detection((100, 100, 150, 60), 0.2, 30)  # E014CX seen by a tilted camera: 30 high, rising 0.2 per pixel
    region = Detection((260, 134, 30, 32))  # its region box 86, too short to measure a slope, further down the line
    assert plate_groups([line, region]) == [(0, 1)]
    assert plate_groups([Detection(line.box), region]) == []  # as upright boxes: twice as tall, off the line
    assert plate_groups([line, Detection((260, 100, 30, 32))]) == []  # above the line's path: another text


@pytest.mark.parametrize("a, b", [
    ((100, 100, 120, 30), (400, 100, 120, 30)),  # two plates side by side, far apart
    ((100, 100, 120, 30), (100, 300, 120, 30)),  # two plates one above the other, far apart
    ((100, 100, 120, 30), (230, 100, 120, 90)),  # a small line beside something much taller
])
def test_separate_texts_are_not_grouped(a, b):
    assert plate_groups([Detection(a), Detection(b)]) == []


def test_readings_join_in_order_and_win_when_they_fit_a_format():
    joined = join_readings((OcrResult("30217", 0.9, (0.9,) * 5), OcrResult("BI", 0.8, (0.8, 0.8))))
    assert joined.text == "30217BI" and joined.char_confidences == (0.9,) * 5 + (0.8, 0.8)
    rows = join_readings((OcrResult("66V1", 0.9), OcrResult("34567", 0.9)), rows=True)
    assert joined.top_row == 0 and rows.top_row == 4  # two rows: how many characters the top one holds
    box = (0, 0, 10, 10)
    assert joined_is_better(PlateRead("30217BI", 0.7, box, "ua"), [PlateRead("30217", 0.9, box), None])
    assert not joined_is_better(PlateRead("ABC1234X", 0.6, box), [PlateRead("ABC1234", 0.9, box, "br"), None])
    assert not joined_is_better(PlateRead("123045SK", 0.85, box), [PlateRead("123045", 0.85, box), None])
    assert joined_is_better(PlateRead("LZW9715", 0.8, box), [None, None])
    plate = PlateRead("XNR374", 0.99, box, "us", as_read=True)  # a mark above a US plate, read O, joins it as a 0
    assert not joined_is_better(PlateRead("0XNR374", 0.98, box, "us"), [None, plate])
    assert not joined_is_better(PlateRead("0XNR374", 0.98, box, "us"), [PlateRead("Q", 0.5, box), plate])
    top = PlateRead("HR26", 0.95, box, "in", as_read=True)  # India's two-wheeler: a row is no mark
    assert joined_is_better(PlateRead("HR26DD7022", 0.99, box, "in", as_read=True), [top, None])
    assert joined_is_better(PlateRead("HR26DD7022", 0.915, box, "in"), [top, None])  # its O read 0 to fit


def test_a_piece_read_in_fewer_renderings_is_joined_to_each_of_the_others():
    # India's two-wheeler HR26 / DD7022 seen slanted: the top row read as a plate as it stood, the bottom row
    # was read again levelled (007022, then DD7022); only joined with its first reading, the levelled one was lost
    top = [OcrResult("HR26", 0.99)]  # read as a site's plate as it stood: read no further
    bottom = [OcrResult("007022", 0.96), OcrResult("DD7022", 0.99)]
    assert [join_readings(parts, rows=True).text for parts in alongside([top, bottom], [True, False])] == [
        "HR26007022", "HR26DD7022"]
    assert [len(parts) for parts in alongside([bottom, top], [False, True])] == [2, 2]  # the same in either order
    assert [join_readings(parts).text for parts in alongside([top, bottom], [False, False])] == ["HR26007022"]
    # a piece read in fewer renderings for another reason lends nothing: a region box read wider (`777` then
    # `A777`) is not joined to a number read once
    wider = bottom + [OcrResult("DD70221", 0.9)]
    assert [join_readings(parts).text for parts in alongside([top + bottom, wider], [False, False])] == [
        "HR26007022", "007022DD7022", "DD7022DD70221"]  # as far as both have a reading
    assert alongside([top, []], [True, False]) == []  # a piece without a reading: nothing to join


@pytest.mark.slow
def test_a_two_row_plate_is_read_as_one_plate_top_row_first(base_settings):
    from securex.config import changed
    from securex.pipeline.factory import build_reader

    scene = synth.two_row_scene("59X1", "23456")
    for settings in changed(base_settings, PLATE_COUNTRIES=["vn"]), base_settings:  # Vietnam's site; the world's
        reads = build_reader(settings).read_image(scene, base_settings.detection.still_side)
        assert reads and reads[0].text == "59X123456"
        assert reads[0].format_name == "vn"  # laid out in two rows as Vietnam's are (Ireland's 59-X-123456: one)


def test_pieces_of_a_slanted_plate_make_one_slanted_line():
    top, bottom = Detection((100, 100, 60, 40), 0.3, 22), Detection((95, 128, 80, 46), 0.32, 21)  # two rows
    line = joined_line([top, bottom])
    assert line.box == (95, 100, 80, 74) and line.slope == pytest.approx(0.31)
    assert line.thickness == pytest.approx(74 - 0.31 * 80)  # the band's height less its rise
    assert joined_line([top, Detection((95, 128, 80, 24))]) == Detection((95, 100, 80, 52))  # one level piece
    assert joined_line([top, Detection((95, 128, 80, 46), -0.3, 22)]).slope == 0  # sloping apart: not one line
