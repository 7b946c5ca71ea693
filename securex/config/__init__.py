"""Configuration: every setting declared once (schema), loaded from config.py and checked (loader)."""

from securex.config.loader import ConfigError, changed, find_config_file, load_config, load_config_module
from securex.config.schema import (
                                   AlertConfig,
                                   CameraConfig,
                                   Config,
                                   DetectionConfig,
                                   EventsConfig,
                                   OcrConfig,
                                   PlateConfig,
                                   StorageConfig,
                                   TrackingConfig,
                                   WindowConfig,
)

__all__ = ["AlertConfig", "CameraConfig", "Config", "ConfigError", "DetectionConfig", "EventsConfig", "OcrConfig",
           "PlateConfig", "StorageConfig", "TrackingConfig", "WindowConfig", "changed", "find_config_file",
           "load_config", "load_config_module"]
