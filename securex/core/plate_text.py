"""Plate text: normalising, folding look-alike characters, edit distance, and "is this the same plate".

Two folds exist because two questions are asked. Scoring a read against its label folds only O/0
and I/1, which no font tells apart reliably. Telling whether two reads are of one plate (a track's
recheck, one visit) and matching a read against a listed plate fold every letter OCR confuses with a
digit (O/Q/D→0, I→1, Z→2, S→5, G→6, B→8): a fast car read BB233XA, then 88233XA, is one car, and a
stolen car read with one such misread is still stopped.
"""

from __future__ import annotations

from typing import Optional

LETTER_FOR_DIGIT = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
DIGIT_FOR_LETTER = {"O": "0", "Q": "0", "D": "0", "I": "1", "Z": "2", "S": "5", "G": "6", "B": "8"}
PART_MIN_LENGTH = 4  # a part of a plate this long or longer is taken for the plate read short (shorter: many plates)


def normalise_plate(text: str) -> str:
    """Upper-case letters and digits only: `ab-123 c` becomes `AB123C`."""
    return "".join(c for c in text.upper() if c.isalnum())


def fold_o_i(text: str) -> str:
    """O becomes 0 and I becomes 1 (the look-alikes no font separates reliably)."""
    return text.replace("O", "0").replace("I", "1")


def fold_digit_lookalikes(text: str) -> str:
    """Every letter OCR confuses with a digit becomes that digit (O/Q/D→0, I→1, Z→2, S→5, G→6, B→8)."""
    return "".join(DIGIT_FOR_LETTER.get(c, c) for c in text.upper())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions to turn `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def same_plate(a: str, b: str, tolerance: int) -> bool:
    """Two reads of one plate: equal within `tolerance` edits once the letters OCR confuses with digits are folded
    (B/8, S/5, Z/2, G/6, O/0, I/1 ...)."""
    return edit_distance(fold_digit_lookalikes(a), fold_digit_lookalikes(b)) <= tolerance


def read_short_of(short: str, full: str) -> bool:
    """`short` is `full` read short: with one character left out (lost at the box's edge, or one the vote could not
    settle), or only its beginning or end, PART_MIN_LENGTH characters or more (one row of a two-row plate, the
    plate half in view)."""
    if len(full) == len(short) + 1 and any(full[:i] + full[i + 1:] == short for i in range(len(full))):
        return True
    return PART_MIN_LENGTH <= len(short) < len(full) and (full.startswith(short) or full.endswith(short))


def plate_problem(plate: str, min_length: int, max_length: int, allowed_chars: str) -> Optional[str]:
    """Why normalised `plate` cannot be a plate under the plate rules (length, characters), or None."""
    if not min_length <= len(plate) <= max_length:
        return (f"it has {len(plate)} character{'s' if len(plate) != 1 else ''}, a plate has {min_length} to "
                f"{max_length} (PLATE_MIN_LENGTH, PLATE_MAX_LENGTH and PLATE_COUNTRIES in config.py)")
    wrong = sorted(set(plate) - set(allowed_chars))
    if wrong:
        return f"{''.join(wrong)} cannot be in a plate (PLATE_ALLOWED_CHARS in config.py)"
    return None
