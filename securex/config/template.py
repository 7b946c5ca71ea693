"""config.py written from the declared settings: every setting with its default and a comment."""

from __future__ import annotations

import json
import textwrap
from dataclasses import MISSING
from pathlib import Path

from securex.config.loader import ConfigError, declared
from securex.config.schema import SECTIONS

HEADER = '''"""Every SecureX setting, in one place.

Edit the values here; `securex --help` (or `python main.py --help`) lists the options that override
some of them for one run. Each value is checked at start and a bad one stops the program with a
one-line fix. Relative paths are relative to the folder of this file.
"""
'''
VALUE_COLUMN = 34  # comments start in this column
WIDTH = 118


def _default(f) -> object:
    return f.default_factory() if f.default is MISSING else f.default


def _value(value: object) -> str:
    if isinstance(value, dict) and value:
        entries = "".join(f"    {json.dumps(key)}: {json.dumps(items)},\n" for key, items in value.items())
        return "{\n" + entries + "}"
    return json.dumps(str(value)) if isinstance(value, (str, Path)) else repr(value)


def _comment_lines(first: str, help_text: str) -> list[str]:
    """`first` (NAME = value) with the help as a comment beside it, wrapped onto aligned comment lines."""
    column = max(VALUE_COLUMN, len(first.splitlines()[-1]) + 1)
    wrapped = textwrap.wrap(help_text, WIDTH - column - 2) or [""]
    head, *rest = first.splitlines()
    if rest:  # a dictionary: the comment goes on its first line
        lines = [f"{head:{column}}# {wrapped[0]}", *rest]
    else:
        lines = [f"{head:{column}}# {wrapped[0]}"]
    return lines + [f"{'':{column}}# {line}" for line in wrapped[1:]]


def render() -> str:
    """The text of a config.py holding every default."""
    out = [HEADER]
    current = None
    for section, _, f in declared():
        if section != current:
            current = section
            title = SECTIONS[section].__doc__.strip()
            out.append(f"\n# --- {title} " + "-" * (WIDTH - len(title) - 7))
        note = f.metadata["note"]
        if note:
            out += [f"# {line}" for line in note.splitlines()]
        out += _comment_lines(f"{f.metadata['name']} = {_value(_default(f))}", f.metadata["help"])
    return "\n".join(out) + "\n"


def write_new_config(path: Path) -> None:
    """Write a fresh config.py with every default; never over an existing file. ConfigError when it cannot."""
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(render())
    except FileExistsError:
        raise ConfigError(f"{path} already exists: choose another name (it is never overwritten)") from None
    except OSError as exc:
        raise ConfigError(f"Cannot write {path} ({exc.strerror or exc}): give a file in an existing folder") \
            from None
