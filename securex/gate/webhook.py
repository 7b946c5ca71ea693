"""Webhooks: each event POSTed as JSON to a URL of the site's choosing, and HTTP calls (a relay box).

The body is the event as JSON (`Content-Type: application/json`), or with WEBHOOK_SEND_IMAGE the form
`multipart/form-data` with a part `event` (the JSON) and a part `image` (the plate photo, JPEG). Headers:
`X-SecureX-Event` (the event id: de-duplicate by it), and with WEBHOOK_SECRET `X-SecureX-Signature:
sha256=HEX`, the HMAC-SHA256 of the exact body bytes with the secret. An answer 2xx is delivered;
anything else (an error status, no answer within the timeout, no connection) is tried again later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from pathlib import Path
from typing import Optional
from urllib import error, request
from urllib.parse import unquote, urlsplit, urlunsplit

from securex import __version__
from securex.core.urls import hide_password
from securex.gate.receivers import DeliveryError

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-SecureX-Signature"
EVENT_HEADER = "X-SecureX-Event"


def http_call(url: str, method: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    """One HTTP request; returns on a 2xx answer, DeliveryError (one line, no password) otherwise.
    A `user:password@` in the URL is sent as HTTP Basic authentication."""
    label = hide_password(url)
    parts = urlsplit(url)
    if parts.username is not None:
        login = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("utf-8")
        headers = {**headers, "Authorization": "Basic " + base64.b64encode(login).decode("ascii")}
        url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    call = request.Request(url, data=body if method != "GET" else None, method=method,
                           headers={"User-Agent": f"SecureX/{__version__}", **headers})
    try:
        with request.urlopen(call, timeout=timeout) as answer:
            answer.read()
    except error.HTTPError as exc:
        raise DeliveryError(f"{label} answered {exc.code} {exc.reason}") from None
    except (error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise DeliveryError(f"{label} gave no answer within {timeout:.0f} s") from None
        raise DeliveryError(f"{label} not reachable ({getattr(reason, 'strerror', None) or reason})") from None


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def multipart(event_json: bytes, image: bytes, image_name: str) -> tuple[bytes, str]:
    """The form body with the event and the photo, and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        (f'--{boundary}\r\nContent-Disposition: form-data; name="event"\r\n'
         "Content-Type: application/json\r\n\r\n").encode("ascii") + event_json + b"\r\n",
        (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{image_name}"\r\n'
         "Content-Type: image/jpeg\r\n\r\n").encode("ascii") + image + b"\r\n",
        f"--{boundary}--\r\n".encode("ascii"),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class WebhookReceiver:
    def __init__(self, name: str, url: str, secret: Optional[str], send_image: bool, images_dir: Path,
                 timeout_seconds: float):
        self.name, self._url, self._secret = name, url, secret
        self._send_image, self._images_dir, self._timeout = send_image, images_dir, timeout_seconds

    def deliver(self, event: dict) -> None:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        content_type = "application/json"
        photo = self._photo(event.get("image") or "")
        if photo is not None:
            body, content_type = multipart(body, photo, event["image"])
        headers = {"Content-Type": content_type, EVENT_HEADER: event["event_id"]}
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        http_call(self._url, "POST", body, headers, self._timeout)

    def _photo(self, name: str) -> Optional[bytes]:
        if not (self._send_image and name):
            return None
        try:
            return (self._images_dir / Path(name).name).read_bytes()
        except OSError as exc:  # pruned or moved: the event still goes, without its photo
            log.warning("Plate photo %s not sent with the webhook (%s)", name, exc.strerror or exc)
            return None

    def close(self) -> None:
        """Nothing held between calls."""
