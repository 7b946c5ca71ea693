"""The house rules: layers import only downwards, modules and classes stay small, config.py lists every setting."""

import ast
from pathlib import Path

import pytest

from securex.config.template import render

from conftest import PROJECT

PACKAGE = PROJECT / "securex"
MAY_IMPORT = {  # each part and the parts below it that it may use
    "core": set(),
    "config": {"core"},
    "pipeline": {"core", "config"},
    "records": {"core", "config"},
    "video": {"core", "config"},
    "ui": {"core", "config"},
    "gate": {"core", "config", "pipeline", "records", "video", "ui"},
    "cli": {"core", "config", "pipeline", "records", "video", "ui", "gate"},
}
MAX_MODULE_LINES = 300
MAX_CLASS_LINES = 150


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def imported_parts(path: Path) -> set[str]:
    parts = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [a.name for a in node.names] if isinstance(node, ast.Import) else []
        parts |= {n.split(".")[1] for n in names if n.startswith("securex.")}
    return parts


def test_every_part_is_a_known_layer():
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_lower_layers_never_import_higher_ones(path):
    part = path.relative_to(PACKAGE).parts[0]
    assert imported_parts(path) <= MAY_IMPORT[part] | {part}


@pytest.mark.parametrize("path", list(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_modules_and_classes_stay_small(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno + 1 <= MAX_CLASS_LINES, node.name


def test_config_py_is_written_from_the_declared_settings():
    shipped = (PROJECT / "config.py").read_text(encoding="utf-8")
    assert shipped == render(), "config.py differs from the settings declared in securex/config/schema.py: " \
                                "write it anew with `python main.py new-config` into a new file and compare"
