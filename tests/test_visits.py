"""The visit decider with plain lists of boxes and reads: no threads, no window, no files."""

import numpy as np

from securex.config import TrackingConfig
from securex.core.domain import PlateRead
from securex.gate.duplicates import AnnouncedVisits
from securex.gate.visits import VisitDecider
from securex.video.tracking import Sighting

CROP = np.zeros((4, 4, 3), np.uint8)
LANE = (100, 300, 120, 30)
OTHER_LANE = (700, 300, 120, 30)


def read(text, confidence=0.9, frame=0, box=LANE):
    return Sighting(PlateRead(text, confidence, box), CROP, frame, float(frame))


def decider(auto_save=True, **changes):
    """The voting tests use one fixed box per lane: the fixed-text rule is tested on its own below."""
    return VisitDecider(TrackingConfig(**{"static_min_move": 0.0, **changes}), auto_save, 0.8)


def test_three_agreeing_reads_decide_the_visit_once():
    visits = decider()
    assert visits.apply([LANE], [read("ABC1234", frame=0)]) == []
    assert visits.apply([LANE], [read("ABC1234", frame=3)]) == []
    decided = visits.apply([LANE], [read("ABC1234", frame=6)])
    assert {t.winner.read.text for t in decided} == {"ABC1234"}
    assert visits.should_save(decided[0])
    assert visits.apply([LANE], [read("ABC1234", frame=9)]) == []  # settled: not decided again
    assert visits.plates_read == 1


def test_disagreeing_reads_wait_and_a_leaving_car_is_decided_on_fewer_reads():
    visits = decider(max_missed_detections=2)
    for frame, text in enumerate(["ABC1234", "XYZ9876", "JKL5555", "ABC1234"]):  # best share 0.5
        assert visits.apply([LANE], [read(text, frame=frame)]) == []
    quick = decider(max_missed_detections=2)
    quick.apply([LANE], [read("FST1234", frame=0)])
    quick.apply([LANE], [read("FST1234", frame=3)])
    assert quick.apply([], []) == [] and quick.apply([], []) == []
    leaving = quick.apply([], [])  # third run without it: the track ends, two reads settle it
    assert [t.winner.read.text for t in leaving] == ["FST1234"]


def test_reads_of_part_of_the_plate_count_for_it_not_against_it():
    visits = decider(max_missed_detections=0)
    assert visits.apply([LANE], [read("DN670", 0.82, 0)]) == []  # a car entering the picture, read in parts
    assert visits.apply([LANE], [read("6702", 0.85, 1)]) == []
    assert [t.winner.read.text for t in visits.apply([LANE], [read("DN6702", 0.94, 2)])] == ["DN6702"]
    assert visits.apply([LANE], [read("6702", 0.85, 20)]) == []  # leaving: a part of it is still the same car
    assert visits.tracker.started == 1 and [t.winner.read.text for t in visits.apply([], [])] == ["DN6702"]
    outnumbered = decider()
    for frame, text in enumerate(["DN670", "DN670", "DN6702"]):  # parts read more often than the whole
        decided = outnumbered.apply([LANE], [read(text, 0.9, frame)])
    assert [t.winner.read.text for t in decided] == ["DN6702"]
    added = decider()  # a read with a character of its own, less sure than the plate read without it
    for frame, (text, sure) in enumerate([("EAC4249CB", 0.78), ("AC4249CB", 0.94), ("AC4249CB", 0.94)]):
        decided = added.apply([LANE], [read(text, sure, frame)])
    assert [t.winner.read.text for t in decided] == ["AC4249CB"]
    lost = decider()  # a far plate decided on reads with a character lost, then read whole (and more often) close
    decided = []
    for frame, text in enumerate(["CFB353"] * 3 + ["CFBD353", "CFD353", "CFBD353", "CFD353"] + ["CFBD353"] * 4):
        for track in lost.apply([LANE], [read(text, 0.9, frame)]):
            decided.append(track.winner.read.text)
            track.recorded, track.recorded_plate = True, track.winner.read.text
    assert decided == ["CFB353", "CFBD353"]  # recorded, then corrected
    other = decider(max_missed_detections=0)
    for frame, text in enumerate(["DN671", "6703", "DN6702"]):  # not parts of it: a vote split three ways
        assert other.apply([LANE], [read(text, 0.9, frame)]) == []
    assert other.apply([], []) == []


