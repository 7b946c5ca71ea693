"""The world's plate formats as data, and the plate rules that use the site's countries."""

import re

import pytest

from securex.config import changed
from securex.config.plate_formats import COUNTRIES, DEFAULT_COUNTRIES, runs
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
            assert re.fullmatch(r"[LN]+(/[LN]+)?", pattern), (country.name, pattern)
            assert low <= len(pattern.replace("/", "")) <= high, (country.name, pattern)
    assert runs("L1-2", "NN") == ("LNN", "LLNN")


def test_default_countries_keep_the_lengths_and_formats_of_before(base_settings):
    assert base_settings.plates.countries == DEFAULT_COUNTRIES
    assert base_settings.plates.lengths == (4, 8)
    assert PlateRules(base_settings.plates).best(ocr("TN22DA5047")) is None  # 10 characters: not here
    assert changed(base_settings, PLATE_COUNTRIES=["in"]).plates.lengths == (4, 11)  # follows the countries
    assert changed(base_settings, PLATE_COUNTRIES=["in"], PLATE_MAX_LENGTH=10).plates.lengths == (4, 10)


def site(base_settings, *countries):
    return PlateRules(changed(base_settings, PLATE_COUNTRIES=list(countries)).plates)


@pytest.mark.parametrize("countries, read, weak, text, country", [
    (("in",), "TN22DA5047", (), "TN22DA5047", "in"),  # India: 10 characters
    (("in",), "MH12MR0613", (), "MH12MR0613", "in"),
    (("uk",), "LSI5EBC", (2,), "LS15EBC", "uk"),  # the format decides the unsure I is a 1
    (("ru",), "A001MP05", (), "A001MP05", "ru"),
    (("cn",), "AD11166", (), "AD11166", "cn"),  # new-energy plate after the province character
    (("us", "ca"), "6GQR959", (), "6GQR959", "us"),
    (("ar",), "AD233LT", (), "AD233LT", "ar"),
])
def test_a_country_format_decides_the_read_and_names_the_country(base_settings, countries, read, weak, text,
                                                                   country):
    best = site(base_settings, *countries).best(ocr(read, weak=weak))
    assert (best.text, best.format_name, best.as_read) == (text, country, read == text)


def test_country_letters_are_kept_to_those_it_issues(base_settings):
    best = site(base_settings, "ru").best(ocr("A001ZP05"))  # Z is not a Russian plate letter
    assert best is None or best.format_name is None


def test_unknown_country_is_one_plain_line(base_settings):
    from securex.config import ConfigError

    with pytest.raises(ConfigError, match="PLATE_COUNTRIES = \\['atlantis'\\] names no known countries"):
        changed(base_settings, PLATE_COUNTRIES=["atlantis"])


def test_countries_may_be_written_in_capitals(base_settings):
    assert changed(base_settings, PLATE_COUNTRIES=["IN", " Uk"]).plates.countries == ["in", "uk"]
