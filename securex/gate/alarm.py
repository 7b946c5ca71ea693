"""The alarm: the alert sound, played over and over while a flagged vehicle is not acknowledged.

It never holds up the picture: a system player runs in the background (Linux paplay, pw-play or aplay;
macOS afplay) and is looked at, not waited for; Windows plays the sound itself (winsound, looping,
asynchronous). A PC without a sound card or a player logs once that the sound cannot play; the alert
stays on screen.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)
PLAYERS = {"darwin": ["afplay"]}.get(sys.platform, ["paplay", "pw-play", "aplay"])
REPEAT_SECONDS = 1.0  # a sound that ends at once is not started again sooner than this
STOP_SECONDS = 2.0


class Alarm:
    def __init__(self, sound: Optional[Path]):
        self._sound = sound
        self._player = next((p for p in map(shutil.which, PLAYERS) if p), None)
        self._process: Optional[subprocess.Popen] = None
        self._started = -REPEAT_SECONDS
        self._looping = False  # Windows: the sound is looping
        self._failed = False  # this alert's sound cannot play (said once)

    def update(self, ringing: bool) -> None:
        """Called every frame: keeps the sound going while `ringing`, stops it when not."""
        if not ringing:
            self._stop()
            self._failed = False
            return
        if self._sound is None or self._failed:
            return
        if sys.platform == "win32":
            self._loop_on_windows()
            return
        if self._process is not None:
            code = self._process.poll()
            if code is None:
                return
            self._ended(code)
        if not self._failed and time.monotonic() - self._started >= REPEAT_SECONDS:
            self._start()

    def _start(self) -> None:
        if self._player is None:
            self._cannot_play(f"no sound player found ({', '.join(PLAYERS)})")
            return
        self._started = time.monotonic()
        try:
            self._process = subprocess.Popen([self._player, str(self._sound)], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:
            self._cannot_play(f"{self._player}: {exc.strerror or exc}")

    def _ended(self, code: int) -> None:
        process, self._process = self._process, None
        error = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
        process.stderr.close()
        if code != 0:
            last = error.splitlines()[-1] if error else f"exit code {code}"
            self._cannot_play(f"{Path(self._player).name}: {last}")

    def _loop_on_windows(self) -> None:
        if self._looping:
            return
        import winsound

        try:
            winsound.PlaySound(str(self._sound), winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_LOOP)
            self._looping = True
        except RuntimeError as exc:
            self._cannot_play(str(exc))

    def _cannot_play(self, why: str) -> None:
        self._failed = True
        log.warning("The alarm sound cannot play (%s): check the speakers or the sound card; the alert stays on "
                    "screen", why)

    def _stop(self) -> None:
        if self._looping:
            import winsound

            winsound.PlaySound(None, 0)
            self._looping = False
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()

    def close(self) -> None:
        self._stop()
