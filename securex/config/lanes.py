"""LANES: the lanes one gate PC watches, checked (one plain line per problem) and made into LaneConfig."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class LaneConfig:
    """One lane: its camera, its direction and the part of the picture where its plates are read."""

    name: str
    source: str
    direction: str  # IN, OUT or BOTH
    region: tuple[tuple[float, float], ...] = ()  # polygon in picture fractions; () = the whole picture
    masks: tuple[tuple[float, float, float, float], ...] = ()  # this lane's MASKS, besides the global ones


def topic_word(text: str) -> bool:
    """A name that can be one level of an MQTT topic."""
    return bool(text.strip()) and len(text) <= 64 and text.isprintable() and not set(text) & set("/+#")


DIRECTIONS = ("in", "out", "both")
LANES_EXAMPLE = "{\"name\": \"entry\", \"source\": 0, \"direction\": \"in\"}"


def lane_config(item: Union[dict, LaneConfig]) -> LaneConfig:
    """A checked LANES entry as a LaneConfig (one already made is kept)."""
    if isinstance(item, LaneConfig):
        return item
    region = tuple((float(x), float(y)) for x, y in item.get("region") or ())
    masks = tuple(tuple(float(f) for f in mask) for mask in item.get("masks") or ())
    return LaneConfig(item["name"], str(item["source"]), item["direction"], region, masks)


def lane_problems(v: dict) -> list[str]:
    problems = []
    if v["APPROACHING_IS"] not in ("in", "out"):
        problems.append(f"APPROACHING_IS = {v['APPROACHING_IS']!r} is unknown: use \"in\" or \"out\" in config.py")
    names, cameras = [], []
    for number, item in enumerate(v["LANES"], 1):
        if isinstance(item, LaneConfig):
            names.append(item.name)
            continue
        where = f"LANES entry {number}"
        if not isinstance(item, dict) or set(item) - {"name", "source", "direction", "region", "masks"} \
                or not {"name", "source", "direction"} <= set(item):
            problems.append(f"{where} must be a dictionary such as {LANES_EXAMPLE} (and optionally \"region\" and "
                            "\"masks\"): fix it in config.py")
            continue
        name = item["name"]
        if not isinstance(name, str) or not topic_word(name):
            problems.append(f"{where}: name {name!r} is not usable: give a short name without / + #, such as "
                            "\"entry\"")
        names.append(name)
        if not isinstance(item["source"], (str, int)) or isinstance(item["source"], bool) or item["source"] == "":
            problems.append(f"{where}: source {item['source']!r} is no camera: give a camera index, a video file or "
                            "an rtsp:// URL")
        elif str(item["source"]).strip().isdigit():
            cameras.append(int(item["source"]))
        if item["direction"] not in DIRECTIONS:
            problems.append(f"{where}: direction {item['direction']!r} is unknown: use \"in\", \"out\" or \"both\"")
        if not _is_region(item.get("region") or []):
            problems.append(f"{where}: region must be a list of 3 or more [x, y] points, each between 0 and 1 "
                            "(fractions of the picture): fix it in config.py")
        masks = item.get("masks") or []
        bad = next((m for m in masks if not is_mask(m)), None) if isinstance(masks, (list, tuple)) else masks
        if bad is not None:
            problems.append(f"{where}: masks entry {bad!r} is not [left, top, right, bottom] in fractions 0..1 of "
                            "the lane's picture with left < right and top < bottom: fix it in config.py")
    if len(set(names)) < len(names):
        problems.append("LANES: two lanes have the same name: give each lane a name of its own")
    shared = sorted({camera for camera in cameras if cameras.count(camera) > 1})
    if shared:
        problems.append(f"LANES: two lanes use camera {shared[0]}, which only one can open: give each lane its own "
                        "camera (two lanes seen by one camera: give both its network stream's URL, each its region)")
    return problems


def is_mask(mask: object) -> bool:
    """[left, top, right, bottom] in picture fractions, left < right and top < bottom (MASKS and a lane's masks)."""
    return isinstance(mask, (list, tuple)) and len(mask) == 4 and all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and 0 <= f <= 1 for f in mask) \
        and mask[0] < mask[2] and mask[1] < mask[3]


def _is_region(points: object) -> bool:
    if not isinstance(points, (list, tuple)) or (points and len(points) < 3):
        return False
    return all(isinstance(p, (list, tuple)) and len(p) == 2 and all(
        isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c <= 1 for c in p) for p in points)


def lane_from_option(text: str) -> LaneConfig:
    """A lane from the command line, NAME:DIRECTION=SOURCE (e.g. entry:in=0); ValueError with a plain line."""
    name, _, rest = text.partition(":")
    direction, _, source = rest.partition("=")
    if not topic_word(name) or direction not in DIRECTIONS or not source:
        raise ValueError(f"--lane {text} is not a lane: give NAME:DIRECTION=SOURCE, DIRECTION in, out or both, "
                         "e.g. --lane entry:in=0 --lane exit:out=rtsp://10.0.0.6/stream")
    return LaneConfig(name, source, direction)