def test_one_read_is_not_enough_to_record_a_leaving_car():
    visits = decider(max_missed_detections=1)
    visits.apply([LANE], [read("ONE1234")])
    assert visits.apply([], []) == [] and visits.apply([], []) == []
    assert visits.tracker.tracks == []


def test_a_fast_plate_found_again_far_from_where_it_was_lost_is_one_visit():
    # parking-dev2: a two-row plate read once, lost for three runs, read again 240 px lower as the car comes closer
    visits = decider(max_missed_detections=4)
    assert visits.apply([(821, 191, 32, 26)], [read("LZW9715", 0.93, 78)]) == []
    assert visits.undecided_boxes() == [(821, 191, 32, 26)]  # looked for closer where a run misses it
    for _ in (81, 84, 87):  # runs that did not find it
        assert visits.apply([], []) == []
    assert visits.apply([(683, 394, 45, 39)], [read("LZW9715", 0.97, 90)]) == []
    assert visits.tracker.started == 1 and len(visits.tracker.tracks) == 1
    leaving = [t.winner.read.text for frame in range(5) for t in visits.apply([], [])]
    assert leaving == ["LZW9715"]  # two reads of one track: recorded as it leaves
    other = decider(max_missed_detections=4)
    other.apply([(821, 191, 32, 26)], [read("LZW9715", 0.93, 78)])
    other.apply([], [])
    other.apply([(1500, 900, 45, 39)], [read("LZW9715", 0.97, 84)])  # too far for the runs since it was seen
    assert other.tracker.started == 2
    short = decider(max_missed_detections=4)
    short.apply([(821, 191, 32, 26)], [read("LZW9715", 0.93, 78)])
    short.apply([], [])
    short.apply([(830, 230, 32, 26)], [read("97", 0.97, 84)])  # two characters are part of many plates
    assert short.tracker.started == 2
    unlike = decider(max_missed_detections=4)
    unlike.apply([(821, 191, 32, 26)], [read("LZW9715", 0.93, 78)])
    unlike.apply([], [])
    unlike.apply([(830, 230, 32, 26)], [read("ABC1234", 0.97, 84)])  # near, but another plate: another car
    assert unlike.tracker.started == 2


def test_auto_save_needs_confidence_the_switch_and_no_earlier_record():
    visits = decider()
    for frame in range(3):
        decided = visits.apply([LANE], [read("LOW1234", 0.6, frame)])
    assert decided and not visits.should_save(decided[0])  # 0.6 is below the 0.8 threshold
    off = decider(auto_save=False)
    for frame in range(3):
        decided = off.apply([LANE], [read("ABC1234", 0.95, frame)])
    assert decided and not off.should_save(decided[0])
    decided[0].recorded = True
    off.auto_save = True
    assert not off.should_save(decided[0])


def test_a_new_car_in_a_settled_box_ends_the_old_visit_and_starts_a_new_one():
    visits = decider()
    for frame in range(3):
        first = visits.apply([LANE], [read("ABC1234", frame=frame)])
    decided = visits.apply([LANE], [read("XYZ9876", frame=20)])
    assert {t.winner.read.text for t in decided} == {"ABC1234"}  # the old visit leaves, already decided
    assert decided[0] is first[0]
    assert [t.winner.read.text for t in visits.tracker.tracks] == ["XYZ9876"]
    assert visits.plates_read == 2


