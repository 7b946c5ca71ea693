import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from securex.config import changed, load_config  # noqa: E402
from securex.pipeline.factory import build_reader  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def base_settings():
    return load_config()


@pytest.fixture
def settings(base_settings, tmp_path):
    return changed(base_settings, DATABASE_URL=str(tmp_path / "db" / "plates.db"),
                   KEY_PATH=str(tmp_path / "db" / "test.key"), HEAD_LOG_PATH=str(tmp_path / "db" / "head.log"),
                   CSV_PATH=str(tmp_path / "exports" / "plates.csv"), IMAGES_DIR=str(tmp_path / "images"))


@pytest.fixture(scope="session")
def reader(base_settings):
    return build_reader(base_settings)
