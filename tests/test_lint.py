"""The code passes `ruff check` with the rules in pyproject.toml ([tool.ruff])."""

import importlib.util
import shutil
import subprocess
import sys

import pytest

from conftest import PROJECT

TARGETS = ("securex", "tests", "benchmarks", "main.py", "config.py")


def _ruff() -> list[str] | None:
    if importlib.util.find_spec("ruff") is not None:  # installed in this environment (requirements-dev.txt)
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff")
    return [found] if found else None


def test_ruff_check_is_clean():
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed: pip install -r requirements-dev.txt")
    # --no-cache: no .ruff_cache folder left in the checkout.
    result = subprocess.run([*ruff, "check", "--no-cache", "--output-format", "concise", *TARGETS], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"ruff check found problems (ruff check --fix mends the [*] ones):\n" \
                                   f"{result.stdout}{result.stderr}"
