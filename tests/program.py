"""Running main.py as a user does, from the tests."""

import subprocess
import sys

from conftest import PROJECT

MAIN = [sys.executable, str(PROJECT / "main.py")]


def securex(*args, timeout=300):
    """Run `python main.py ARGS`; returns the finished process (stdout and stderr as text)."""
    return subprocess.run([*MAIN, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=PROJECT)
