import types

import pytest

from securex.cli import main as cli
from securex.config import settings as settings_module
from securex.config.settings import ConfigError, load_config_module, load_settings


def config_with(**changes):
    module = load_config_module()
    values = {k: v for k, v in vars(module).items() if k.isupper()}
    values.update(changes)
    return types.SimpleNamespace(**values)


@pytest.mark.parametrize("changes, expected", [
    ({"CAMERA_FPS": "fast"}, "CAMERA_FPS = 'fast' is not a int"),
    ({"AUTO_SAVE_THRESHOLD": 1.5}, "AUTO_SAVE_THRESHOLD = 1.5 is out of range"),
    ({"OCR_ENGINE": "magic"}, "OCR_ENGINE = 'magic' is unknown"),
    ({"DETECTOR": "yolo"}, "DETECTOR = 'yolo' is unknown"),
    ({"OCR_ENGINE": "tesseract", "TESSERACT_PATH": "/nowhere/tesseract"},
     "Tesseract not found at /nowhere/tesseract: install tesseract-ocr or set TESSERACT_PATH in config.py"),
    ({"DETECTOR": "haar", "CASCADE_PATH": "/nowhere/cascade.xml"}, "Cascade not found at /nowhere/cascade.xml"),
    ({"NEURAL_MODEL_DIR": "/nowhere"}, "Neural model ch_PP-OCRv4_det_infer.onnx, ch_PP-OCRv4_rec_infer.onnx not found in /nowhere"),
    ({"MIN_PLATE_AREA": 5000, "MAX_PLATE_AREA": 100}, "MIN_PLATE_AREA must be below MAX_PLATE_AREA"),
    ({"PLATE_FORMATS": {"br": ["LLLXNNN"]}}, "PLATE_FORMATS['br'] must be a list of patterns"),
    ({"PLATE_ALLOWED_CHARS": "abc"}, "PLATE_ALLOWED_CHARS must hold upper-case letters and digits only"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL = 'LOUD' is unknown"),
    ({"DATABASE_URL": " "}, "DATABASE_URL is empty"),
    ({"GATE_NAME": ""}, "GATE_NAME = '' is not usable"),
])
def test_each_bad_setting_is_one_plain_line(changes, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings(module=config_with(**changes))
    assert expected in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_missing_setting_is_named():
    module = config_with()
    del module.CSV_PATH
    with pytest.raises(ConfigError, match="CSV_PATH is missing from config.py"):
        load_settings(module=module)


def test_config_syntax_error_is_one_line(tmp_path):
    broken = tmp_path / "config.py"
    broken.write_text("CAMERA_INDEX = = 0\n")
    with pytest.raises(ConfigError, match="config.py cannot be read"):
        load_config_module(broken)


def test_cli_reports_config_error_with_exit_2_and_no_traceback(monkeypatch, capsys):
    monkeypatch.setattr(settings_module, "load_config_module", lambda: config_with(OCR_ENGINE="magic"))
    assert cli.main(["read", "x.jpg"]) == 2
    err = capsys.readouterr().err
    assert "OCR_ENGINE = 'magic' is unknown" in err and "Traceback" not in err


def test_command_line_overrides_config(tmp_path):
    s = load_settings({"database_url": str(tmp_path / "x.db"), "auto_save": False, "source": "clip.avi"})
    assert s.database_url == str(tmp_path / "x.db") and s.auto_save is False and s.source == "clip.avi"


def test_tesseract_found_on_path(base_settings):
    assert base_settings.tesseract_command is not None and base_settings.tesseract_command.name.startswith("tesseract")
