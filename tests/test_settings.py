import logging
import types
import wave

import pytest

from securex.cli import main as cli
from securex.config import Config, ConfigError, load_config, load_config_module
from securex.config import loader as settings_module
from securex.pipeline.factory import check_stages, find_tesseract


def load_settings(module):
    """The configuration as `read` and `run` check it: the values, then the stages they name."""
    config = load_config(module=module)
    check_stages(config)
    return config


def config_with(**changes):
    module = load_config_module()
    values = {k: v for k, v in vars(module).items() if k.isupper()}
    values.update(changes)
    return types.SimpleNamespace(**values)


@pytest.mark.parametrize("changes, expected", [
    ({"CAMERA_FPS": "fast"}, "CAMERA_FPS = 'fast' is not a whole number"),
    ({"AUTO_SAVE_THRESHOLD": 1.5}, "AUTO_SAVE_THRESHOLD = 1.5 is out of range"),
    ({"OCR_ENGINE": "magic"}, "OCR_ENGINE = 'magic' is unknown"),
    ({"DETECTOR": "yolo"}, "DETECTOR = 'yolo' is unknown"),
    ({"OCR_ENGINE": "tesseract", "TESSERACT_PATH": "/nowhere/tesseract"},
     "Tesseract not found at /nowhere/tesseract: install tesseract-ocr or set TESSERACT_PATH in config.py"),
    ({"DETECTOR": "haar", "CASCADE_PATH": "/nowhere/cascade.xml"}, "Cascade not found at /nowhere/cascade.xml"),
    ({"NEURAL_MODEL_DIR": "/nowhere"},
     "Neural model ch_PP-OCRv4_det_infer.onnx, PP-OCRv6_rec_small.onnx not found in /nowhere: put the model files "
     "there (from the rapidocr-onnxruntime==1.4.4 and rapidocr==3.10.0 wheels) or set NEURAL_MODEL_DIR = None in "
     "config.py (the installed ones)"),
    ({"PLATE_FORMATS": {"br": ["LLLXNNN"]}}, "PLATE_FORMATS['br'] must be a list of patterns"),
    ({"PLATE_ALLOWED_CHARS": "abc"}, "PLATE_ALLOWED_CHARS must hold upper-case letters and digits only"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL = 'LOUD' is unknown"),
    ({"DATABASE_URL": " "}, "DATABASE_URL is empty"),
    ({"GATE_NAME": ""}, "GATE_NAME = '' is not usable"),
    ({"MASKS": [[0.5, 0.0, 0.2, 0.1]]}, "MASKS entry [0.5, 0.0, 0.2, 0.1] is not [left, top, right, bottom]"),
    ({"MASKS": [[0, 0, 100, 20]]}, "MASKS entry [0, 0, 100, 20] is not [left, top, right, bottom] in fractions"),
])
def test_each_bad_setting_is_one_plain_line(changes, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings(module=config_with(**changes))
    assert expected in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_a_missing_setting_takes_its_default_and_is_named_in_the_log(caplog):
    module = config_with(CSV_PATH="elsewhere/plates.csv")
    del module.CSV_PATH, module.LANES
    with caplog.at_level(logging.WARNING):
        loaded = load_settings(module=module)
    assert loaded.storage.csv_path.name == "detected_plates.csv" and loaded.storage.csv_path.parent.name == "exports"
    assert loaded.camera.lanes == []
    assert "config.py does not set LANES, CSV_PATH: using the defaults" in caplog.text


def test_config_syntax_error_is_one_line(tmp_path):
    broken = tmp_path / "config.py"
    broken.write_text("CAMERA_INDEX = = 0\n")
    with pytest.raises(ConfigError, match="config.py cannot be read"):
        load_config_module(broken)


def test_cli_reports_config_error_with_exit_2_and_no_traceback(monkeypatch, capsys):
    monkeypatch.setattr(settings_module, "load_config_module", lambda path=None: config_with(OCR_ENGINE="magic"))
    assert cli.main(["read", "x.jpg"]) == 2
    err = capsys.readouterr().err
    assert "OCR_ENGINE = 'magic' is unknown" in err and "Traceback" not in err


def test_command_line_overrides_config(tmp_path):
    args = cli.build_parser().parse_args(["run", "--db", str(tmp_path / "x.db"), "--no-auto-save",
                                          "--source", "clip.avi"])
    s = load_config(cli.overrides_from(args))
    assert s.storage.database_url == str(tmp_path / "x.db") and s.storage.auto_save is False
    assert args.source == "clip.avi"


def test_tesseract_found_on_path(base_settings):
    command = find_tesseract(base_settings.ocr)
    assert command is not None and command.name.startswith("tesseract")


def test_config_error_names_the_line(tmp_path):
    broken = tmp_path / "config.py"
    broken.write_text("CAMERA_INDEX = 0\nCAMERA_FPS = 25 +\n")
    with pytest.raises(ConfigError, match="line 2"):
        load_config_module(broken)
    broken.write_text("CAMERA_INDEX = 0\n\nCAMERA_FPS = undefined_name\n")
    with pytest.raises(ConfigError, match="line 3: NameError"):
        load_config_module(broken)


@pytest.mark.parametrize("changes, expected", [
    ({"MOTION_GATE": "yes"}, "MOTION_GATE = 'yes' is not True or False: set True or False in config.py"),
    ({"VOTE_SETTLE_SHARE": "most"}, "VOTE_SETTLE_SHARE = 'most' is not a number: set a number in config.py"),
    ({"RETENTION_DAYS": 0}, "RETENTION_DAYS = 0 is out of range: set it between 1 and 36500 in config.py (or None)"),
    ({"CAMERA_INDX": 1}, "CAMERA_INDX in config.py is not a SecureX setting: check its spelling"),
    ({"OCR_WORKERS": 2}, "OCR_WORKERS in config.py is not a SecureX setting: it is now called WORKER_THREADS"),
    ({"SHOW_DASHBOARD": True},
     "SHOW_DASHBOARD in config.py is not a SecureX setting: it is now called SHOW_ENGINEER_INFO"),
    ({"LANE_NAME": " "}, "LANE_NAME = ' ' is not usable: give a short name without / + #, such as \"lane-1\""),
    ({"ALERT_SOUND": "/nowhere/siren.wav"}, "ALERT_SOUND /nowhere/siren.wav is not a .wav file that exists: give a "
                                            ".wav file, \"default\" or None in config.py"),
])
def test_wrong_values_and_names_in_plain_words(changes, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(module=config_with(**changes))
    assert str(caught.value) == expected


def test_a_setting_no_longer_used_is_a_warning_not_an_error(caplog):
    with caplog.at_level(logging.WARNING):
        config = load_config(module=config_with(MAX_PLATE_AREA=400000))  # a config.py from before it was retired
    assert not hasattr(config.detection, "max_plate_area")
    assert "MAX_PLATE_AREA in config.py is no longer used, its line can go: a plate box may be as large as the " \
           "picture (a close-up photo of a plate)" in caplog.text


def test_alarm_sound_and_lane_name():
    config = load_config(module=config_with())
    with wave.open(str(config.alerts.sound)) as sound:  # the built-in alarm is a real WAV shipped in the package
        assert sound.getnframes() / sound.getframerate() > 0.3
    assert config.events.lane_name == "lane-1"
    named = load_config(module=config_with(LANE_NAME="Lane 2 (exit)", ALERT_SOUND=None))
    assert named.events.lane_name == "Lane 2 (exit)" and named.alerts.sound is None


def test_new_config_writes_every_default_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "site" / "config.py"
    target.parent.mkdir()
    assert cli.main(["new-config", str(target)]) == 0
    written = load_config(path=target)
    for section in ("camera", "detection", "ocr", "plates", "tracking"):  # no paths: equal as declared
        assert getattr(written, section) == getattr(Config(), section)
    assert written.window == Config().window and written.events.lane_name == Config().events.lane_name
    assert written.plates.lengths == (4, 10)  # from the default countries
    assert written.alerts.command is None and written.storage.gate_name == Config().storage.gate_name
    assert cli.main(["new-config", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_relative_paths_are_resolved_beside_the_config_file(tmp_path):
    target = tmp_path / "site" / "config.py"
    target.parent.mkdir()
    assert cli.main(["new-config", str(target)]) == 0
    config = load_config(path=target)
    assert config.storage.database_url == str(target.parent / "database" / "plates.db")
    assert config.storage.images_dir == target.parent / "saved_plates"
    assert config.storage.root == target.parent
    assert config.alerts.watchlist_path == target.parent / "database" / "watchlist.csv"


def test_missing_config_file_is_one_line(tmp_path, capsys):
    assert cli.main(["verify", "--config", str(tmp_path / "none.py")]) == 2
    assert capsys.readouterr().err.strip().startswith(f"Config file {tmp_path / 'none.py'} not found")


def test_new_config_into_a_missing_folder_is_one_line(tmp_path, capsys):
    assert cli.main(["new-config", str(tmp_path / "no" / "config.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Cannot write {tmp_path / 'no' / 'config.py'}") and len(err.splitlines()) == 1
