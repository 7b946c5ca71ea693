"""URLs as they may be shown and stored: without the passwords they were given with.

A camera or database URL may carry a password (`rtsp://user:secret@host/...`,
`postgresql://securex:secret@db/securex`, `...?password=secret`). Logs, records, the CSV, the
screen and error messages get `hide_password(url)` instead: each password becomes `***`, the rest
stays as written. The label is stable (the same URL always gives the same label, so the records of
one camera group together, also after its password changes), and `user:***@` says that a password
was given and hidden, which matters when a camera refuses the login.
"""

from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import unquote

HIDDEN = "***"
# Network streams OpenCV's FFmpeg opens: RTSP (rtsps: over TLS), RTMP and its variants, HTTP(S) (MJPEG, HLS),
# SRT, RTP, UDP/TCP, MMS.
STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "rtmpt", "rtmpts", "rtmpe", "rtmpte", "http", "https", "srt",
                  "rtp", "udp", "tcp", "tls", "mmsh", "mmst")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+)://")
# Query parameters that carry a secret (the whole name, any case).
SECRET_PARAMETERS = re.compile(r"(?i)(pass|passwd|password|passphrase|pwd|secret|token|access_token|auth|key|apikey|"
                               r"api_key|signature|sig)")


def hide_password(text: str) -> str:
    """`text` with the password of a `scheme://user:password@host` URL and secret query values as ***.

    Anything that is not a URL (a camera index, a file path, a SQLite path) comes back unchanged;
    hiding twice gives the same label as hiding once.
    """
    return _parse(str(text))[0]


def expand_variables(text: str, environ: Mapping[str, str]) -> str:
    """`text` with each `${NAME}` replaced by the environment variable NAME, so a camera password need not be
    written on the command line (`rtsp://user:${CAM_PASSWORD}@host/...`); ValueError naming a variable not set."""
    def value(match: re.Match) -> str:
        if match.group(1) not in environ:
            raise ValueError(match.group(1))
        return environ[match.group(1)]

    return _VARIABLE.sub(value, text)


def url_scheme(text: str) -> str:
    """The scheme of a `scheme://...` URL in lower case, or "" for anything else (a file path, a camera index)."""
    match = _SCHEME.match(str(text).strip())
    return match.group(1).lower() if match else ""


def hide_passwords_in(message: str, url: str) -> str:
    """A message about `url` (e.g. a database driver's error) with the URL's passwords replaced by ***."""
    for secret in sorted(_parse(str(url))[1], key=len, reverse=True):
        message = message.replace(secret, HIDDEN)
    return message


def _parse(text: str) -> tuple[str, set[str]]:
    """(the label, the secrets it hides, as written and percent-decoded)."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text, set()
    secrets = set()
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, at, host = authority.rpartition("@")  # the host follows the last @ (a password may hold one)
    if at:
        user, colon, password = userinfo.partition(":")
        authority = f"{user}:{HIDDEN}@{host}" if colon else f"{user}@{host}"
        secrets.add(password)
    path, question, query = tail.partition("?")
    if question:
        query, hash_mark, fragment = query.partition("#")
        parameters = []
        for parameter in query.split("&"):
            name, equals, value = parameter.partition("=")
            if equals and SECRET_PARAMETERS.fullmatch(name):
                parameter = f"{name}={HIDDEN}"
                secrets.add(value)
            parameters.append(parameter)
        tail = f"{path}?{'&'.join(parameters)}{hash_mark}{fragment}"
    secrets |= {unquote(s) for s in secrets}
    return f"{scheme}://{authority}{tail}", {s for s in secrets if s and s != HIDDEN}
