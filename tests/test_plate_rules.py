from securex.config import PlateConfig
from securex.core.domain import OcrResult
from securex.core.plate_text import edit_distance, fold_o_i, same_plate
from securex.pipeline.plate_rules import PlateRules, conform, looks_like_clock
from securex.pipeline.reader import choose_reading


def ocr(text, confs):
    return OcrResult(text, sum(confs) / len(confs), tuple(confs))


def test_conform_fixes_only_where_the_format_decides():
    assert conform("0KL1235", "LLLNNNN") == "OKL1235"
    assert conform("OKL12S5", "LLLNNNN") == "OKL1255"
    assert conform("OKL1235", "LLLNNNN") == "OKL1235"
    assert conform("OKL12X5", "LLLNNNN") is None  # X has no digit twin
    assert conform("OKL1235", "LLNNNLL") is None
    assert conform("AB12E", "LLNNE") == "AB12E"  # any other character in a pattern is that character
    assert conform("AB128", "LLNNE") is None
    assert conform("AB12B", "LLNNE") is None


def test_brazilian_read_fixed_when_unsure(base_settings):
    rules = PlateRules(base_settings.plates)
    best = rules.best(ocr("0KL1235", [0.6, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99]))
    assert best.text == "OKL1235" and best.format_name == "br"


def test_unchanged_format_fit_beats_changing_a_sure_character(base_settings):
    rules = PlateRules(base_settings.plates)
    best = rules.best(ocr("BS47040", [0.99] * 7))  # fits Poland as read; Czech only by B -> 8
    assert best.text == "BS47040" and best.format_name == "pl"


def test_sure_character_changed_when_only_a_format_makes_it_a_plate(base_settings):
    rules = PlateRules(base_settings.plates)
    best = rules.best(ocr("RK101A0", [0.99] * 7))  # Italian LLNNNLL wants a letter last
    assert best.text == "RK101AO" and best.format_name == "it"
    assert best.confidence < 0.99


def test_confident_read_outside_formats_is_kept_as_read(base_settings):
    rules = PlateRules(base_settings.plates)
    best = rules.best(ocr("M5XSX", [0.99] * 5))
    assert best.text == "M5XSX" and best.format_name is None
    assert best.confidence < 0.99  # fits no known format: less sure


def test_weak_extra_character_dropped_only_to_fit_a_format(base_settings):
    rules = PlateRules(base_settings.plates)
    # a sticker between groups read as 8 with low confidence (Czech NLN NNNN)
    best = rules.best(ocr("4B389376", [0.99, 0.99, 0.99, 0.4, 0.99, 0.99, 0.99, 0.99]))
    assert best.text == "4B39376"
    # the same string read confidently stays as it is
    assert rules.best(ocr("4B389376", [0.99] * 8)).text == "4B389376"


def test_a_read_a_site_format_fits_as_read_keeps_its_weak_character(base_settings):
    # in_0002: Delhi's DL 2C AG 0786 with its 0 read weakly; India's 9-character format fits it without the 0,
    # with a higher mean confidence, but its 10-character format fits it as read
    rules = PlateRules(PlateConfig(countries=("in",)))
    best = rules.best(ocr("DL2CAG0786", [1.0] * 6 + [0.29] + [1.0] * 3))
    assert best.text == "DL2CAG0786" and best.format_name == "in" and best.as_read


def test_no_more_weak_characters_are_dropped_than_a_format_needs(base_settings):
    # wts-lg-000192: California's script name read as a weak C, the top row above 5NWV468, its 4 a little unsure:
    # dropping both fits a US format too, and the characters kept are surer on average; one dropped is enough
    rules = PlateRules(PlateConfig(countries=("us",)))
    confs = (0.2, 1.0, 1.0, 1.0, 1.0, 0.66, 1.0, 1.0)
    best = rules.best(OcrResult("C5NWV468", sum(confs) / len(confs), confs, top_row=1))
    assert best.text == "5NWV468" and best.format_name == "us"
    assert rules.best(ocr("C5NWV68", [0.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])).text == "5NWV68"
    # Italy's band read as a weak 1 before an Italian plate: the site's format, one dropped, not another country's
    banded = PlateRules(base_settings.plates).best(ocr("1CY695FH", [0.72] + [0.99] * 7))
    assert (banded.text, banded.format_name) == ("CY695FH", "it")


