"""Load config.py, apply command-line overrides, check every value and resolve paths.

Each problem becomes one plain line naming the setting and the fix, so a guard can act on it.
"""

from __future__ import annotations

import importlib.util
import logging
import traceback
from dataclasses import MISSING, fields, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, Optional, Union, get_args, get_origin, get_type_hints

from securex.config.lanes import is_mask, lane_config, lane_problems, topic_word
from securex.config.plate_formats import COUNTRIES
from securex.config.schema import SECTIONS, Config
from securex.core.errors import SecureXError
from securex.core.urls import hide_password

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent  # the checkout: main.py and config.py live here
CONFIG_NAME = "config.py"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
SQLITE_PREFIX = "sqlite:///"
RENAMED = {"OCR_WORKERS": "WORKER_THREADS", "SHOW_DASHBOARD": "SHOW_ENGINEER_INFO"}
RETIRED = {"MAX_PLATE_AREA": "a plate box may be as large as the picture (a close-up photo of a plate)"}  # settings
# that do nothing any more: an older config.py that sets one is warned, not refused
DEFAULT_SOUND = "default"  # ALERT_SOUND: the alarm shipped with SecureX
BUILT_IN_ALARM = Path(__file__).resolve().parent / "alarm.wav"
log = logging.getLogger(__name__)
KIND_WORDS = {int: "a whole number", float: "a number", str: "text in quotes", bool: "True or False",
              dict: "a dictionary", list: "a list", Path: "a path in quotes"}


class ConfigError(SecureXError):
    """One or more settings are wrong; the message has one line per problem."""


def declared() -> Iterator[tuple[str, str, Any]]:
    """(section, field name, dataclass field) of every setting, in config.py order."""
    for section, cls in SECTIONS.items():
        for f in fields(cls):
            if f.metadata.get("name"):
                yield section, f.name, f


def find_config_file(explicit: Optional[Union[str, Path]] = None) -> Path:
    """--config FILE; else config.py beside main.py (a checkout); else config.py in the working folder."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"Config file {path} not found: give an existing file to --config "
                              f"(write one with: securex new-config {path})")
        return path.absolute()
    for folder in (PROJECT_ROOT, Path.cwd()):
        if (folder / CONFIG_NAME).is_file() and (folder != PROJECT_ROOT or (folder / "main.py").is_file()):
            return folder / CONFIG_NAME
    raise ConfigError("No config.py beside main.py or in this folder: write one with `securex new-config config.py` "
                      "or give --config FILE")


def load_config_module(path: Optional[Path] = None) -> ModuleType:
    """config.py run as Python; an error in it becomes one line naming its line number."""
    path = path or find_config_file()
    spec = importlib.util.spec_from_file_location("securex_config", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Config file {path} cannot be loaded: restore config.py from the repository")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ConfigError(f"{path.name} cannot be read: line {exc.lineno}: {exc.msg}: fix that line") from None
    except Exception as exc:  # a wrong name or expression must still be one plain line
        lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == str(path)]
        where = f"line {lines[-1]}: " if lines else ""
        raise ConfigError(f"{path.name} cannot be read: {where}{type(exc).__name__}: {exc}: fix that line") from None
    module.__dict__.setdefault("__file__", str(path))
    return module


def load_config(overrides: Optional[dict] = None, module: Optional[ModuleType] = None,
                path: Optional[Path] = None) -> Config:
    """The checked configuration: config.py (or `module`) with command-line overrides ({NAME: value}) applied.

    Relative paths are resolved against the config file's folder. Raises ConfigError, one line per problem.
    """
    module = module or load_config_module(path)
    values, problems, missing = {}, [], []
    for _, _, f in declared():
        name = f.metadata["name"]
        if hasattr(module, name):
            values[name] = getattr(module, name)
        else:  # a config.py from an older SecureX: the settings added since keep their defaults
            values[name] = f.default_factory() if f.default is MISSING else f.default
            missing.append(name)
    if missing:
        log.warning("config.py does not set %s: using the default%s (securex new-config FILE writes every setting "
                    "with its help)", ", ".join(missing), "s" if len(missing) > 1 else "")
    known = {f.metadata["name"] for _, _, f in declared()}
    for name in sorted(n for n in vars(module) if n.isupper() and n not in known):
        if name in RETIRED:
            log.warning("%s in config.py is no longer used, its line can go: %s", name, RETIRED[name])
            continue
        hint = f"it is now called {RENAMED[name]}" if name in RENAMED else "check its spelling"
        problems.append(f"{name} in config.py is not a SecureX setting: {hint}")
    if problems:
        raise ConfigError("\n".join(problems))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    source = getattr(module, "__file__", None)
    root = Path(source).resolve().parent if source else PROJECT_ROOT
    return build_config(values, root)


def changed(config: Config, **values: Any) -> Config:
    """`config` with some settings (by config.py name) set to new values, checked like config.py's."""
    current = {f.metadata["name"]: getattr(getattr(config, section), name) for section, name, f in declared()}
    current.update(values)
    return build_config(current, config.storage.root)


