"""The world's plate formats as data, and the plate rules that use the site's countries."""

import re

import pytest

from securex.config import changed
from securex.config.plate_formats import COUNTRIES, DEFAULT_COUNTRIES, LONGEST_NUMBER, runs
from securex.core.domain import OcrResult
from securex.pipeline.plate_rules import PlateRules


def ocr(text, confidence=0.95, weak=()):
    confs = tuple(0.6 if i in weak else confidence for i in range(len(text)))
    return OcrResult(text, sum(confs) / len(confs), confs)


def test_the_table_covers_the_world_and_every_pattern_is_well_formed():
    assert len(COUNTRIES) >= 30
    for wanted in ("in", "uk", "us", "ca", "mx", "br", "ar", "cl", "de", "fr", "no", "ch", "tr", "ru", "cn", "vn",
                   "th", "id", "my", "ph", "au", "nz", "za", "ae", "sa"):
        assert wanted in COUNTRIES
    for country in COUNTRIES.values():
        low, high = country.length_range()
        for pattern in country.patterns:
            assert re.fullmatch(r"[LNEHDF]+(/[LN]+)?", pattern), (country.name, pattern)  # D, F: China's new energy
            assert low <= len(pattern.replace("/", "")) <= high, (country.name, pattern)
    assert runs("L1-2", "NN") == ("LNN", "LLNN")


def test_default_countries_read_eu_and_brazil_first_and_any_other_country_too(base_settings):
    assert base_settings.plates.countries == DEFAULT_COUNTRIES
    assert base_settings.plates.lengths == (4, 10)
    rules = PlateRules(base_settings.plates)
    indian = rules.best(ocr("TN22DA5047"))  # 10 characters, an Indian format exactly as read
    assert (indian.text, indian.format_name, indian.as_read) == ("TN22DA5047", "in", False)
    assert indian.confidence == pytest.approx(0.95 - base_settings.plates.world_format_penalty)
    brazil = rules.best(ocr("ABC1234"))  # the site's own formats keep their place: no penalty, as read
    assert (brazil.format_name, brazil.as_read) == ("br", True)
    assert brazil.confidence == pytest.approx(0.95)
    assert rules.best(ocr("PJT29O5", weak=(5,))).text == "PJT2905"  # and only they fix characters
    strict = site(base_settings, "br", "it", "cz", "es", "pl", "eu")  # without "world": as before the table
    assert strict.best(ocr("TN22DA5047")) is None and strict.best(ocr("KL01CC50")).format_name is None
    assert changed(base_settings, PLATE_COUNTRIES=["in"]).plates.lengths == (4, 11)  # follows the countries
    assert changed(base_settings, PLATE_COUNTRIES=["in"], PLATE_MAX_LENGTH=10).plates.lengths == (4, 10)


@pytest.mark.parametrize("read, weak, why", [
    ("2011", (), "a short number fits some country's format (Thailand)"),
    ("RK619", (), "five characters"),
    ("ABCDEFG", (), "letters only"),
])
def test_another_countrys_format_names_only_a_long_read_of_letters_and_digits(base_settings, read, weak, why):
    best = PlateRules(base_settings.plates).best(ocr(read, weak=weak))
    assert best is None or best.format_name is None, why


def test_a_world_fit_with_an_unsure_character_needs_plate_evidence(base_settings):
    rules = PlateRules(base_settings.plates)
    sure = rules.best(ocr("GN06BGV"))  # a UK plate as read
    assert (sure.text, sure.needs_evidence) == ("GN06BGV", False)
    unsure = rules.best(ocr("OSW722", weak=(0,)))  # a copyright sign read as O: it may be text in the picture
    assert unsure.format_name is not None and unsure.needs_evidence
    assert rules.best(ocr("1A2B3C4D")).needs_evidence  # fits no format at all
    assert not rules.best(ocr("ABC1234", weak=(0,))).needs_evidence  # the site's own format tells it
    assert not rules.best(ocr("ABC12S4", weak=(5,))).needs_evidence  # changing an unsure S to fit it too
    brazil = [c for c in rules.candidates(ocr("ABC12S4")) if c.format_name == "br"]
    assert {c.text for c in brazil} == {"ABC1254", "ABC1Z54"}  # both Brazilian layouts, by changing a sure S:
    assert all(c.needs_evidence for c in brazil)  # that does not tell it from other text


