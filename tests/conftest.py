import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from securex.pipeline.factory import build_reader  # noqa: E402
from securex.config.settings import load_settings  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def base_settings():
    return load_settings()


@pytest.fixture
def settings(base_settings, tmp_path):
    return base_settings.replace(database_url=str(tmp_path / "db" / "plates.db"),
                                 key_path=str(tmp_path / "db" / "test.key"),
                                 head_log_path=str(tmp_path / "db" / "head.log"),
                                 csv_path=str(tmp_path / "exports" / "plates.csv"),
                                 images_dir=str(tmp_path / "images"))


@pytest.fixture(scope="session")
def reader(base_settings):
    return build_reader(base_settings)
