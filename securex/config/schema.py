"""Every setting, declared once: its name in config.py, default, allowed values and help.

Settings are grouped in sections, one per part of the program; each part receives only its own
section. The sections are declared in reading.py (camera, detection, OCR, plate rules, tracking) and
site.py (storage, alerts, events, window). `config.py` is written from these declarations
(`securex new-config FILE`), so the file a user edits always lists every setting with its default
and help.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from securex.config.reading import CameraConfig, DetectionConfig, OcrConfig, PlateConfig, TrackingConfig
from securex.config.site import AlertConfig, EventsConfig, StorageConfig, WindowConfig

SECTIONS = {"camera": CameraConfig, "detection": DetectionConfig, "ocr": OcrConfig, "plates": PlateConfig,
            "tracking": TrackingConfig, "storage": StorageConfig, "alerts": AlertConfig,
            "events": EventsConfig, "window": WindowConfig}


@dataclass(frozen=True)
class Config:
    """The whole configuration of one run: one frozen section per part of the program."""

    camera: CameraConfig = field(default_factory=CameraConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    ocr: OcrConfig = field(default_factory=OcrConfig)
    plates: PlateConfig = field(default_factory=PlateConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    alerts: AlertConfig = field(default_factory=AlertConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
