"""Passwords in camera and database URLs never reach a log line, a record, the CSV, the screen or a message."""

import os
import queue
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from datetime import datetime, timezone

import numpy as np
import pytest

from securex.cli.records import verify_command
from securex.config import ConfigError, changed
from securex.core.urls import hide_password, hide_passwords_in
from securex.records.db import DatabaseError, PostgresDatabase
from securex.records.storage import RecordStore
from securex.video.capture import SourceError, VideoSource, parse_source

from program import MAIN

SECRET_URL = "rtsp://user:secret@127.0.0.1:1/stream"
WHEN = datetime(2026, 11, 26, 8, 30, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("url, label", [
    ("rtsp://user:secret@cam1/live", "rtsp://user:***@cam1/live"),
    ("rtsp://user@cam1/live", "rtsp://user@cam1/live"),  # no password: nothing to hide
    ("rtsp://cam1:554/live", "rtsp://cam1:554/live"),
    ("rtsp://user:secret@[fe80::1]:554/live", "rtsp://user:***@[fe80::1]:554/live"),
    ("http://[::1]:8080/video", "http://[::1]:8080/video"),
    ("rtsp://user:p%40ss:word@cam1/live", "rtsp://user:***@cam1/live"),  # ':' and an encoded '@' in it
    ("rtsp://user:p@ss@cam1/live", "rtsp://user:***@cam1/live"),  # a raw '@' in the password: the last one counts
    ("rtsp://cam1/live@2", "rtsp://cam1/live@2"),  # an '@' in the path is no password
    ("http://cam1/video.cgi?user=admin&password=secret&channel=2",
     "http://cam1/video.cgi?user=admin&password=***&channel=2"),
    ("http://cam1/v?PWD=secret&token=abc#top", "http://cam1/v?PWD=***&token=***#top"),
    ("postgresql://securex:secret@db-host/securex", "postgresql://securex:***@db-host/securex"),
    ("rtsps://user:secret@cam1:322/live", "rtsps://user:***@cam1:322/live"),
    ("srt://cam1:9000?mode=caller&passphrase=secret123", "srt://cam1:9000?mode=caller&passphrase=***"),
    ("0", "0"),
    (r"C:\videos\gate@night.mp4", r"C:\videos\gate@night.mp4"),
])
def test_url_label_hides_the_password_and_keeps_the_rest(url, label):
    assert hide_password(url) == label
    assert hide_password(label) == label  # a label stays itself: stored labels group with new ones


def test_the_same_camera_always_gets_the_same_label():
    assert hide_password("rtsp://user:old@cam1/live") == hide_password("rtsp://user:new@cam1/live")
    assert hide_password("rtsp://user:x@cam1/live") != hide_password("rtsp://user:x@cam2/live")


def test_driver_messages_lose_the_password_too():
    url = "postgresql://securex:se%7Ccret@db/securex?password=other"
    message = 'invalid percent-encoded token: "se%7Ccret", and se|cret, and other'
    assert hide_passwords_in(message, url) == 'invalid percent-encoded token: "***", and ***, and ***'


def test_source_label_and_errors_hide_the_password(caplog):
    spec = parse_source(SECRET_URL)
    assert spec.target == SECRET_URL  # OpenCV is still given the password
    assert spec.label == "rtsp://user:***@127.0.0.1:1/stream"  # logs, NO SIGNAL screen, records
    source = VideoSource(spec, 640, 480, 25, reconnect_max_seconds=1).start()  # unreachable: waited for
    with pytest.raises(queue.Empty):
        source.read(timeout=1.5)
    source.close()
    assert "No signal from rtsp://user:***@127.0.0.1:1/stream" in caplog.text and "secret" not in caplog.text
    with pytest.raises(SourceError) as unknown:
        parse_source("webrtc://user:secret@cam1/live")  # not a scheme SecureX knows
    assert str(unknown.value).startswith("webrtc://user:***@cam1/live is no stream SecureX can open: give a camera "
                                         "index, a video file or a URL starting with rtsp://, rtsps://")


@pytest.mark.parametrize("scheme", ["rtsps", "RTSPS", "rtmp", "rtmps", "https", "http", "srt", "udp"])
def test_every_stream_scheme_ffmpeg_opens_is_a_live_source_with_its_password_hidden(scheme, settings, caplog):
    """The finding: rtsps:// (RTSP over TLS) was taken for a video file name, "Video file not found"."""
    url = f"{scheme}://user:secret@127.0.0.1:1/live"
    spec = parse_source(url)
    assert (spec.target, spec.is_file, spec.label) == (url, False, f"{scheme}://user:***@127.0.0.1:1/live")
    if scheme == "rtsps":
        source = VideoSource(spec, 640, 480, 25, reconnect_max_seconds=1).start()  # unreachable: waited for
        with pytest.raises(queue.Empty):
            source.read(timeout=1.5)
        source.close()
        assert "No signal from rtsps://user:***@127.0.0.1:1/live" in caplog.text and "secret" not in caplog.text
        store = RecordStore.open(settings.storage)
        record = store.save("ABC1234", 0.9, WHEN, spec.target, 1, None)
        store.close()
        assert record.source == spec.label
        assert b"secret" not in open(settings.storage.database_url, "rb").read()


def test_record_from_a_url_with_a_password_stores_the_label(settings, capsys):
    """Finding 4: the password was signed into the record and written to the CSV, beyond repair."""
    store = RecordStore.open(settings.storage)
    record = store.save("ABC1234", 0.9, WHEN, SECRET_URL, 1, np.full((20, 60, 3), 200, np.uint8))
    store.close()
    assert record.source == "rtsp://user:***@127.0.0.1:1/stream"
    for path in settings.storage.database_url, settings.storage.csv_path, settings.storage.head_log_path:
        assert b"secret" not in open(path, "rb").read()
    assert sqlite3.connect(settings.storage.database_url).execute("SELECT source FROM plates").fetchall() == [
        ("rtsp://user:***@127.0.0.1:1/stream",)]
    assert verify_command(settings) == 0  # the label is what is signed
    assert "OK: 1 records" in capsys.readouterr().out


def test_database_url_messages_hide_the_password(settings):
    pytest.importorskip("psycopg")
    for url in ("postgresql://securex:se%zzcret@127.0.0.1:1/securex",  # libpq quotes the bad part
                "postgresql://securex:secret@127.0.0.1:1/securex"):  # nothing listens on port 1
        with pytest.raises(DatabaseError) as refused:
            PostgresDatabase(url)
        assert "securex:***@127.0.0.1:1" in str(refused.value) and "cret" not in str(refused.value)
    with pytest.raises(ConfigError) as unknown:
        changed(settings, DATABASE_URL="mysql://securex:secret@db/securex")  # was taken for a SQLite file name
    assert str(unknown.value).startswith("DATABASE_URL = 'mysql://securex:***@db/securex' is no database")


@pytest.mark.slow
def test_headless_run_on_a_url_with_a_password_never_shows_it(tmp_path):
    """Finding 4 as a user meets it: nothing the run prints or keeps holds the password.

    The stream is unreachable. Whether the run gives up at once or waits for the camera, it is
    stopped with SIGTERM after a while; OpenCV's and FFmpeg's own chatter is turned up to show that
    they do not print it either.
    """
    env = dict(os.environ, OPENCV_LOG_LEVEL="DEBUG", OPENCV_FFMPEG_LOGLEVEL="56")
    process = subprocess.Popen([*MAIN, "run", "--headless", "--source", SECRET_URL, "--data-dir", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = process.communicate(timeout=20)
        gave_up = True
    except subprocess.TimeoutExpired:  # still waiting for the camera
        gave_up = False
        process.terminate()
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    if gave_up:
        assert process.returncode == 2 and "rtsp://user:***@127.0.0.1:1/stream" in err  # it names the stream
    assert "secret" not in out and "secret" not in err and "Traceback" not in err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes(), path


def test_source_password_from_an_environment_variable(monkeypatch):
    monkeypatch.setenv("CAM_PASSWORD", "secret")
    spec = parse_source("rtsp://user:${CAM_PASSWORD}@cam1/live")
    assert (spec.target, spec.label) == ("rtsp://user:secret@cam1/live", "rtsp://user:***@cam1/live")
    monkeypatch.delenv("CAM_PASSWORD")
    with pytest.raises(SourceError) as missing:
        parse_source("rtsp://user:${CAM_PASSWORD}@cam1/live")
    assert str(missing.value) == ("Source rtsp://user:***@cam1/live uses the environment variable CAM_PASSWORD, which "
                                  "is not set: set CAM_PASSWORD before starting SecureX (or give the source in LANES "
                                  "in config.py)")
    assert parse_source("rtsp://cam1/live?x=$HOME").target == "rtsp://cam1/live?x=$HOME"  # only ${NAME} is replaced


@pytest.fixture
def password_camera():
    """An RTSP 'camera' on this PC that answers every request with 401 and a Basic challenge: (its URL, the
    requests it got)."""
    server = socket.create_server(("127.0.0.1", 0))
    requests = []

    def answer(connection):
        with connection:
            data = b""
            while chunk := connection.recv(4096):
                data += chunk
                while b"\r\n\r\n" in data:
                    request, data = data.split(b"\r\n\r\n", 1)
                    requests.append(request)
                    cseq = next(line for line in request.split(b"\r\n") if line.lower().startswith(b"cseq"))
                    connection.sendall(b"RTSP/1.0 401 Unauthorized\r\n" + cseq +
                                       b'\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n')

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"rtsp://user:secret@127.0.0.1:{server.getsockname()[1]}/stream", requests
    server.close()


@pytest.fixture
def camera_asking_for_a_password(password_camera):
    return password_camera[0]


@pytest.mark.slow
def test_ffmpeg_trace_never_shows_the_password(camera_asking_for_a_password, tmp_path):
    """FFmpeg at trace level prints each RTSP request: `Authorization: Basic dXNlcjpzZWNyZXQ=` is user:secret."""
    env = dict(os.environ, OPENCV_FFMPEG_LOGLEVEL="56")
    program = subprocess.Popen([*MAIN, "run", "--headless", "--source", camera_asking_for_a_password,
                                "--data-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    time.sleep(8)  # refused by the camera, SecureX waits for it and asks again
    program.send_signal(signal.SIGTERM)
    stdout, stderr = program.communicate(timeout=60)
    assert program.returncode == 0 and "OPENCV:FFMPEG" in stdout + stderr  # FFmpeg did talk
    assert "No signal from rtsp://user:***@127.0.0.1" in stderr
    for shown in stdout, stderr:
        assert "secret" not in shown and "dXNlcjpzZWNyZXQ" not in shown


@pytest.mark.slow
def test_password_kept_off_the_command_line_reaches_the_camera(password_camera, tmp_path):
    """The finding: `--source rtsp://user:pass@...` shows the password in the process list. With `${NAME}` the
    command line holds the variable's name only; the camera still gets the password (Basic user:secret)."""
    url, requests = password_camera
    source = url.replace("user:secret@", "user:${CAM_PASSWORD}@")
    env = dict(os.environ, CAM_PASSWORD="secret")
    program = subprocess.Popen([*MAIN, "run", "--headless", "--source", source, "--data-dir", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(6)
    with open(f"/proc/{program.pid}/cmdline", "rb") as cmdline:  # what `ps` shows
        assert b"${CAM_PASSWORD}" in cmdline.read()
    program.send_signal(signal.SIGTERM)
    stdout, stderr = program.communicate(timeout=60)
    assert program.returncode == 0, stderr[-2000:]
    assert any(b"Authorization: Basic dXNlcjpzZWNyZXQ=" in r for r in requests)
    assert "No signal from rtsp://user:***@127.0.0.1" in stderr and "secret" not in stdout + stderr