def test_a_one_character_misread_of_a_settled_plate_is_still_the_same_visit():
    visits = decider()
    for frame in range(3):
        visits.apply([LANE], [read("ABC1234", frame=frame)])
    assert visits.apply([LANE], [read("ABC1Z34", frame=20)]) == []
    assert len(visits.tracker.tracks) == 1 and visits.plates_read == 1


def test_settled_boxes_are_skipped_until_their_recheck_is_due():
    visits = decider(settled_recheck_frames=15)
    for frame in range(3):
        visits.apply([LANE], [read("ABC1234", frame=frame)])
    assert visits.settled_boxes(10) == [LANE]
    assert visits.settled_boxes(17) == []  # 15 frames since the last read: read it again


def test_two_cars_are_two_visits_and_the_surest_is_offered_for_saving():
    visits = decider()
    visits.apply([LANE, OTHER_LANE], [read("ABC1234", 0.7), read("XYZ9876", 0.95, box=OTHER_LANE)])
    assert len(visits.visible()) == 2
    assert visits.surest_visible().winner.read.text == "XYZ9876"
    assert visits.apply([LANE, OTHER_LANE], [None, None]) == []  # boxes without reads keep the tracks alive


def test_the_end_of_the_source_decides_what_is_still_in_view():
    visits = decider()
    visits.apply([LANE], [read("END1234", frame=0)])
    visits.apply([LANE], [read("END1234", frame=3)])
    assert [t.winner.read.text for t in visits.finish()] == ["END1234"]
    assert visits.tracker.tracks == []


def test_a_split_or_restarted_track_is_one_visit_to_announce():
    # finding 8: one car triggered the alert command twice, 1.4 s apart, when its track restarted
    visits = AnnouncedVisits(10.0)
    assert not visits.is_repeat("ABC1234", "flagged", 100.0)  # the visit starts: announced
    assert visits.is_repeat("ABC1234", "flagged", 101.4)  # its track restarted: the same visit
    assert visits.is_repeat("ABC1Z34", "flagged", 105.0)  # a one-character misread of it: the same visit
    assert visits.is_repeat("ABC1234", "flagged", 114.0)  # still waiting at the barrier: the visit goes on
    assert not visits.is_repeat("XYZ9876", "flagged", 114.5)  # another car
    assert not visits.is_repeat("ABC1234", "allowed", 115.0)  # its standing changed: announced anew
    assert not visits.is_repeat("ABC1234", "flagged", 124.1)  # gone more than the window: a new visit
    assert not AnnouncedVisits(0.0).is_repeat("ABC1234", "none", 100.0)


def test_a_restarted_track_decides_the_same_plate_twice_for_the_announcer_to_catch():
    visits = decider()
    decided = [t for frame in (0, 1, 2) for t in visits.apply([LANE], [read("ABC1234", frame=frame)])]
    decided += visits.apply([LANE], [read("8BG1Z34", frame=3)])  # a recheck misread three times restarts the track
    for frame in (4, 5):
        decided += visits.apply([LANE], [read("ABC1234", frame=frame)])
    tracks = list({id(t): t for t in decided}.values())  # the first is decided, then also leaves
    assert [t.winner.read.text for t in tracks] == ["ABC1234", "ABC1234"]  # two tracks, one car
    once = AnnouncedVisits(10.0)
    assert [once.is_repeat(t.winner.read.text, "none", t.winner.at) for t in tracks] == [False, True]


def test_a_fast_cars_look_alike_reads_stay_one_track_and_the_vote_settles_on_the_plate():
    # the world gate's Ukrainian car stopping dead: settled on BB233XA, rechecked as 88233XA, then B8233XA
    visits = decider()
    for frame, text in enumerate(["BB233XA", "BB233XA", "BB233XA"]):
        decided = visits.apply([LANE], [read(text, 0.9, frame)])
    track = decided[0]
    track.recorded, track.recorded_plate = True, "BB233XA"
    for frame, text in enumerate(["88233XA"] + ["B8233XA"] * 6, 3):
        visits.apply([LANE], [read(text, 0.95, frame)])
    assert visits.tracker.tracks == [track] and visits.contradicted(track) == "B8233XA"  # one car, read right