def test_a_weak_character_is_dropped_to_fit_another_countrys_format(base_settings):
    rules = PlateRules(base_settings.plates)
    banded = rules.best(ocr("2498VDZ08", weak=(0,)))  # the KZ band's Z read as a weak 2 before a Kazakh plate
    assert (banded.text, banded.format_name, banded.as_read, banded.needs_evidence) == ("498VDZ08", "kz", False, False)
    assert rules.best(ocr("2498VDZ08")).format_name is None  # a sure 2 is not dropped: no format then
    emblem = rules.best(ocr("HK5OR9C", weak=(3,)))  # Missouri's emblem between HK5 and R9C read as a weak O
    assert (emblem.text, emblem.format_name, emblem.needs_evidence) == ("HK5R9C", "us", True)  # a dash or a space
    # in scene text read as a weak I would make a fit as easily: such a fit needs plate evidence
    assert rules.best(ocr("HK5OR9C")).text == "HK5OR9C"  # a sure character is kept: a plate of no known format
    assert [c.text for c in rules.candidates(ocr("1A2XB3C", weak=(3,)))] == ["1A2XB3C"]  # 1A2B3C fits none
    both = [c.text for c in rules.candidates(ocr("2498VDZ08X", weak=(0, 9)))]
    assert "498VDZ08" not in both  # nor is a second one dropped
    assert rules.best(ocr("X", weak=(0,))) is None  # a lone weak character dropped leaves nothing to fit
    uk = rules.best(ocr("GN06BGV", weak=(0,)))  # a UK plate fits formats whole: N06BGV would fit another's too
    assert uk.text == "GN06BGV" and uk.format_name is not None
    strict = site(base_settings, "br", "it", "cz", "es", "pl", "eu")  # without "world": no such fit
    assert all(c.format_name is None for c in strict.candidates(ocr("2498VDZ08", weak=(0,))))


def test_a_two_row_read_is_named_by_a_country_whose_plates_are_laid_out_so(base_settings):
    rules = PlateRules(base_settings.plates)
    two_rows = OcrResult("66V134567", 0.95, (0.95,) * 9, top_row=4)  # 66V1 over 34567: Vietnam's layout
    assert (rules.best(two_rows).text, rules.best(two_rows).format_name) == ("66V134567", "vn")
    assert rules.best(ocr("66V134567")).format_name == "ie"  # one row: Ireland's 66-V-134567, first in the table
    vietnam = site(base_settings, "ie", "vn")  # the site's own formats too
    assert vietnam.best(two_rows).format_name == "vn" and vietnam.best(ocr("66V134567")).format_name == "ie"
    banded = OcrResult("K66V134567", 0.9, (0.5,) + (0.95,) * 9, top_row=5)  # a weak mark before the top row
    assert vietnam.best(banded).text == "66V134567" and vietnam.best(banded).format_name == "vn"


def test_a_vanity_plate_may_be_shorter_than_the_sites_plates(base_settings):
    rules = PlateRules(base_settings.plates)
    assert rules.best(ocr("GT")) is None
    assert rules.best(ocr("GT"), vanity=True).text == "GT"
    assert rules.best(ocr("V"), vanity=True) is None
    assert site(base_settings, "it").best(ocr("FAST"), vanity=True) is None  # a site without such plates


def test_a_line_of_letters_filling_a_plate_needs_no_digit_but_a_plates_length(base_settings):
    rules = PlateRules(base_settings.plates)
    assert rules.best(ocr("GWAGEN")) is None
    assert rules.best(ocr("GWAGEN"), lettered=True).text == "GWAGEN"
    assert rules.best(ocr("GT"), lettered=True) is None  # only a vanity plate's short text may be shorter


def site(base_settings, *countries):
    return PlateRules(changed(base_settings, PLATE_COUNTRIES=list(countries)).plates)


