"""The settings of what the site does with a read: storage, alerts, events and barrier, window (declared
once each)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from securex.config.setting import setting


@dataclass(frozen=True)
class StorageConfig:
    """Saving and records"""

    auto_save: bool = setting("AUTO_SAVE", True, "save confirmed plates automatically (toggle with A)")
    auto_save_threshold: float = setting("AUTO_SAVE_THRESHOLD", 0.8, "confidence (0..1) a plate needs to be auto-saved",
                                         0, 1)
    duplicate_window_seconds: float = setting(
        "DUPLICATE_WINDOW_SECONDS", 10.0, "the same plate (or it read short: a character or a row "
        "less; read fuller, the same car's next track corrects its record) is not saved again within this many "
        "seconds of when it was last seen",
        0, 86400)
    gate_name: str = setting("GATE_NAME", "gate-1",
                             "this gate's name; every record carries it (gates may share a database)")
    database_url: str = setting(
        "DATABASE_URL", "sqlite:///database/plates.db", "the source of truth: sqlite:///PATH (this PC) or "
        "postgresql://USER:PASSWORD@HOST/DBNAME (one record for many gates)")
    database_timeout: float = setting(
        "DATABASE_TIMEOUT_SECONDS", 5.0, "longest the gate waits for the database on one write or query (a server "
        "that hangs, a network gone silent, a SQLite file another program keeps locked); past it the record waits "
        "in the journal, as when the database is down, and is written once the database answers again", 0.1, 600)
    key_path: Path = setting("KEY_PATH", "database/securex.key", "record signing key, created on first run "
                             "(owner-only); back it up, verify needs it; every gate sharing a database needs the "
                             "same key", path=True)
    head_log_path: Path = setting("HEAD_LOG_PATH", "database/chain_head.log",
                                  "append-only log of each gate's newest record (proves none was deleted)", path=True)
    csv_path: Path = setting("CSV_PATH", "exports/detected_plates.csv", "CSV copy of every record (opens in Excel)",
                             path=True)
    images_dir: Path = setting("IMAGES_DIR", "saved_plates", "plate crops, plate_YYYYMMDD_HHMMSS[_n].jpg", path=True)
    crop_margin: float = setting("CROP_MARGIN", 0.15,
                                 "saved crops are grown by this share of the plate box on each side", 0, 1)
    retention_days: Optional[int] = setting(
        "RETENTION_DAYS", None, "`prune` removes records and images older than this; None = keep all", 1, 36500)
    stale_hours: float = setting("ONSITE_STALE_HOURS", 24.0, "`inside`: an entry with no exit after this many "
                                 "hours is shown as stale (the exit was missed, or the car stays overnight)",
                                 0.1, 8760)
    reports_dir: Path = setting("REPORTS_DIR", "exports", "where `report` writes its chart", path=True)
    root: Path = Path(".")  # the config file's folder (set at load): stored image paths are relative to it


@dataclass(frozen=True)
class AlertConfig:
    """Access lists and alerts"""

    watchlist_path: Optional[Path] = setting(
        "WATCHLIST_PATH", "database/watchlist.csv", "allowed/flagged plates (CSV: plate,list,note,valid_until); "
        "no file or an empty one = no list in use (no UNKNOWN shown)", path=True)
    watchlist_max_distance: int = setting(
        "WATCHLIST_MAX_DISTANCE", 1, "a read this many edits from a listed plate still matches it (0 = exact only)",
        0, 3)
    command: Optional[list] = setting(
        "ALERT_COMMAND", None, "program run for each decided plate with PLATE STATUS appended, as a list, "
        "e.g. [\"python\", \"scripts/open_barrier.py\"]; never run through a shell")
    timeout_seconds: float = setting("ALERT_TIMEOUT_SECONDS", 10.0, "an alert command still running after this is "
                                     "stopped", 0.5, 600)
    sound: Optional[Path] = setting(
        "ALERT_SOUND", "default", "alarm played over and over while a flagged plate is not acknowledged (F): "
        "\"default\" (the built-in alarm), a .wav file, or None (silent)", path=True)


BARRIER_NOTE = """The barrier, per lane: which list standings open it (allowed, flagged, unknown, none = no list in use)
and how: an MQTT message, an HTTP call, or a program (run with PLATE STATUS appended, never through a shell).
The guard opens it by hand with O (recorded with OPERATOR_NAME). Each key is a lane's name (in LANES or --lane, else
LANE_NAME); a name that is no lane of the run nor of LANES stops it at start. Examples:
  BARRIER = {"lane-1": {"open_for": ["allowed"], "mqtt": {"topic": "relay/gate/set", "payload": "ON"}}}
  BARRIER = {"lane-1": {"open_for": ["allowed"], "http": {"url": "http://10.0.0.9/relay/0?turn=on", "method": "GET"}}}
  BARRIER = {"lane-1": {"open_for": ["allowed"], "command": ["python", "scripts/open_barrier.py"]}}"""


@dataclass(frozen=True)
class EventsConfig:
    """Events, barrier and integrations"""

    lane_name: str = setting("LANE_NAME", "lane-1", "this camera's lane; events and the barrier rule are per lane")
    operator_name: str = setting("OPERATOR_NAME", "guard", "who is at this gate's PC: recorded when the barrier "
                                 "is opened by hand (key O)")
    mqtt_url: Optional[str] = setting(
        "MQTT_URL", None, "MQTT broker for events, e.g. mqtt://USER:PASSWORD@HOST:1883 (mqtts:// for TLS); "
        "None = no MQTT")
    mqtt_topic_prefix: str = setting("MQTT_TOPIC_PREFIX", "securex", "events go to PREFIX/GATE/events, the last "
                                     "plate of each lane to PREFIX/GATE/LANE/last (retained)")
    discovery_prefix: Optional[str] = setting(
        "HA_DISCOVERY_PREFIX", "homeassistant", "Home Assistant MQTT discovery: each lane appears as a sensor "
        "(last plate) and a binary sensor (flagged); None = not announced")
    webhook_urls: list = setting("WEBHOOK_URLS", [], "each event is POSTed as JSON to every URL in this list, "
                                 "e.g. [\"https://parking.example/securex\"]")
    webhook_secret: Optional[str] = setting(
        "WEBHOOK_SECRET", None, "signs each webhook body: header X-SecureX-Signature: sha256=HMAC-SHA256(secret, "
        "body) in hex; None = unsigned")
    webhook_send_image: bool = setting("WEBHOOK_SEND_IMAGE", False, "send the plate photo with each webhook "
                                       "(multipart/form-data: an \"event\" part and an \"image\" part)")
    timeout_seconds: float = setting("DELIVERY_TIMEOUT_SECONDS", 5.0, "how long a webhook, barrier call or MQTT "
                                     "confirmation may take before it counts as failed", 0.5, 120)
    retry_max_seconds: float = setting("DELIVERY_RETRY_MAX_SECONDS", 60.0, "a failed delivery is retried after 1 s, "
                                       "then twice as long each time up to this; events wait in the database", 1, 3600)
    barrier: dict = setting("BARRIER", {}, "lane: {\"open_for\": [standings], and one of \"mqtt\", \"http\", "
                            "\"command\"}; {} = no barrier", note=BARRIER_NOTE)


@dataclass(frozen=True)
class WindowConfig:
    """Window and log"""

    show_engineer_info: bool = setting("SHOW_ENGINEER_INFO", False, "show the engineer figures (stage times, "
                                       "record chain, OCR engine) in the panel at start (toggle with I)")
    title: str = setting("WINDOW_TITLE", "SecureX", "title of the live window")
    fps_window_seconds: float = setting("FPS_WINDOW_SECONDS", 2.0, "rolling window for the FPS and per-stage times",
                                        0.2, 60)
    log_level: str = setting("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR",
                             choices=("DEBUG", "INFO", "WARNING", "ERROR"))