def fixed_text_decider(**changes):
    return VisitDecider(TrackingConfig(**changes), True, 0.8)


def test_text_that_stays_put_is_never_decided_a_plate_that_moves_is():
    visits = fixed_text_decider(max_missed_detections=1)
    sign = (500, 40, 120, 30)  # a camera name or a sign: same text, same place, run after run
    decided = []
    for run in range(12):
        approaching = (100 + 4 * run, 300 + 10 * run, 120 + 6 * run, 30 + 2 * run)
        decided += visits.apply([sign, approaching], [read("CAM03", frame=3 * run, box=sign),
                                                      read("ABC1234", frame=3 * run, box=approaching)])
    decided += visits.apply([], []) + visits.apply([], []) + visits.finish()
    assert {t.winner.read.text for t in decided} == {"ABC1234"}


def test_a_plate_first_found_where_the_picture_has_just_stopped_came_with_the_motion():
    # world gate, two lanes: 6GQR959 too small to be read while it drove up, read only once it stood at the barrier
    # (by the look where the picture has just stopped), then never again as it left: fixed text by its box alone
    at_rest = (789, 495, 53, 25)

    def plate(text, frame, box=at_rest, country="us"):
        return Sighting(PlateRead(text, 0.9, box, country), CROP, frame, float(frame))

    for arrived, text, country, expected in (([at_rest], "6GQR959", "us", {"6GQR959"}), ([], "6GQR959", "us", set()),
                                             ([(700, 400, 53, 25)], "6GQR959", "us", set()),  # the look found another
                                             ([at_rest], "NOENTRY", None, set())):  # a sign's word fits no format
        visits = fixed_text_decider(max_missed_detections=2)
        decided = visits.apply([at_rest], [plate(text, 3375, country=country)], arrived=arrived)
        for run in range(1, 4):  # looked at again where it stands: nothing new arrives
            decided += visits.apply([at_rest], [plate(text, 3375 + 3 * run, country=country)])
        decided += visits.finish()
        assert {t.winner.read.text for t in decided} == expected
    sign, words = (300, 40, 120, 30), (340, 40, 80, 30)
    known = fixed_text_decider()  # text tracked before the picture stopped did not come with the motion
    for run in range(4):
        known.apply([sign], [plate("CAM0217", 3 * run, sign, "hu")])
    known.apply([sign, words], [plate("CAM0217", 12, sign, "hu"), plate("M0217", 12, words, "de")], arrived=[words])
    assert not any(t.arrived for t in known.tracker.tracks)  # a part of it boxed apart by the closer look
    for run in range(5, 9):
        known.apply([words], [plate("CAM0217", 3 * run, words, "hu")])
    assert known.finish() == []


def test_a_plate_the_look_finds_on_a_track_it_continues_did_not_arrive():
    visits = decider()
    box, later = (700, 400, 120, 30), (702, 401, 120, 30)
    visits.apply([box], [Sighting(PlateRead("6GQR959", 0.9, box, "us"), CROP, 1, 1.0)])
    visits.apply([later], [Sighting(PlateRead("6GQR959", 0.9, later, "us"), CROP, 4, 4.0)], arrived=[later])
    (track,) = visits.tracker.tracks
    assert len(track.path) == 2 and not track.arrived


def test_where_something_stopped_a_vehicle_may_be_tracked_but_not_fixed_text():
    visits = fixed_text_decider()
    sign, car = (1040, 300, 180, 70), (600, 500, 120, 40)
    for run in range(3):
        visits.apply([sign], [read("NOENTRY", frame=3 * run, box=sign)])
    assert visits.tracker.tracks[0].fixed
    assert not visits.vehicles_in(1000, 250, 1280, 400)  # only the sign there: a car that stopped there is unread
    visits.apply([sign, car], [None, read("AB1234", frame=9, box=car)])
    assert visits.vehicles_in(550, 450, 800, 600)  # a plate read there, not yet decided: its car is being read
    assert not visits.vehicles_in(0, 0, 500, 400)


