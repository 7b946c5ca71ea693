import numpy as np

from securex.core.domain import PlateRead, Record
from securex.gate.duplicates import DuplicateManager
from securex.video.tracking import Sighting, Tracker

CROP = np.zeros((4, 4, 3), np.uint8)
RECORD = Record("ABC1234", 0.9, "2026-11-26T08:00:00+00:00", "cam", 5, "")


def sighting(text, conf, frame):
    return Sighting(PlateRead(text, conf, (0, 0, 10, 5)), CROP, frame, float(frame))


def test_vote_picks_the_weighted_majority_and_its_surest_read():
    tracker = Tracker(0.2, 3, 10)
    track = tracker.update([(100, 100, 80, 20)])[0][0]
    for i, (text, conf) in enumerate([("ABC1234", 0.9), ("A8C1234", 0.95), ("ABC1234", 0.8), ("ABC1234", 0.97)]):
        track.add_read(sighting(text, conf, i))
    assert track.winner.read.text == "ABC1234"
    assert track.winner.read.confidence == 0.97
    assert track.update_settled(3, 0.6)
    assert not track.update_settled(3, 0.6)  # settles once


def test_a_settled_vote_is_not_turned_over_by_a_read_more_only_by_a_settling_share():
    # gate-overlay-dev: F WE 50 with two stickers between, read FHWE50, FWE50, FWE50 (settled), then FHWE50 again:
    # the vote flipped to FHWE50 on confidence sums while the car had not yet moved enough to be recorded
    tracker = Tracker(0.2, 3, 10)
    track = tracker.update([(100, 100, 80, 20)])[0][0]
    for i, (text, conf) in enumerate([("FHWE50", 0.9), ("FWE50", 0.82), ("FWE50", 0.83)]):
        track.add_read(sighting(text, conf, i))
    assert track.update_settled(3, 0.6) and track.winner.read.text == "FWE50"
    track.add_read(sighting("FHWE50", 0.9, 3))
    assert track.winner.read.text == "FWE50"  # 2 against 2: the decided plate stays
    for i in (4, 5):
        track.add_read(sighting("FHWE50", 0.9, i))
    assert track.winner.read.text == "FHWE50"  # 4 of 6 reads: a settling share takes its place

    sticker = tracker.update([(300, 100, 80, 20)])[0][0]  # the plate read without the sticker, then with it once more
    for i, (text, conf) in enumerate([("FWE50", 0.85)] * 3 + [("FHWE50", 0.9)] * 4):
        sticker.add_read(sighting(text, conf, i))
        sticker.update_settled(3, 0.6)
    assert sticker.winner.read.text == "FWE50"  # 4 against 3: one read more does not make the sticker a character


def test_a_text_that_took_a_settled_votes_place_is_not_turned_back_by_the_next_read():
    # the world gate's first car, a Chinese plate whose province character was read B at times: settled BCFY773 on
    # its first reads, then CFY773 and BCFY773 took turns, one correction record after each read
    tracker = Tracker(0.2, 3, 10)
    track = tracker.update([(100, 100, 80, 20)])[0][0]
    for i, text in enumerate(["BCFY773", "CFY773", "BCFY773"]):
        track.add_read(sighting(text, 0.95 if text == "CFY773" else 0.86, i))
    assert track.update_settled(3, 0.6) and track.winner.read.text == "BCFY773"
    winners = []
    for i, text in enumerate(["CFY773", "CFY773", "BCFY773", "CFY773", "BCFY773", "CFY773", "BCFY773"], start=3):
        track.add_read(sighting(text, 0.95 if text == "CFY773" else 0.86, i))
        winners.append(track.winner.read.text)
    assert winners == ["BCFY773", "CFY773"] + ["CFY773"] * 5  # 3 of 5 reads take its place (a settling share),
    # and a read of BCFY773 after each read of CFY773 does not give it back


def test_vote_does_not_settle_without_agreement():
    tracker = Tracker(0.2, 3, 10)
    track = tracker.update([(0, 0, 80, 20)])[0][0]
    for i, text in enumerate(["ABC1234", "XYZ9876", "ABC1234", "XYZ9876"]):
        track.add_read(sighting(text, 0.9, i))
    assert not track.update_settled(3, 0.6)


def test_a_box_of_another_size_near_a_track_is_not_its_plate_moved():
    # far gate-overlay copy: a date line (86x15) was continued onto the first digit of a sign 60 px below (24x24),
    # and the sign's track took the 2.65 heights of that jump as its travel
    tracker = Tracker(0.2, 2, 10)
    date = tracker.update([(648, 518, 86, 15)])[0][0]
    assert tracker.update([(671, 577, 24, 24)])[0][0] is not date
    car = tracker.update([(300, 300, 100, 25)])[0][0]
    assert tracker.update([(340, 330, 150, 36)])[0][0] is car  # a plate coming closer fast: still alike in size


def test_tracks_follow_moving_boxes_and_end_when_missed():
    tracker = Tracker(0.2, 2, 10)
    first = tracker.update([(100, 100, 80, 20)])[0][0]
    assert tracker.update([(110, 104, 90, 22)])[0][0] is first  # overlapping: same track
    assert tracker.update([(150, 110, 100, 25)])[0][0] is first  # moved fast, centre near: same track
    other = tracker.update([(500, 400, 80, 20)])[0][0]
    assert other is not first
    ended = []
    for _ in range(3):
        ended += tracker.update([(500, 400, 80, 20)])[1]
    assert first in ended and other in tracker.tracks


