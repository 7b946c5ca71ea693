"""Plate rules: which OCR strings are plates, how sure we are of them, and which characters to fix.

A confusable character (O/0, I/1, B/8, S/5, Z/2, G/6) is only changed where a known format decides
it; changing one the OCR was sure of costs confidence, so an unchanged fit wins over a changed one,
and such a fit needs plate evidence (text in the scene can be made to fit a format that way);
a low-confidence character (a screw, a sticker, a separator read as a character) is only dropped
when that makes a known format fit, no more of them than a format needs, and never from a read one of the
site's formats fits as read.
A read that fits none of the site's formats is still a plate if
it passes the permissive rule, with a lower confidence; when the site reads the world's plates, such
a read that fits another country's format as read, or changing only unsure confusable characters, is
known by that country; it needs plate evidence (as a read of no format does) when one of its characters is
unsure to be one. Such a read that fits no format may lose one weak character (a country band's letter,
a screw, a state's emblem or a sticker between the characters) to fit another country's format. Of fits
otherwise equal, a format laid out in the rows the read came in (two rows joined, or one) comes first: it
names the country. A read of digits only that is a date or a time of day (a camera's clock), or longer
than any country's plate of digits only (a phone number), is a plate only where one of the site's formats
fits it as read; a read of digits only needs plate evidence even
where it fits one (Illinois' 1234567, Israel's plates: a phone number or a camera's date fits them too).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Optional

from securex.config import PlateConfig
from securex.config.plate_formats import LONGEST_NUMBER, site_formats, world_formats
from securex.core.domain import OcrResult
from securex.core.plate_text import DIGIT_FOR_LETTER, LETTER_FOR_DIGIT

MAX_DROPPED_CHARS = 2
WORLD_MIN_LENGTH = 6  # another country's format tells a plate from other text only on a read this long, with
# letters and digits both (any short number fits some country's format), every character sure to be one (a symbol
# read as a letter is unsure: such a read needs plate evidence as a read of no format does)


def _time_of_day(digits: str) -> bool:
    """HHMMSS with valid hours, minutes and seconds."""
    parts = [int(digits[i:i + 2]) for i in range(0, len(digits), 2)]
    return parts[0] < 24 and all(part < 60 for part in parts[1:])


def _date(digits: str) -> bool:
    """A date as cameras print it: YYYYMMDD, DDMMYYYY, MMDDYYYY, YYMMDD, DDMMYY, MMDDYY, or MMDD / DDMM."""
    def valid(month: str, day: str) -> bool:
        return 1 <= int(month) <= 12 and 1 <= int(day) <= 31
    if len(digits) == 8:
        return (digits[:2] in ("19", "20") and valid(digits[4:6], digits[6:])) or (
            digits[4:6] in ("19", "20") and (valid(digits[2:4], digits[:2]) or valid(digits[:2], digits[2:4])))
    if len(digits) == 6:
        return valid(digits[2:4], digits[4:]) or valid(digits[2:4], digits[:2]) or valid(digits[:2], digits[2:4])
    return len(digits) == 4 and (valid(digits[:2], digits[2:]) or valid(digits[2:], digits[:2]))


def looks_like_clock(text: str) -> bool:
    """Digits only, making a camera's date, time of day or both (2026-03-14 12:30:27 read as 20260314, 123027,
    14123027 or 0314123027). About one 6-digit number in seven and one 8-digit number in forty look like that:
    a site whose plates are all digits needs their format (PLATE_FORMATS, or a country such as il)."""
    if not (text.isascii() and text.isdigit()) or len(text) < 6:
        return False
    if len(text) == 6 and (_time_of_day(text) or _date(text)):
        return True
    if len(text) == 8 and (_date(text) or (1 <= int(text[:2]) <= 31 and _time_of_day(text[2:]))):
        return True
    return len(text) >= 10 and _time_of_day(text[-6:]) and _date(text[:-6])


def looks_like_number(text: str) -> bool:
    """Digits only (an O read for a 0 too), longer than any country's plate of digits only: a phone number on a shop
    sign or a van."""
    return len(text) > LONGEST_NUMBER and text.replace("O", "0").isdigit()


@dataclass(frozen=True)
class RuledText:
    """An OCR string made into a plate: its text, confidence (0..1) and the format it fits."""

    text: str
    confidence: float
    format_name: Optional[str]
    as_read: bool = False  # it fits its format exactly as the OCR read it: no character changed or dropped
    needs_evidence: bool = False  # the format alone does not tell it from other text: it needs plate evidence


class PlateRules:
    def __init__(self, config: PlateConfig):
        self._allowed = set(config.allowed_chars)
        self._min_len, self._max_len = config.lengths
        self._vanity_min_len = config.shortest
        self._min_digits = config.min_digits
        self._penalty = config.unknown_format_penalty
        self._world_penalty = config.world_format_penalty
        self._fix_below = config.fix_char_confidence
        self._sure_change_cost = config.sure_change_penalty
        self._drop_below = config.drop_char_confidence
        self._formats = [(name, *layout(p), letters)
                         for name, p, letters in site_formats(config.countries, config.formats)]
        self._world = [(name, *layout(p), letters) for name, p, letters in world_formats(config.countries)]

    def best(self, ocr: OcrResult, vanity: bool = False, lettered: bool = False) -> Optional[RuledText]:
        """The most confident plate reading of an OCR result, or None when it is not a plate. `vanity`:
        the text is on a plate beyond doubt, so it needs no digits and may be short (FAST, GT); `lettered`: a
        line filling such a plate, so it needs no digits (a custom plate, KMBORAK)."""
        candidates = self.candidates(ocr, vanity, lettered)
        return max(candidates, key=lambda c: c.confidence) if candidates else None

    def candidates(self, ocr: OcrResult, vanity: bool = False, lettered: bool = False) -> list[RuledText]:
        chars, confs, top_row = self._clean(ocr)
        found, fitted = [], None  # fitted: the fewest characters dropped that a site's format fits with
        for kept in self._variants(confs):
            if any(c.as_read for c in found):  # a read a site's format fits as read keeps every character
                break
            if fitted is not None and len(chars) - len(kept) > fitted:  # no more dropped than a format needs
                break
            text = "".join(chars[i] for i in kept)
            kept_confs = [confs[i] for i in kept]
            top = sum(i < top_row for i in kept)  # two rows read as one: the top row's characters kept
            confidence = sum(kept_confs) / len(kept) if kept else 0.0
            scene = looks_like_clock(chars) or looks_like_clock(text) or looks_like_number(text)  # a camera's
            # clock or a phone number: a site's format may fit it changed, but takes it only as read
            fits = []
            for name, pattern, rows, letters in self._formats:
                fixed = conform(text, pattern, letters)
                as_read = fixed == text and len(kept) == len(chars)
                if fixed is None or ((scene or looks_like_clock(fixed)) and not as_read):
                    continue
                sure_changes = self._sure_changes(text, fixed, kept_confs)
                digits = text.isdigit() or fixed.isdigit()  # a number in the scene (a phone number, a price, a
                # clock), as read or as fitted, fits a format of digits, or one with a letter for an unsure digit
                fits.append((rows != top, RuledText(fixed, max(0.0, confidence - self._sure_change_cost * sure_changes),
                                                    name, as_read, needs_evidence=sure_changes > 0 or digits)))
            found += [fit for _, fit in sorted(fits, key=lambda f: f[0])]  # formats laid out in rows as read first
            if fits and fitted is None:
                fitted = len(chars) - len(kept)
            one_dropped = len(kept) == len(chars) - 1 \
                and not any(c.format_name for c in found)  # a read some format fits keeps every character
            if (len(kept) == len(chars) or one_dropped) and not scene and self.is_plausible(text, vanity, lettered):
                middle = one_dropped and kept[0] == 0 and kept[-1] == len(chars) - 1
                found += self._permissive(text, kept_confs, top, confidence, dropped=one_dropped, middle=middle)
        return found

    def _permissive(self, text: str, confs: list[float], top: int, confidence: float, dropped: bool,
                    middle: bool = False) -> list[RuledText]:
        """A read that passed the permissive rule: named by another country whose format it fits, changing
        only unsure confusable characters, when the site reads the world's plates and the read is long enough
        (it needs plate evidence when a character is weak, or when a weak one was dropped from its `middle`: a
        space or a dash in scene text read as a weak I); otherwise of no known format (it needs evidence),
        unless a weak character was `dropped` from it: that is only done to fit a format."""
        fit = self._world_fit(text, confs, top)
        if fit is None:
            return [] if dropped else [RuledText(text, max(0.0, confidence - self._penalty), None, needs_evidence=True)]
        return [RuledText(fit[1], max(0.0, confidence - self._world_penalty), fit[0],
                          needs_evidence=middle or min(confs) < self._drop_below)]

    def _world_fit(self, text: str, confs: list[float], top: int) -> Optional[tuple[str, str]]:
        """(country, text) of the other country's format `text` fits with the fewest unsure characters changed
        (none changed where one fits as read), laid out in rows as read (`top`: the top row's characters, 0 for one
        row) where that ties, or None: no such format, or a read too short or all letters or digits."""
        if len(text) < WORLD_MIN_LENGTH or text.isdigit() or text.isalpha():
            return None
        best = None
        for name, pattern, rows, letters in self._world:
            fixed = conform(text, pattern, letters)
            if fixed is None or self._sure_changes(text, fixed, confs):
                continue
            rank = (sum(a != b for a, b in zip(text, fixed, strict=True)), rows != top)
            if best is None or rank < best[0]:
                best = (rank, name, fixed)
                if rank == (0, False):
                    break
        return best and best[1:]

    def _sure_changes(self, text: str, fixed: str, confs: list[float]) -> int:
        """How many characters read at or above FIX_CHAR_CONFIDENCE `fixed` changes in `text`."""
        return sum(a != b and c >= self._fix_below for a, b, c in zip(text, fixed, confs, strict=True))

    def is_plausible(self, text: str, vanity: bool = False, lettered: bool = False) -> bool:
        """The permissive rule every plate meets: length (shorter on a `vanity` plate), allowed characters, enough
        digits (none on a vanity or a `lettered` plate)."""
        return ((self._vanity_min_len if vanity else self._min_len) <= len(text) <= self._max_len
                and set(text) <= self._allowed
                and (vanity or lettered or sum(c.isdigit() for c in text) >= self._min_digits))

    def _clean(self, ocr: OcrResult) -> tuple[str, list[float], int]:
        """The read's plate characters, their confidences, and how many of them are on its top row (0: one row)."""
        confs = list(ocr.char_confidences) or [ocr.confidence] * len(ocr.text)
        kept = [(c, conf, i < ocr.top_row) for i, (c, conf) in enumerate(zip(ocr.text.upper(), confs, strict=False))
                if c in self._allowed]
        return "".join(c for c, _, _ in kept), [conf for _, conf, _ in kept], sum(top for _, _, top in kept)

    def _variants(self, confs: list[float]) -> list[list[int]]:
        """Index lists to try: all characters, then without one or two of the weakest."""
        everything = list(range(len(confs)))
        weak = sorted((i for i in everything if confs[i] < self._drop_below), key=lambda i: confs[i])
        weak = weak[:MAX_DROPPED_CHARS + 1]
        variants = [everything]
        for count in range(1, MAX_DROPPED_CHARS + 1):
            for dropped in combinations(weak, count):
                variants.append([i for i in everything if i not in dropped])
        return variants


def layout(pattern: str) -> tuple[str, int]:
    """A format's pattern without its row break, and the length of its top row (0: a one-row layout)."""
    return pattern.replace("/", ""), pattern.index("/") if "/" in pattern else 0


def conform(text: str, pattern: str, letters: Optional[str] = None) -> Optional[str]:
    """`text` made to fit `pattern` (L letter, N digit, only `letters` when given; any other character is
    that character: Germany's electric plates end in E) by swapping confusables, or None if it cannot."""
    if len(text) != len(pattern):
        return None
    out = []
    for char, kind in zip(text, pattern, strict=True):
        if kind not in "LN":
            char = kind if char == kind else ""
        elif kind == "L" and char.isdigit():
            char = LETTER_FOR_DIGIT.get(char, "")
        elif kind == "N" and char.isalpha():
            char = DIGIT_FOR_LETTER.get(char, "")
        if not char or (kind == "L" and letters is not None and char not in letters):
            return None
        out.append(char)
    return "".join(out)