def test_a_two_row_sign_whose_rows_are_found_apart_does_not_move():
    # far gate-overlay copy: the "5 / KMH" sign was read as one two-row box, and the detector found its rows apart
    # on other runs: top row then bottom row looked like a move of 1.4 heights, and the sign was recorded
    visits = fixed_text_decider(max_missed_detections=2)
    top, both, bottom = (672, 578, 27, 24), (663, 574, 38, 61), (658, 615, 46, 19)
    decided = visits.apply([top], [None])
    for run in range(3):
        decided += visits.apply([both], [read("5KMH", frame=3 + 3 * run, box=both)])
    for run in range(4):
        decided += visits.apply([bottom if run % 2 == 0 else both], [None])
    (track,) = visits.tracker.tracks
    assert track.settled and track.fixed and track.travel < 0.75
    still = decider()
    for run in range(2):  # read twice where it stands, not yet decided: a still text gets no closer look
        still.apply([(300, 40, 120, 30)], [read("CAM03", frame=3 * run, box=(300, 40, 120, 30))])
    assert still.undecided_boxes() == [] and still.still_boxes() == [(300, 40, 120, 30)]
    assert visits.still_boxes() == [track.box]  # seen in several runs, never moved: no closer look changes its box
    decided += visits.apply([], []) + visits.apply([], []) + visits.apply([], []) + visits.finish()
    assert decided == []
    going = fixed_text_decider(max_missed_detections=2)  # a plate going away shrinks both ways: it travels
    for run in range(8):
        shrink = 1 - 0.08 * run
        box = (400 + run * 4, 500 - run * 6, round(200 * shrink), round(50 * shrink))
        going.apply([box], [read("M5XSX", frame=3 * run, box=box)])
    assert going.tracker.tracks[0].travel >= 0.5


def test_a_sign_read_in_a_passing_cars_track_does_not_inherit_its_travel():
    # far gate-overlay copy: a car's settled track was continued (by its centre) onto the LANE B08 sign it passed;
    # the sign's read restarted the track, the new track took the car's travel with it, and the sign was recorded
    visits = fixed_text_decider(max_missed_detections=3)
    decided = []
    for run in range(6):
        car = (700 + 30 * run, 500 + 20 * run, 180, 46)
        decided += visits.apply([car], [read("RK143AT", frame=3 * run, box=car)])
    assert [t.winner.read.text for t in decided] == ["RK143AT"]
    sign = (930, 640, 143, 24)  # no overlap with the car's last box, its centre near enough to continue it
    decided += visits.apply([sign], [None])  # the car's track continued onto the sign, not read at first
    for run in range(7, 12):
        decided += visits.apply([sign], [read("LANEB08", frame=3 * run, box=sign)])
    decided += visits.finish()
    assert {t.winner.read.text for t in decided} == {"RK143AT"}
    queue = fixed_text_decider(max_missed_detections=3)  # a car that drives up into the place of another has moved
    for run in range(6):
        first = (400, 300 + 40 * min(run, 4), 180, 46)  # drives up to the barrier
        queue.apply([first], [read("FIRST12", frame=3 * run, box=first)])
    replaced = []
    for run in range(6, 10):
        replaced += queue.apply([(410, 465, 180, 46)], [read("XQ9", frame=3 * run, box=(410, 465, 180, 46))])
    assert "XQ9" in {t.winner.read.text for t in replaced + queue.finish()}