def build_config(values: dict, root: Path) -> Config:
    problems = []
    for _, _, f in declared():
        problems += _value_problems(f.metadata, values[f.metadata["name"]], _kind(f))
    if not problems:
        values = {**values, "PLATE_COUNTRIES": [str(c).strip().lower() for c in values["PLATE_COUNTRIES"]]}
        problems = _cross_problems(values)
    if problems:
        raise ConfigError("\n".join(problems))
    sections = {}
    for section, cls in SECTIONS.items():
        kwargs = {}
        for f in fields(cls):
            if not f.metadata.get("name"):
                continue
            value = values[f.metadata["name"]]
            if f.metadata["name"] == "ALERT_SOUND" and value == DEFAULT_SOUND:
                value = BUILT_IN_ALARM
            elif f.metadata["path"] and value is not None:
                value = resolve(value, root)
            elif f.metadata["name"] == "DATABASE_URL":
                value = database_location(value, root)
            elif f.metadata["name"] == "LANES":
                value = [lane_config(item) for item in value]
            kwargs[f.name] = value
        sections[section] = cls(**kwargs)
    sections["storage"] = replace(sections["storage"], root=root)
    sound = sections["alerts"].sound
    if sound is not None and (sound.suffix.lower() != ".wav" or not sound.is_file()):
        raise ConfigError(f"ALERT_SOUND {sound} is not a .wav file that exists: give a .wav file, \"default\" or "
                          "None in config.py")
    return Config(**sections)


