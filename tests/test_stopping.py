"""Stopping: a second Ctrl-C while SecureX stops slowly, and SIGTERM while it starts, end it cleanly, in one
plain line, keeping every record."""

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from securex.config.template import render

import synth
from conftest import PROJECT
from program import MAIN, securex

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


def config_file(tmp_path, **settings):
    text = render()
    for name, value in settings.items():
        line = next(line for line in text.splitlines() if line.startswith(f"{name} = "))
        text = text.replace(line, f"{name} = {value!r}")
    path = tmp_path / "config.py"
    path.write_text(text)
    return path


@pytest.fixture
def hanging_webhook():
    """A web server that takes every request and never answers (a receiver that hangs)."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:  # closed: the test is over
                return

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook", held
    server.close()
    for connection in held:
        connection.close()


def wait_for(path, text, program, seconds=120):
    deadline = time.monotonic() + seconds
    while text not in path.read_text():
        assert program.poll() is None and time.monotonic() < deadline, path.read_text()[-3000:]
        time.sleep(0.2)


def test_second_ctrl_c_during_a_slow_stop_ends_it_at_once_in_one_line(tmp_path, hanging_webhook):
    """The finding: the stop waited for a webhook that hangs; a second Ctrl-C then printed a traceback."""
    url, held = hanging_webhook
    config = config_file(tmp_path, WEBHOOK_URLS=[url], DELIVERY_TIMEOUT_SECONDS=60.0)
    clip = synth.write_clip(tmp_path / "gate.avi", [(f"STP{n}{n}{n}{n}", 14) for n in range(1, 9)], gap=12)
    data, log_path = tmp_path / "data", tmp_path / "run.log"
    with open(log_path, "w") as log:
        program = subprocess.Popen([*MAIN, "run", "--config", str(config), "--source", str(clip), "--realtime",
                                    "--headless", "--data-dir", str(data)],
                                   stdout=subprocess.PIPE, stderr=log, text=True, cwd=PROJECT)
    try:
        wait_for(log_path, "Saved STP2222", program)
        assert held  # the event is on its way to the webhook, which does not answer
        program.send_signal(signal.SIGINT)
        wait_for(log_path, "Stopped by Ctrl-C", program)
        time.sleep(3)
        assert program.poll() is None  # still stopping: waiting for the webhook
        program.send_signal(signal.SIGINT)
        started = time.monotonic()
        stdout, _ = program.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if program.poll() is None:
            program.kill()
    log_text = log_path.read_text()
    assert program.returncode == 0 and "Traceback" not in log_text, log_text[-3000:]
    assert took < 10, log_text[-3000:]
    assert log_text.strip().splitlines()[-1].endswith("Stopped at once by Ctrl-C while stopping"), log_text[-3000:]
    saved = [line.split()[3] for line in log_text.splitlines() if " INFO Saved " in line]
    database = sqlite3.connect(data / "plates.db")
    stored = [plate for (plate,) in database.execute("SELECT plate FROM plates ORDER BY seq")]
    waiting = database.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    database.close()
    assert stored == saved and len(saved) >= 2 and waiting == len(saved)  # the events wait in the outbox
    check = securex("verify", "--config", config, "--data-dir", data)
    assert check.returncode == 0 and f"OK: {len(saved)} records, chain intact" in check.stdout, check.stdout


@pytest.mark.parametrize("after", [0.3, 1.0, 1.8, 2.6, 3.5])
def test_sigterm_while_starting_stops_cleanly(tmp_path, after):
    """The finding: until the gate loop ran, SIGTERM (a service stop) had no handler: the process died at once,
    or in the middle of opening the records. Now it ends in one plain line with exit code 0, whenever it comes."""
    clip = synth.write_clip(tmp_path / "gate.avi", [("SRT1111", 14)], gap=12)
    program = subprocess.Popen([*MAIN, "run", "--source", str(clip), "--realtime", "--headless", "--data-dir",
                                str(tmp_path / "data")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=PROJECT)
    time.sleep(after)
    program.send_signal(signal.SIGTERM)
    stdout, stderr = program.communicate(timeout=60)
    assert program.returncode == 0 and "Traceback" not in stderr, stderr[-3000:]
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    stopped = ("Stopped while starting", "Stopped by SIGTERM", "Stopped at once by SIGTERM while starting")
    assert last.endswith(stopped) or "SecureX session summary" in stdout, stderr[-3000:]
    again = securex("run", "--source", clip, "--headless", "--data-dir", tmp_path / "data")  # starts as usual
    assert again.returncode == 0 and "Saved SRT1111" in again.stderr, again.stderr[-3000:]
    check = securex("verify", "--data-dir", tmp_path / "data")
    assert check.returncode == 0 and "chain intact" in check.stdout, check.stdout + check.stderr
