"""SecureX as an installed package: build the wheel, install it into a fresh virtual environment and run it
from a folder outside the checkout, through the `securex` command and `python -m securex`.

Offline: the wheel is built with this interpreter's setuptools (no build isolation, so nothing is downloaded)
and installed without its dependencies; the fresh environment sees this environment's packages (OpenCV, the
neural models, ...) through a .pth line, behind its own site-packages, so `securex` itself can only come from
the wheel.
"""

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib.metadata import version
from pathlib import Path

import cv2
import pytest

import synth
from conftest import PROJECT

pytestmark = pytest.mark.slow

SETUPTOOLS_NEEDED = (77,)  # pyproject.toml's build-system requires; also builds wheels without `wheel`
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "securex")  # what the build reads
TOP_LEVEL = {"securex"}


def _setuptools_version() -> tuple:
    try:
        return tuple(int(part) for part in version("setuptools").split(".")[:2])
    except Exception:  # not installed, or an odd version string
        return (0,)


def _run(command, cwd, timeout=180):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PIP_NO_INDEX"] = "1"  # never reach for a package index
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _build_wheel(tmp_path: Path) -> Path:
    """`pip wheel` of a copy of the checkout, so no build/ or *.egg-info lands in the checkout."""
    if _setuptools_version() < SETUPTOOLS_NEEDED:
        pytest.fail(f"setuptools {version('setuptools')} here cannot build the wheel offline: it needs setuptools>="
                    f"{'.'.join(map(str, SETUPTOOLS_NEEDED))} (pip install -r requirements-dev.txt)")
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (PROJECT / name).is_dir():
            shutil.copytree(PROJECT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(PROJECT / name, source / name)
    dist = tmp_path / "dist"
    result = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                   "--wheel-dir", dist, source], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(dist.glob("securex-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new environment with the wheel installed; this environment's packages are reachable behind it."""
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site_packages = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              cwd=tmp_path).stdout.strip())
    # OpenCV, numpy, onnxruntime, rapidocr, tqdm...: this environment's package folders (the checkout is not one)
    ours = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (site_packages / "zz_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    result = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
                  cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == TOP_LEVEL
    for package in ("core", "config", "pipeline", "video", "gate", "records", "ui", "cli"):
        assert f"securex/{package}/__init__.py" in names
    assert "securex/__main__.py" in names

    home = _fresh_venv(tmp_path, wheel)
    bin_dir = home / ("Scripts" if os.name == "nt" else "bin")
    exe = ".exe" if os.name == "nt" else ""
    python, command = bin_dir / f"python{exe}", bin_dir / f"securex{exe}"
    work = tmp_path / "work"  # cwd outside the checkout: nothing can be imported from it
    work.mkdir()

    where = _run([python, "-c", "import securex; print(securex.__file__)"], cwd=work)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(home), f"securex imported from {where.stdout.strip()}"
    for folder in _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       cwd=work).stdout.split():
        assert not (Path(folder) / "tests").exists() and not (Path(folder) / "benchmarks").exists()

    for program in ([command], [python, "-m", "securex"]):
        result = _run([*program, "--help"], cwd=work)
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout and "read" in result.stdout

    config = work / "config.py"
    shutil.copy2(PROJECT / "config.py", config)
    image = work / "car.png"
    cv2.imwrite(str(image), synth.scene("ABC1234")[0])
    result = _run([command, "read", "--json", image, "--config", config], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["image"] == str(image)
    assert line["plates"] and line["plates"][0]["text"] == "ABC1234"