def resolve(value: Union[str, Path], root: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def database_location(url: str, root: Path) -> str:
    """A PostgreSQL URL as it is; a SQLite file (sqlite:///PATH or a plain path) as an absolute path."""
    if url.startswith(POSTGRES_PREFIXES):
        return url
    return str(resolve(url[len(SQLITE_PREFIX):] if url.startswith(SQLITE_PREFIX) else url, root))


def _kind(f) -> tuple[type, bool]:
    """(expected type, may be None) of a setting, from its annotation."""
    hint = get_type_hints(_owner(f))[f.name]
    optional = get_origin(hint) is Union and type(None) in get_args(hint)
    if optional:
        hint = next(a for a in get_args(hint) if a is not type(None))
    return hint, optional


def _owner(f) -> type:
    return next(cls for cls in SECTIONS.values() if f in fields(cls))


def _value_problems(meta: dict, value: Any, kind: tuple[type, bool]) -> list[str]:
    name, (expected, optional) = meta["name"], kind
    if value is None and optional:
        return []
    accepted = {float: (int, float), Path: (str, Path), list: (list, tuple)}.get(expected, expected)
    if not isinstance(value, accepted) or (expected in (int, float) and isinstance(value, bool)):
        words = KIND_WORDS[expected] + (" or None" if optional else "")
        return [f"{name} = {value!r} is not {KIND_WORDS[expected]}: set {words} in config.py"]
    low, high = meta["low"], meta["high"]
    if low is not None and not low <= value <= high:
        return [f"{name} = {value!r} is out of range: set it between {low} and {high} in config.py"
                + (" (or None)" if optional else "")]
    choices = meta["choices"]
    if choices and str(value).upper() not in choices:
        return [f"{name} = {value!r} is unknown: use {' or '.join(', '.join(choices).rsplit(', ', 1))} in config.py"]
    if (expected is Path or name == "DATABASE_URL") and not str(value).strip():
        return [f"{name} is empty: give a path in config.py"]
    if name == "DATABASE_URL" and "://" in value and not value.startswith((*POSTGRES_PREFIXES, SQLITE_PREFIX)):
        return [f"DATABASE_URL = {hide_password(value)!r} is no database SecureX can use: set sqlite:///PATH or "
                "postgresql://USER:PASSWORD@HOST/DBNAME in config.py"]
    return []


def _cross_problems(v: dict) -> list[str]:
    problems = []
    if v["PLATE_MIN_ASPECT"] >= v["PLATE_MAX_ASPECT"]:
        problems.append("PLATE_MIN_ASPECT must be below PLATE_MAX_ASPECT: fix them in config.py")
    if None not in (v["PLATE_MIN_LENGTH"], v["PLATE_MAX_LENGTH"]) and v["PLATE_MIN_LENGTH"] > v["PLATE_MAX_LENGTH"]:
        problems.append("PLATE_MIN_LENGTH must not exceed PLATE_MAX_LENGTH: fix them in config.py")
    unknown = [c for c in v["PLATE_COUNTRIES"] if c not in COUNTRIES]
    if unknown or not (v["PLATE_COUNTRIES"] or v["PLATE_FORMATS"]):
        problems.append(f"PLATE_COUNTRIES = {v['PLATE_COUNTRIES']!r} names no known countries: use some of "
                        f"{' '.join(sorted(COUNTRIES))} in config.py")
    chars = v["PLATE_ALLOWED_CHARS"]
    if not chars or not all(c.isascii() and c.isalnum() and not c.islower() for c in chars):
        problems.append("PLATE_ALLOWED_CHARS must hold upper-case letters and digits only: fix it in config.py")
    for region, patterns in v["PLATE_FORMATS"].items():
        if not isinstance(patterns, (list, tuple)) or not all(
                isinstance(p, str) and p.strip("/") and set(p) <= {"L", "N", "/"} for p in patterns):
            problems.append(f"PLATE_FORMATS[{region!r}] must be a list of patterns of L and N (e.g. \"LLLNNNN\"): "
                            "fix it in config.py")
            break
    for mask in v["MASKS"]:
        if not is_mask(mask):
            problems.append(f"MASKS entry {mask!r} is not [left, top, right, bottom] in fractions 0..1 with left < "
                            "right and top < bottom: fix it in config.py")
            break
    command = v["ALERT_COMMAND"]
    if command is not None and (not command or not all(isinstance(a, str) and a for a in command)):
        problems.append("ALERT_COMMAND must be None or a list of words, e.g. [\"python\", \"notify.py\"]: "
                        "fix it in config.py")
    gate = v["GATE_NAME"]
    if not gate.strip() or len(gate) > 64 or not gate.isprintable():
        problems.append(f"GATE_NAME = {gate!r} is not usable: give a short name such as \"north-gate\"")
    elif v["MQTT_URL"] is not None and not topic_word(gate):
        problems.append(f"GATE_NAME = {gate!r} cannot be part of an MQTT topic: give a name without / + #")
    if not topic_word(v["LANE_NAME"]):
        problems.append(f"LANE_NAME = {v['LANE_NAME']!r} is not usable: give a short name without / + #, such as "
                        "\"lane-1\"")
    return problems + _event_problems(v) + lane_problems(v)


BARRIER_STANDINGS = ("allowed", "flagged", "unknown", "none")
BARRIER_ACTIONS = ("mqtt", "http", "command")


def _event_problems(v: dict) -> list[str]:
    problems = []
    mqtt = v["MQTT_URL"]
    if mqtt is not None and not (mqtt.startswith(("mqtt://", "mqtts://")) and mqtt.split("://", 1)[1].strip("/")):
        problems.append(f"MQTT_URL = {hide_password(mqtt)!r} is no MQTT broker: set mqtt://HOST:1883 (mqtts:// for "
                        "TLS, mqtt://USER:PASSWORD@HOST for a login) or None in config.py")
    prefixes = [("MQTT_TOPIC_PREFIX", v["MQTT_TOPIC_PREFIX"])] + [("HA_DISCOVERY_PREFIX", v["HA_DISCOVERY_PREFIX"])] \
        * (v["HA_DISCOVERY_PREFIX"] is not None)
    for name, prefix in prefixes:
        if not prefix.strip("/") or set(prefix) & set("+#"):
            problems.append(f"{name} = {prefix!r} is no MQTT topic: use words and / only, e.g. \"securex\"")
    for url in v["WEBHOOK_URLS"]:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            problems.append(f"WEBHOOK_URLS: {hide_password(str(url))!r} is no web address: give http:// or "
                            "https:// URLs in config.py")
    for lane, rule in v["BARRIER"].items():
        problems += _barrier_problems(lane, rule, mqtt is not None)
    return problems


def _barrier_problems(lane: object, rule: object, has_mqtt: bool) -> list[str]:
    where = f"BARRIER[{lane!r}]"
    if not isinstance(rule, dict):
        return [f"{where} must be a dictionary such as {{\"open_for\": [\"allowed\"], \"command\": [...]}}: "
                "fix it in config.py"]
    problems = []
    standings = rule.get("open_for", ["allowed"])
    if not isinstance(standings, (list, tuple)) or not set(standings) <= set(BARRIER_STANDINGS):
        problems.append(f"{where}[\"open_for\"] must be a list of {', '.join(BARRIER_STANDINGS)}: fix it in config.py")
    actions = [a for a in BARRIER_ACTIONS if a in rule]
    unknown = set(rule) - set(BARRIER_ACTIONS) - {"open_for"}
    if len(actions) != 1 or unknown:
        return problems + [f"{where} needs exactly one of \"mqtt\", \"http\" or \"command\" (and \"open_for\"): "
                           "fix it in config.py"]
    how = rule[actions[0]]
    if actions[0] == "mqtt" and not (isinstance(how, dict) and isinstance(how.get("topic"), str) and how["topic"]
                                     and isinstance(how.get("payload", ""), str) and has_mqtt):
        problems.append(f"{where}[\"mqtt\"] needs {{\"topic\": \"...\", \"payload\": \"...\"}} and MQTT_URL set: "
                        "fix it in config.py")
    if actions[0] == "http" and not (isinstance(how, dict) and str(how.get("url", "")).startswith(("http://",
                                                                                                   "https://"))):
        problems.append(f"{where}[\"http\"] needs {{\"url\": \"http://...\"}} (and optionally \"method\", "
                        "\"body\"): fix it in config.py")
    if actions[0] == "command" and not (isinstance(how, (list, tuple)) and how
                                        and all(isinstance(a, str) and a for a in how)):
        problems.append(f"{where}[\"command\"] must be a list of words, e.g. [\"python\", \"open_barrier.py\"]: "
                        "fix it in config.py")
    return problems
