"""The world's plate formats, as data: per country its patterns, letters and lengths.

A pattern is L (a letter) and N (a digit) in reading order, any other character itself (Germany's E
and H, China's D and F); a two-row layout puts `/` between the rows (top row first). `letters` limits the letters a
country issues (Russia uses only the twelve that look alike in Cyrillic and Latin); `lengths` spans
every plate of the country, vanity and old series included, and feeds the permissive rule.
Characters outside A-Z 0-9 (a Chinese province character, Thai or Arabic letters) are not part of
the text. `PLATE_COUNTRIES` in config.py picks a site's countries; `PLATE_FORMATS` adds a site's own
patterns. The entry "world" stands for every other country: its formats name a read that fits them
as read, or by changing only characters the recogniser was unsure of, never a sure one.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Optional


@dataclass(frozen=True)
class Country:
    name: str
    patterns: tuple[str, ...]
    lengths: Optional[tuple[int, int]] = None  # None: the patterns' own lengths
    letters: Optional[str] = None  # None: A-Z

    def length_range(self) -> tuple[int, int]:
        if self.lengths is not None:
            return self.lengths
        sizes = [len(p.replace("/", "")) for p in self.patterns]
        return min(sizes), max(sizes)


def runs(*parts: str, longest: int = 16) -> tuple[str, ...]:
    """Every pattern made of one choice per part, up to `longest` characters; a part `L1-3` is one to
    three letters, `N0-2` none to two digits, anything else is taken as written."""
    choices = []
    for part in parts:
        if len(part) == 4 and part[0] in "LN" and part[2] == "-":
            choices.append([part[0] * n for n in range(int(part[1]), int(part[3]) + 1)])
        else:
            choices.append([part])
    return tuple(dict.fromkeys(p for p in ("".join(c) for c in product(*choices)) if len(p) <= longest))


NO_IO = "ABCDEFGHJKLMNPQRSTUVWXYZ"
CYRILLIC_LOOKALIKES = "ABEKMHOPCTYX"
UA_LETTERS = "ABCEHIKMOPTX"
WORLD = "world"
WORLD_VANITY_LENGTH = 2  # a site reading the world's plates reads vanity plates this short (GT, V8)

COUNTRIES: dict[str, Country] = {c.name: c for c in [
    # Europe
    Country("br", ("LLLNNNN", "LLLNLNN")),  # Brazil: old grey ABC1234 and Mercosur ABC1D23
    Country("it", ("LLNNNLL",)),  # Italy AA123AA
    Country("fr", ("LLNNNLL",)),  # France SIV since 2009 AA-123-AA
    Country("cz", ("NLNNNNN", "NLLNNNN")),  # Czech Republic 1A2 3456, 1AB 2345
    Country("sk", ("LLNNNLL",)),  # Slovakia BA-123AB
    Country("es", ("NNNNLLL",)),  # Spain 1234 ABC
    Country("pl", ("LLNNNNN", "LLLNNNN", "LLNNNLL")),  # Poland
    Country("eu", (), (4, 8)),  # other EU plates (Germany, Netherlands, Belgium...): any layout, 4-8 characters
    Country("de", runs("L1-3", "L1-2", "N1-4", longest=8) + runs("L1-3", "L1-2", "N1-3", "E", longest=8)
            + runs("L1-3", "L1-2", "N1-3", "H", longest=8)),  # Germany M AB 1234; electric ...E, historic ...H
    Country("nl", ("LLNNNN", "NNNNLL", "NNLLNN", "LLNNLL", "LLLLNN", "NNLLLL", "NNLLLN", "NLLLNN", "LLNNNL",
                   "LNNNLL", "LLLNNL", "LNNLLL", "NLLNNN", "NNNLLN")),  # Netherlands side codes
    Country("be", ("NLLLNNN",)),  # Belgium 1-ABC-123
    Country("pt", ("NNLLNN", "LLNNLL", "NNNNLL", "LLNNNN")),  # Portugal
    Country("at", runs("L1-2", "N1-5", "L1-2", longest=8)),  # Austria W 12345 A
    Country("ch", runs("LL", "N1-6")),  # Switzerland ZH 123456
    Country("no", ("LLNNNNN", "LLNNNN")),  # Norway AB 12345
    Country("se", ("LLLNNN", "LLLNNL")),  # Sweden ABC 123, ABC 12A
    Country("dk", ("LLNNNNN",)),  # Denmark AB 12 345
    Country("fi", ("LLLNNN", "LLNNN")),  # Finland ABC-123
    Country("hr", runs("LL", "N3-4", "L1-2") + ("LL/NNNLL", "LL/NNNNL", "LL/NNNNLL")),  # Croatia ZG 1234-AB
    Country("ro", runs("L1-2", "N2-3", "LLL")),  # Romania B 123 ABC, CJ 12 ABC
    Country("hu", ("LLLNNN", "LLLLNNN")),  # Hungary ABC-123, AA AA-123
    Country("gr", ("LLLNNNN",)),  # Greece ABC-1234
    Country("ie", runs("N2-3", "L1-2", "N1-6")),  # Ireland 12-D-12345
    Country("bg", runs("L1-2", "NNNN", "LL")),  # Bulgaria CA 1234 AB
    Country("lt", ("LLLNNN",)), Country("lv", ("LLNNNN", "LLNNN")), Country("ee", ("NNNLLL",)),
    Country("si", runs("LL", "L0-2", "N2-3")),  # Slovenia LJ AB-123 (Latin part)
    Country("uk", ("LLNNLLL", "LNNNLLL", "LLLNNNL", "LL/NNLLL"), (2, 7)),  # UK AB12 CDE; older; vanity
    Country("ru", ("LNNNLLNN", "LNNNLLNNN", "LLNNN/NN", "NNNNLL/NN"), letters=CYRILLIC_LOOKALIKES),  # А123ВС77
    Country("ua", ("LLNNNNLL", "NNNNNLL", "NNNNLL", "NNNN/LL", "NNNNN/LL"), letters=UA_LETTERS),  # AA1234BB
    Country("by", ("NNNNLLN",)),  # Belarus 1234 AB-7
    Country("kz", ("NNNLLLNN", "NNNLLNN")),  # Kazakhstan 123 ABC 02
    Country("tr", runs("NN", "L1-3", "N2-5")),  # Turkey 34 ABC 123
    Country("il", ("NNNNNNN", "NNNNNNNN")),  # Israel 12-345-67, 123-45-678 (digits only)
    # Americas
    Country("us", ("NLLLNNN", "LLLNNNN", "LLLNNN", "NNNLLL", "NLLNNN", "LLNNNNN", "LNNNNNN", "NNNNNNN",
                   "LLNLNL", "LLLLNN", "LNNNLL", "LNNLLL", "LLLNNL", "NLLNNNN", "NLLLNN", "NNNNLL", "LLNLNNN",
                   "LLNNNN", "NLNNNNN", "NNNNNNL"),
            (2, 8)),  # United States, the states' standard series: California 7ABC123, Texas and New York
    # ABC1234, older ABC 123 and 123 ABC, Texas AB1 C234, Missouri AB1 C2D, Florida ABCD12 and A123BC, New Jersey
    # A12BCD and ABC12D, Maryland 1AB2345, Massachusetts 1ABC23 and 1AB 234, Illinois AB 12345, A12 3456 and
    # 1234567, Maine 1234 AB, Washington DC AB 1234, Idaho 1A 12345, Montana 1-12345A; vanity plates of 2-8
    Country("ca", ("LLLLNNN", "LLLNNN", "NNNLLL", "LLLNNNN", "LLLNNNL")),  # Canada (Ontario ABCD 123, ...)
    Country("mx", ("LLLNNNN", "LLLNNNL", "LLNNNNL", "LLLNNLL")),  # Mexico
    Country("ar", ("LLNNNLL", "LLLNNN")),  # Argentina Mercosur AB 123 CD, old ABC 123
    Country("cl", ("LLLLNN", "LLNNNN")),  # Chile BBBB-10, AB-1234
    Country("uy", ("LLLNNNN",)), Country("py", ("LLLLNNN",)),  # Uruguay, Paraguay (Mercosur)
    # Asia, Africa, Oceania
    Country("in", runs("LL", "N1-2", "L0-3", "N1-4") + runs("NN", "LL", "NNNN", "L1-2")
            + tuple(f"{top}/{bottom}" for top, bottom in [("LLNNLL", "NNNN"), ("LLNNL", "NNNN"), ("LLNN", "NNNN"),
                                                          ("LLNN", "LLNNNN"), ("LLNN", "LNNNN")])),  # India: two rows
    # MH12 AB / 1234 or, on two-wheelers, HR26 / DD7022
    Country("cn", tuple("L" + "".join(rest) for rest in product("LN", repeat=5) if rest.count("L") <= 2)
            + ("LLNNNNN", "LDLNNNN", "LFLNNNN", "LNNNNNL"), letters=NO_IO),  # China after the province character;
    # new energy: small cars A D12345, A DF1234 (D electric, F hybrid), large A 12345D
    Country("vn", ("NNLNNNN", "NNLNNNNN", "NNLLNNNNN", "NNLN/NNNN", "NNLN/NNNNN", "NNLL/NNNNN")),  # Vietnam
    Country("th", runs("N0-1", "N1-4"), (1, 5)),  # Thailand: only the digits are Latin
    Country("id", runs("L1-2", "N1-4", "L0-3")),  # Indonesia B 1234 ABC
    Country("my", runs("L1-3", "N1-4", "L0-1")),  # Malaysia WXY 1234 A
    Country("ph", ("LLLNNN", "LLLNNNN", "NNNLLL", "LLNNNNN")),  # Philippines
    Country("sg", runs("L1-3", "N1-4", "L")),  # Singapore SDN 7484 U
    Country("pk", ("LLLNNNN", "LLNNNN", "LLLNNN", "LLL/NNNN", "LL/NNNN")),  # Pakistan LZW 9715 (two rows)
    Country("tw", ("NNNLL", "LLNNNN", "LLLNNNN", "NNNNLL", "NNNLLL", "LLLNNN")),  # Taiwan cars ABC-1234, older
    # DN-6702, 1234-AB, 217-YH; motorcycles 123-ABC, ABC-123
    Country("ae", runs("L1-2", "N1-5")),  # United Arab Emirates: code letter + number
    Country("sa", ("NNNNLLL", "NNNLLL")),  # Saudi Arabia: the Latin half
    Country("za", ("LLLNNNLL", "LLNNNNNN", "LLNNLLLL", "LLLNNNL")),  # South Africa
    Country("ng", ("LLLNNNLL",)),  # Nigeria LEM 446 AA
    Country("au", ("LLLNNN", "NLLLNNN", "LLNNLL", "NLLNNL", "LLLNNL")),  # Australia (NSW, Victoria, ...)
    Country("nz", ("LLLNNN", "LLNNNN")),  # New Zealand
    Country("me", ("LLLLNNN", "LLLLNNNN")),  # Montenegro PG MN 112
    # Plates of any other country: a read fitting a format above as read (or changing only unsure
    # confusables) is known by that country; any other layout of 4 to 10 characters passes the
    # permissive rule (vanity plates: from WORLD_VANITY_LENGTH)
    Country(WORLD, (), (4, 10)),
]}


def site_formats(countries: list[str], own: dict) -> list[tuple[str, str, Optional[str]]]:
    """(name, pattern, letters) of every format a site reads: its countries' and its own."""
    found = [(name, pattern, COUNTRIES[name].letters) for name in countries for pattern in COUNTRIES[name].patterns]
    return found + [(name, pattern, None) for name, patterns in own.items() for pattern in patterns]


def world_formats(countries: list[str]) -> list[tuple[str, str, Optional[str]]]:
    """(name, pattern, letters) of every other country's format, when the site reads the world's plates."""
    if WORLD not in countries:
        return []
    return [(c.name, p, c.letters) for c in COUNTRIES.values() if c.name not in countries for p in c.patterns]


LONGEST_NUMBER = max(len(p) for c in COUNTRIES.values() for p in c.patterns if set(p) == {"N"})  # the most
# characters of any country's plate of digits only (Israel's 8): a longer number is a phone number or a price


DEFAULT_COUNTRIES = ["br", "it", "cz", "es", "pl", "eu", WORLD]  # EU + Brazil first, any other country's too
