"""`setting()`: a section field that carries its config.py name, default, range or choices, and help."""

from __future__ import annotations

import copy
from dataclasses import field
from typing import Any, Optional


def setting(name: str, default: Any, help: str, low: Optional[float] = None, high: Optional[float] = None,
            choices: tuple = (), path: bool = False, note: str = "") -> Any:
    """A dataclass field carrying its config.py name, range or choices, and help (one comment line).

    `path`: a file or folder, resolved at load against the folder of the config file.
    `note`: a longer explanation written above the setting in config.py.
    """
    meta = {"name": name, "help": help, "low": low, "high": high, "choices": choices, "path": path, "note": note}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)