@pytest.mark.parametrize("countries, read, weak, text, country", [
    (("in",), "TN22DA5047", (), "TN22DA5047", "in"),  # India: 10 characters
    (("in",), "MH12MR0613", (), "MH12MR0613", "in"),
    (("uk",), "LSI5EBC", (2,), "LS15EBC", "uk"),  # the format decides the unsure I is a 1
    (("ru",), "A001MP05", (), "A001MP05", "ru"),
    (("cn",), "AD11166", (), "AD11166", "cn"),  # new-energy plate after the province character
    (("cn",), "ADS2952", (), "ADS2952", "cn"),  # a small new-energy car, D electric: its S is no 5
    (("cn",), "AFG1234", (), "AFG1234", "cn"),  # a hybrid (F) with a letter after it
    (("tw",), "086GPF", (), "086GPF", "tw"),  # Taiwan's motorcycles: its G is no 6
    (("tw",), "MVH139", (), "MVH139", "tw"),
    (("us", "ca"), "6GQR959", (), "6GQR959", "us"),
    (("us",), "SL7CGS", (4,), "SL7C6S", "us"),  # Missouri AB1 C2D: the format decides the unsure G is a 6
    (("ar",), "AD233LT", (), "AD233LT", "ar"),
])
def test_a_country_format_decides_the_read_and_names_the_country(base_settings, countries, read, weak, text,
                                                                   country):
    best = site(base_settings, *countries).best(ocr(read, weak=weak))
    assert (best.text, best.format_name, best.as_read) == (text, country, read == text)


def test_a_us_state_series_is_read_as_it_is_not_bent_to_another_countrys(base_settings):
    rules = PlateRules(base_settings.plates)  # the default countries: the US among the world's
    best = rules.best(ocr("HK5R9C", weak=(2,)))  # Missouri, not a German historic plate HKS R 9 C
    assert (best.text, best.format_name) == ("HK5R9C", "us")
    assert site(base_settings, "de").best(ocr("HKSR9H")).format_name == "de"  # historic plates end in H
    assert site(base_settings, "de").best(ocr("HKSR9C")).format_name is None  # and no other letter


def test_a_read_of_digits_only_needs_plate_evidence_even_where_the_sites_format_fits_it(base_settings):
    illinois = site(base_settings, "us").best(ocr("9185914"))  # a plate of digits, or a phone number on a van
    assert (illinois.format_name, illinois.as_read, illinois.needs_evidence) == ("us", True, True)
    assert not site(base_settings, "us").best(ocr("FE5R2D")).needs_evidence  # letters and digits: the format tells
    date = site(base_settings, "us").best(ocr("2O14O5", weak=(1, 4)))  # a date read with unsure O's for its 0's
    assert date is None or date.needs_evidence
    date = site(base_settings, "us").best(ocr("2014051", weak=(0,)))  # fits Z014051 (an unsure 2 made a Z)
    assert date is None or date.needs_evidence


def test_country_letters_are_kept_to_those_it_issues(base_settings):
    best = site(base_settings, "ru").best(ocr("A001ZP05"))  # Z is not a Russian plate letter
    assert best is None or best.format_name is None


def test_unknown_country_is_one_plain_line(base_settings):
    from securex.config import ConfigError

    with pytest.raises(ConfigError, match="PLATE_COUNTRIES = \\['atlantis'\\] names no known countries"):
        changed(base_settings, PLATE_COUNTRIES=["atlantis"])


def test_countries_may_be_written_in_capitals(base_settings):
    assert changed(base_settings, PLATE_COUNTRIES=["IN", " Uk"]).plates.countries == ["in", "uk"]


def test_a_number_longer_than_any_countrys_plate_of_digits_is_no_plate(base_settings):
    assert LONGEST_NUMBER == 8  # Israel's
    rules = PlateRules(base_settings.plates)  # the default countries, reading the world's plates up to 10 long
    assert rules.best(ocr("186056586")) is None  # a phone number on a shop sign or a van
    assert rules.best(ocr("186O56586")) is None  # one 0 read as an O: not Ireland's 186-O-56586
    assert rules.best(ocr("1860565")).needs_evidence  # seven digits: a plate of digits in some country
    assert rules.best(ocr("18605658")) is not None  # eight: Israel's
    assert rules.best(ocr("KL01C5658")) is not None  # as long, with letters
    assert rules.best(ocr("191D12345")).format_name == "ie"  # Dublin's D is no 0
    assert site(base_settings, "in").best(ocr("186056586")) is None  # no format fits it by making digits letters
    own = changed(base_settings, PLATE_FORMATS={"fleet": ["NNNNNNNNN"]})  # a site's own numbers, that long, as read
    assert PlateRules(own.plates).best(ocr("186056586")).format_name == "fleet"
