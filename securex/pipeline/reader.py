"""The plate reader: detector, OCR engine and plate rules composed into "image in, plates out".

`read image` (stills) and the video loop (one crop at a time) use this same code.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from typing import Optional, Sequence

import numpy as np

from securex.core.domain import Box, Detection, OcrResult, PlateRead, centre_in, crop, in_pixels, iou
from securex.core.plate_text import PART_MIN_LENGTH, fold_o_i
from securex.pipeline.detection import Detector
from securex.pipeline.evidence import Evidence, line_evidence, picture_white
from securex.pipeline.grouping import joined_line, plate_groups, stacked
from securex.pipeline.ocr import OcrEngine
from securex.pipeline.plate_rules import PlateRules, RuledText
from securex.pipeline.slant import level

SAME_PLATE_IOU = 0.3  # two reads whose boxes overlap this much are the same plate: keep the better
JOINED_MARGIN = 0.05  # pieces read as one plate may be this much less sure than the surest piece alone
CLOSER_SIDE = 2.0  # a photo with no plate found is detected again at this many times the working side
CLOSER_GAIN = 1.5  # when that is at least this much closer (a small photo is already seen whole)
CLOSER_MOST = 2560  # and never at more than this long side (the detector's memory grows with its pixels)
EVIDENCE_RANK_WEIGHT = 0.2  # reads rank by confidence plus this share of their plate evidence (0..1)
HEIGHT_RANK_WEIGHT = 0.1  # and this share of their line's height against the tallest read's (the nearest car first)
FINE_HEIGHT = 20  # a photo's line less tall than this at the working side is boxed coarsely: it is found again
FINE_MARGIN = 2.0  # ...in its surroundings, this many line heights around it,
FINE_ZOOM = 2.0  # ...at this many times the photo's own pixels (at most the working side); no look enlarges more
EDGE_LOOK = 0.4  # a photo's line not read as a site's plate is read again this many line heights wider each side


class PlateReader:
    """`min_aspect`: a narrower box is read only as a vanity plate; `min_evidence`: the plate evidence a read
    fitting no format needs (or one whose fit needs it: `RuledText.needs_evidence`); `vanity_evidence`: the
    evidence that lets a read without digits (or a narrow box) through. The defaults turn the evidence rules off."""

    def __init__(self, detector: Detector, engine: OcrEngine, rules: PlateRules, min_confidence: float,
                 masks: Sequence[Sequence[float]] = (), min_aspect: float = 0.0, min_evidence: float = 0.0,
                 vanity_evidence: float = 1.01):
        self.detector, self.engine, self.rules = detector, engine, rules
        self._min_confidence = min_confidence
        self._masks = [tuple(m) for m in masks]
        self._min_aspect, self._min_evidence, self._vanity_evidence = min_aspect, min_evidence, vanity_evidence

    def with_masks(self, masks: Sequence[Sequence[float]]) -> PlateReader:
        """This reader with more areas never read (a lane's own masks), its detector, engine, rules and
        thresholds the same."""
        if not masks:
            return self
        reader = copy.copy(self)
        reader._masks = self._masks + [tuple(m) for m in masks]
        return reader

    def detect(self, image: np.ndarray, long_side: int) -> list[Detection]:
        """The detector's candidates, less those centred in a masked area (a clock, a sign)."""
        height, width = image.shape[:2]
        return self.unmasked(self.detector.detect(image, long_side), width, height)

    def unmasked(self, detections: list[Detection], width: int, height: int) -> list[Detection]:
        """The candidates (in the pixels of a width x height picture) not centred in a masked area."""
        return [d for d in detections if not any(in_mask(d.box, mask, width, height) for mask in self._masks)]

    def read_image(self, image: np.ndarray, long_side: int) -> list[PlateRead]:
        """All plates in an image, best first, one per place. A picture where none is found at `long_side` is
        looked at again closer (a far plate in a wide view, a small plate in a small photo), at CLOSER_SIDE times
        `long_side` (at most CLOSER_MOST), enlarged up to FINE_ZOOM times its own pixels: the text detector misses
        lines only a few pixels tall. (Where one is found, looking closer can also read it worse: it is kept.)"""
        plates = self.read_detections(image, self.detect_finely(image, long_side), photo=True)
        closer = min(int(FINE_ZOOM * max(image.shape[:2])), int(CLOSER_SIDE * long_side), CLOSER_MOST)
        if plates or closer < CLOSER_GAIN * long_side:
            return plates
        return self.read_detections(image, self.detect_finely(image, closer), photo=True)

    def detect_finely(self, image: np.ndarray, long_side: int) -> list[Detection]:
        """The candidates at `long_side`, a box less than FINE_HEIGHT tall there (a far plate's line, which can be boxed
        coarsely, cutting off a character or taking in a piece of its frame) found again closer (`_closer`) when the
        first look was at less than FINE_ZOOM times the photo's pixels; where nothing is found on it, its first box
        stays. Of the lines found closer, one that overlaps a larger one kept (as much as one plate's reads do,
        SAME_PLATE_IOU) is dropped; which reads best where they overlap the first boxes, the reading decides."""
        scale = long_side / max(image.shape[:2])
        kept: list[Detection] = []
        finer: list[Detection] = []
        for detection in self.detect(image, long_side):
            closer = self._closer(image, detection, long_side) \
                if detection.box[3] * scale < FINE_HEIGHT and scale < FINE_ZOOM else []
            finer += closer
            if not closer:
                kept.append(detection)
        lines: list[Detection] = []
        for line in sorted(finer, key=lambda d: (d.box[2] * d.box[3], d.box), reverse=True):
            if all(iou(line.box, other.box) < SAME_PLATE_IOU for other in lines):
                lines.append(line)
        return kept + lines

    def _closer(self, image: np.ndarray, detection: Detection, long_side: int) -> list[Detection]:
        """The lines centred on `detection`'s box found in its surroundings (FINE_MARGIN times its height around
        it) at up to FINE_ZOOM times the photo's pixels (at most `long_side`), in the photo's pixels, masks applied."""
        height, width = image.shape[:2]
        x, y, w, h = detection.box
        margin = round(FINE_MARGIN * h)
        left, top = max(0, x - margin), max(0, y - margin)
        area = image[top:y + h + margin, left:x + w + margin]
        side = min(long_side, round(FINE_ZOOM * max(area.shape[:2])))
        found = self.unmasked([d.moved(left, top) for d in self.detector.detect(area, side)], width, height)
        return [d for d in found if centre_in(d.box, x, y, x + w, y + h)]

    def read_detections(self, image: np.ndarray, detections: list[Detection], photo: bool = False) -> list[PlateRead]:
        """The plates in these candidates, best first, one per place. Boxes that are one plate (two rows, or one line
        split by an emblem) are read as one, in reading order, when that reads better. `photo`: a still, read once: a
        line is read wider when its box may have left out a character (`_raw`: video reads it again, closer), a line of
        letters filling a plate is read (`_ruled`: in video a sign's word would draw the detector's window), a face that
        runs on is looked for more tightly (measured in video, it let scene text in)."""
        white = picture_white(image) if detections else 255.0
        evidence = [line_evidence(image, d, white, tight=photo) for d in detections]
        boxes = [d.box for d in detections]
        alone = [self._readable(d, proof) for d, proof in zip(detections, evidence, strict=True)]
        groups = [g for g in plate_groups(detections) if any(alone[i] for i in g)]  # a narrow piece joins a line
        raws = {i: self._raw(image, detections[i], photo) for i in sorted({i for g in groups for i in g}
                                                                  | {i for i, ok in enumerate(alone) if ok})}
        reads = {(i,): self._ruled(raws[i], boxes[i], evidence[i], photo) for i in raws if alone[i]}
        for group in groups:
            rows = stacked(boxes[group[0]], boxes[group[1]])
            joined = joined_readings([raws[i] for i in group], self.rules, rows)
            line = joined_line([detections[i] for i in group])
            read = self._ruled(joined, line.box, line_evidence(image, line, white, tight=photo), photo)
            parts = [reads.get((i,)) for i in group]
            if read is not None and joined_is_better(read[0], [p and p[0] for p in parts]):
                reads[group] = read
        merged = {i for group in reads if len(group) > 1 and reads[group] is not None for i in group}
        found = [(*r, max(line_height(detections[i]) for i in g)) for g, r in reads.items()
                 if r is not None and not (len(g) == 1 and g[0] in merged)]
        tallest = max((height for _, _, height in found), default=1.0)
        found.sort(key=lambda r: rank(*r, tallest), reverse=True)
        kept: list[PlateRead] = []
        for read, _, _ in found:
            if all(iou(read.box, k.box) < SAME_PLATE_IOU for k in kept):
                kept.append(read)
        return kept

    def _readable(self, detection: Detection, proof: Evidence) -> bool:
        """A detector box is read when it is as wide as a plate line (a slanted line: measured along it), or
        narrower on a clear vanity plate."""
        height = line_height(detection)
        wide = height > 0 and detection.box[2] / height >= self._min_aspect
        return wide or proof.is_vanity_plate(self._vanity_evidence)

    def _raw(self, image: np.ndarray, detection: Detection, edges: bool) -> list[OcrResult]:
        """The engine's readings of the box, and unless it already reads as one of the site's formats, every
        character as read: of a slanted line, also of the line levelled; with `edges`, when still none does but
        some reading is a plate, also of the line with EDGE_LOOK line heights more each side (in dim light or a
        soft picture the detector's box can leave out a plate's first or last character). The renderings vote
        (choose_reading)."""
        region = crop(image, detection.box)
        if not region.size:
            return []
        readings = self.engine.read(region)
        if not (detection.slope or edges):
            return readings
        best = [self.rules.best(r) for r in readings]
        if detection.slope and not reads_as_site_plate(best):
            levelled = self.engine.read(level(image, detection))
            readings = readings + levelled
            if not edges:
                return readings
            best += [self.rules.best(r) for r in levelled]
        if reads_as_site_plate(best) or all(b is None for b in best):
            return readings
        return readings + [r for wider in wider_views(image, detection) for r in self.engine.read(wider)]

    def _ruled(self, readings: list[OcrResult], box: Box, proof: Evidence,
               photo: bool) -> Optional[tuple[PlateRead, Evidence]]:
        """The plate read in these readings with its evidence, or None: too unsure, or text fitting no format on too
        little plate evidence (on which only readings whose format tells them from other text count). A vanity plate
        (clear evidence) needs no digits, nor, in a `photo`, a line of letters filling a plate."""
        vanity, lettered = proof.is_vanity_plate(self._vanity_evidence), proof.is_lettered_plate(self._vanity_evidence)
        on_plate = proof.score >= self._min_evidence
        best = choose_reading([[c for c in self.rules.candidates(r, vanity, photo and lettered)
                                if on_plate or not c.needs_evidence] for r in readings])
        if best is None or best.confidence < self._min_confidence:
            return None
        return PlateRead(best.text, round(best.confidence, 4), box, best.format_name, best.as_read), proof


def join_readings(parts: tuple[OcrResult, ...], rows: bool = False) -> OcrResult:
    """Readings of a plate's pieces as one reading, in the order given; `rows`: the pieces are a two-row plate's
    top row and bottom row (the formats' layouts name its country)."""
    confs = tuple(c for p in parts for c in (p.char_confidences or (p.confidence,) * len(p.text)))
    return OcrResult("".join(p.text for p in parts), sum(confs) / len(confs) if confs else 0.0, confs,
                     len(parts[0].text) if rows else 0)


def joined_readings(pieces: list[list[OcrResult]], rules: PlateRules, rows: bool) -> list[OcrResult]:
    """The readings of a plate's pieces joined as one, rendering by rendering (`alongside`; `rows`: two rows)."""
    whole = [bool(r) and reads_as_site_plate([rules.best(r[0])]) for r in pieces]
    return [join_readings(parts, rows) for parts in alongside(pieces, whole)]


def alongside(readings: list[list[OcrResult]], whole: list[bool]) -> list[tuple[OcrResult, ...]]:
    """The pieces' readings side by side, rendering by rendering (as it stands with as it stands, levelled with
    levelled), as far as every piece has one; a piece that read as one of the site's plates as it stood (`whole`:
    it was read no further) lends that reading to the others' further renderings. Nothing when a piece has no
    reading."""
    if not all(readings):
        return []
    count = min((len(r) for r, lends in zip(readings, whole, strict=True) if not lends),
                default=max(len(r) for r in readings))
    return [tuple(r[i] if i < len(r) else r[0] for r in readings) for i in range(count)]


def joined_is_better(joined: PlateRead, parts: list[Optional[PlateRead]]) -> bool:
    """Read as one plate, the pieces fit a format none fits alone, or one as surely as the surest piece;
    pieces that fit no format together count only when none is a plate alone (a clock beside a sign
    is two texts, not one plate); a fit that changes a character does not replace a piece that fits one of the
    site's formats as read by adding fewer than PART_MIN_LENGTH characters to it (a mark above a plate joined as a
    letter to fit a format; a row of a two-row plate is as long)."""
    alone = [p for p in parts if p is not None]
    if not alone:
        return True
    if joined.format_name is None or (not joined.as_read and any(
            p.as_read and len(joined.text) - len(p.text) < PART_MIN_LENGTH for p in alone)):
        return False
    return all(p.format_name is None for p in alone) or \
        joined.confidence >= max(p.confidence for p in alone) - JOINED_MARGIN


def reads_as_site_plate(best: list[Optional[RuledText]]) -> bool:
    """Some reading's best plate fits one of the site's formats with every character as read."""
    return any(b is not None and b.as_read for b in best)


def wider_views(image: np.ndarray, detection: Detection) -> list[np.ndarray]:
    """The line with EDGE_LOOK line heights more each side, rendered as the line itself is: as it stands and,
    slanted, levelled."""
    x, y, width, height = detection.box
    margin = round(EDGE_LOOK * (detection.thickness if detection.slope else height))
    left, right = max(0, x - margin), min(image.shape[1], x + width + margin)
    upright = crop(image, (left, y, right - left, height))
    return [upright, level(image, detection, margin)] if detection.slope else [upright]


def in_mask(box: Box, mask: tuple, width: int, height: int) -> bool:
    """The box's centre lies inside `mask` ([left, top, right, bottom] in fractions of the picture)."""
    return centre_in(box, *in_pixels(mask, width, height))


def line_height(detection: Detection) -> float:
    """A text line's height: its box's, or a slanted line's measured across it (its box is taller by the rise)."""
    return detection.thickness if detection.slope else detection.box[3]


def rank(read: PlateRead, proof: Evidence, height: float, tallest: float) -> float:
    """How a read ranks among a picture's reads: its confidence, its plate evidence, and the height of its line
    (of its taller row or piece) against the tallest read's (a plate about as sure but nearer: the car at the gate)."""
    return read.confidence + EVIDENCE_RANK_WEIGHT * proof.score + HEIGHT_RANK_WEIGHT * height / max(1.0, tallest)


def choose_reading(readings: list[list[RuledText]]) -> Optional[RuledText]:
    """Of several renderings' plate readings (each rendering's candidates), the text they agree on most: the
    sum over renderings of each one's surest candidate with that text (O/0 and I/1 folded: no font tells them
    apart reliably); then the surest. Ties go to the text the first rendering is surest of, then to the first
    format."""
    by_text: dict[str, list[RuledText]] = defaultdict(list)
    for candidates in readings:
        voted: set[str] = set()
        for candidate in sorted(candidates, key=lambda c: c.confidence, reverse=True):  # equals: in format order
            key = fold_o_i(candidate.text)
            if key not in voted:
                voted.add(key)
                by_text[key].append(candidate)
    if not by_text:
        return None
    group = max(by_text.values(), key=lambda g: (math.fsum(r.confidence for r in g), max(r.confidence for r in g)))
    return max(group, key=lambda r: r.confidence)