def test_restart_replaces_a_track():
    tracker = Tracker(0.2, 2, 10)
    old = tracker.update([(0, 0, 80, 20)])[0][0]
    new = tracker.restart(old)
    assert new is not old and old not in tracker.tracks and new in tracker.tracks


def test_track_count_is_bounded():
    tracker = Tracker(0.2, 1000, 5)
    for i in range(20):
        tracker.update([(i * 100, 0, 50, 10)])
    assert len(tracker.tracks) <= 5


def test_duplicate_window():
    dupes = DuplicateManager(10)
    assert not dupes.is_duplicate("ABC1234", 100.0)
    dupes.mark_saved("ABC1234", 100.0, RECORD)
    assert dupes.is_duplicate("ABC1234", 109.9)
    assert not dupes.is_duplicate("ABC1234", 110.1)
    assert not dupes.is_duplicate("XYZ9876", 105.0)


def test_a_recorded_plate_with_a_character_left_out_is_the_same_visit_either_way():
    dupes = DuplicateManager(10)
    short = Record("CFB353", 0.9, "2026-11-26T08:00:00+00:00", "cam", 51, "")
    dupes.mark_saved("CFB353", 100.0, short)  # the first reads lost the D
    assert dupes.record_to_correct("CFBD353", (), 103.0) is short  # a later track of the car, read whole
    assert dupes.record_to_correct("CFBD353", (), 110.1) is None  # gone for longer than the window
    assert dupes.record_to_correct("CFB3535", (), 103.0) is short  # a character more at an edge
    assert dupes.record_to_correct("CFB354", (), 103.0) is None
    assert dupes.record_to_correct("CFBD354", (), 103.0) is None
    assert dupes.record_to_correct("CFB353", (), 103.0) is None  # the same plate: a duplicate, not a fuller read
    full = Record("CFBD353", 0.9, "2026-11-26T08:00:00+00:00", "cam", 51, "")
    dupes.mark_saved("CFBD353", 101.0, full)
    assert dupes.is_duplicate("CFB353", 105.0) and dupes.is_duplicate("FBD353", 105.0)  # the same car, less read
    assert dupes.seconds_since("FBD353", 105.0) == 4.0  # the guard's S key: "Already saved 4 s ago"
    assert not dupes.is_duplicate("CFBD35", 111.5)  # its window has passed
    assert not dupes.is_duplicate("ABC1235", 105.0) and not dupes.is_duplicate("CFBD3533", 105.0)


def test_a_recorded_plate_with_a_character_more_is_corrected_by_a_later_track_that_read_it_and_outvoted_it():
    # the world gate's first car, in a queue: its first track read the province character as a B and was recorded
    # BCFY773; the next track of the car read BCFY773 and CFY773 and decided CFY773
    dupes = DuplicateManager(10)
    longer = Record("BCFY773", 0.9, "2026-11-26T08:00:00+00:00", "cam", 3, "")
    dupes.mark_saved("BCFY773", 100.0, longer)
    read = {"BCFY773": 0.87, "CFY773": 0.95, "5CEY773": 0.8}
    assert dupes.record_to_correct("CFY773", read, 103.0) is longer
    assert dupes.record_to_correct("CFY773", {"CFY773": 0.95}, 103.0) is None  # never read the record's plate: the
    assert dupes.is_duplicate("CFY773", 103.0)  # plate read short (its edge out of view): the same visit, no correction
    assert dupes.record_to_correct("CFY773", {"BCFY773": 0.95, "CFY773": 0.95}, 103.0) is None  # read as surely: a
    # car of a fleet (XABC123 beside ABC123) may be one character longer
    assert dupes.record_to_correct("CFY773", read, 110.1) is None  # gone for longer than the window
    assert dupes.record_to_correct("FY773", {"BCFY773": 0.87, "FY773": 0.95}, 103.0) is None  # two fewer: a part
    middle = Record("AB12CDE", 0.9, "2026-11-26T08:00:00+00:00", "cam", 3, "")
    dupes.mark_saved("AB12CDE", 100.0, middle)
    assert dupes.record_to_correct("AB1CDE", {"AB12CDE": 0.87, "AB1CDE": 0.95}, 103.0) is None  # a character lost
    # from the middle of the plate: not one added at an end


def test_a_recorded_row_of_a_two_row_plate_is_the_same_visit_either_way():
    dupes = DuplicateManager(10)
    row = Record("6808", 0.9, "2026-11-26T08:00:00+00:00", "cam", 51, "")
    dupes.mark_saved("6808", 100.0, row)  # the first reads missed the bottom row XO
    assert dupes.record_to_correct("6808XO", (), 103.0) is row  # a later track of the car, both rows read
    assert dupes.record_to_correct("AB6808", (), 103.0) is row  # or the plate's beginning, the half not yet in view
    assert dupes.record_to_correct("68080", (), 103.0) is row and dupes.record_to_correct("6868XO", (), 103.0) is None
    whole = Record("66V134567", 0.9, "2026-11-26T08:00:00+00:00", "cam", 51, "")
    dupes.mark_saved("66V134567", 101.0, whole)
    assert dupes.is_duplicate("66V1", 105.0) and dupes.is_duplicate("34567", 105.0)  # one row of it
    assert not dupes.is_duplicate("V134", 105.0)  # not a row: its middle
    assert not dupes.is_duplicate("66V", 105.0)  # too short to tell: a part of many plates