def test_not_plates(base_settings):
    rules = PlateRules(base_settings.plates)
    assert rules.best(ocr("SALVADOR", [0.99] * 8)) is None  # no digit: a sign, not a plate
    assert rules.best(ocr("AB1", [0.99] * 3)) is None  # too short
    assert rules.best(ocr("ABCDEFGH12345", [0.99] * 13)) is None  # too long


def test_a_cameras_clock_is_not_a_plate_unless_a_site_format_fits_it_as_read(base_settings):
    # 2026-03-14 12:30:27 burned into a dark, noisy night picture: its box jittered enough to pass for motion
    for clock in ("20260314", "123027", "14123027", "0314123027", "140326", "20260314123027"):
        assert looks_like_clock(clock), clock
    for plate in ("4521879", "7654321", "12345678", "999999", "TN22DA5047", "2B30827", "1229"):
        assert not looks_like_clock(plate), plate
    rules = PlateRules(base_settings.plates)
    assert rules.best(ocr("14123027", [0.99] * 8)) is None
    assert rules.best(ocr("12345678", [0.99] * 8)) is not None  # a number that is no date or time stays a read
    israel = PlateRules(PlateConfig(countries=["il"]))  # all-digit plates: a site format decides
    assert israel.best(ocr("14123027", [0.99] * 8)).text == "14123027"
    assert rules.best(ocr("123027", [0.99] * 6)) is None  # a 6-digit plate that reads as a time is lost...
    own = PlateRules(PlateConfig(formats={"site": ["NNNNNN"]}))  # ...unless the site declares its format
    assert own.best(ocr("123027", [0.99] * 6)).text == "123027"
    assert not looks_like_clock("12\u00b3027")  # a superscript digit is no clock (nor a plate character)


def test_edit_distance_and_folding():
    assert edit_distance("ABC", "ABC") == 0
    assert edit_distance("ABC", "AXC") == 1
    assert edit_distance("ABC", "ABCD") == 1
    assert fold_o_i("RKO99AI") == "RK099A1"
    assert same_plate("RK101AO", "RK101A0", 0)
    assert not same_plate("PJP2783", "OKL1235", 1)
    assert same_plate("BB233XA", "88233XA", 0) and same_plate("B8233XA", "88233XA", 0)  # a fast car's look-alikes
    assert not same_plate("BB233XA", "BB233XC", 0) and same_plate("BB233XA", "BB233XC", 1)


def test_renderings_agree_on_any_text_each_could_be_not_only_on_each_ones_best():
    rules = PlateRules(PlateConfig(countries=["it", "world"]))
    blurred = ocr("AB3391AK", [0.99, 0.98, 0.65, 0.99, 0.86, 0.98, 0.83, 0.98])  # a weak 3: Italy's AB391AK without it
    sharp = ocr("AB3391AK", [0.99, 1.0, 1.0, 1.0, 1.0, 1.0, 0.99, 0.98])  # a Ukrainian plate, read sure
    assert rules.best(blurred).text == "AB391AK" and rules.best(sharp).text == "AB3391AK"
    assert choose_reading([rules.candidates(blurred), rules.candidates(sharp)]).text == "AB3391AK"
    assert choose_reading([rules.candidates(blurred)]) == rules.best(blurred)  # one rendering: its best
    assert choose_reading([[], []]) is None


def test_renderings_that_differ_only_in_o_and_zero_agree():
    rules = PlateRules(PlateConfig(countries=["it", "world"]))
    levelled = ocr("GNO6BGV", [0.97, 0.94, 0.77, 0.87, 0.99, 0.93, 0.51])  # its O unsure: Romania's format fits it as 0
    wider = ocr("GNO6BGV", [0.97, 0.93, 0.93, 0.82, 0.96, 0.99, 0.79])  # its O sure: no format fits as read
    assert rules.best(levelled).text == "GN06BGV" and rules.best(wider).text == "GNO6BGV"
    # Italy's GN068GV (a sure B made an 8) is each rendering's second best: the two agree on the plate, not on it
    assert choose_reading([rules.candidates(levelled), rules.candidates(wider)]).text == "GN06BGV"