def test_a_clock_whose_text_changes_in_place_is_never_decided():
    visits = fixed_text_decider()
    clock = (20, 20, 200, 24)
    decided = []
    for second in range(20):
        for run in range(3):  # three reads of each second settle it; the next second restarts the track
            decided += visits.apply([clock], [read(f"1229{second:02d}", frame=25 * second + run, box=clock)])
    assert decided + visits.finish() == []
    assert not visits.vehicles_tracked()  # the motion gate may rest: only fixed text is tracked


def test_a_parked_car_in_view_from_the_start_is_decided_when_its_plate_fits_a_format():
    visits = fixed_text_decider()
    parked = (300, 300, 120, 40)
    decided = []
    for run in range(6):
        sighting = Sighting(PlateRead("66V134567", 0.9, parked, "vn", as_read=True), CROP, 3 * run, float(run))
        decided += visits.apply([parked], [sighting])
        clock = (20, 20, 200, 24)  # a date the format made fit by changing a character: still fixed text
        decided += visits.apply([clock], [Sighting(PlateRead("2O26031", 0.9, clock, "cz"), CROP, 3 * run, 0.0)])
        sign = (500, 100, 140, 30)  # a phone number on a sign, fitting a format of digits only as read
        decided += visits.apply([sign], [Sighting(PlateRead("5551234", 0.9, sign, "us", as_read=True), CROP,
                                                  3 * run, 0.0)])
    assert {t.winner.read.text for t in decided} == {"66V134567"}


def test_a_car_that_drives_up_and_waits_at_the_barrier_is_decided_once():
    visits = fixed_text_decider()
    decided = []
    for run in range(40):
        step = min(run, 5)  # moves for five runs, then waits
        box = (100, 200 + 20 * step, 120 + 10 * step, 30 + 2 * step)
        decided += visits.apply([box], [read("WAIT123", frame=3 * run, box=box)])
    decided += visits.finish()
    assert {t.winner.read.text for t in decided} == {"WAIT123"}
    assert len({t.id for t in decided}) == 1


def test_a_lane_not_ready_for_a_settled_plate_hands_it_on_once_it_is_or_when_it_leaves():
    visits = VisitDecider(TrackingConfig(static_min_move=0.0, max_missed_detections=1), True, 0.8,
                          ready=lambda track: len(track.path) >= 5)  # e.g. a both lane waiting for the direction
    for frame in range(4):
        assert visits.apply([LANE], [read("ABC1234", frame=frame)]) == []  # settled at the third read: not ready
    assert [t.winner.read.text for t in visits.apply([LANE], [read("ABC1234", frame=4)])] == ["ABC1234"]
    waiting = VisitDecider(TrackingConfig(static_min_move=0.0, max_missed_detections=1), True, 0.8,
                           ready=lambda track: False)
    for frame in range(3):
        assert waiting.apply([LANE], [read("XYZ9876", frame=frame)]) == []
    assert waiting.apply([], []) == []
    assert [t.winner.read.text for t in waiting.apply([], [])] == ["XYZ9876"]  # it left: handed on all the same


def test_a_record_the_rest_of_its_visit_reads_otherwise_is_handed_on_again_once():
    # the world gate clip: a small plate settled on AE416HE as it came in, then read AE410HE at the barrier
    visits = decider()
    for frame, text in enumerate(["AE416HE", "AE41GHE", "AE416HE"]):
        decided = visits.apply([LANE], [read(text, 0.95, frame)])
    track = decided[0]
    assert visits.contradicted(track) is None  # not recorded: nothing to contradict
    track.recorded, track.recorded_plate = True, "AE416HE"
    assert visits.contradicted(track) is None  # the vote still holds the recorded plate
    handed = []
    for frame in range(3, 10):
        if visits.apply([LANE], [read("AE410HE", 0.95, frame)]) == [track]:  # in view, as soon as the vote turned
            handed.append(frame)
            assert visits.contradicted(track) == "AE410HE"
            track.recorded_plate = "AE410HE"  # corrected: not handed on again while the vote holds it
    assert handed == [7] and visits.contradicted(track) is None
