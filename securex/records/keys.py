"""The signing key: exactly 32 random bytes in a file outside the database, pinned to the database by
its fingerprint.

The fingerprint (the first 16 hex digits of SHA-256 over a fixed label and the key) names the key
without giving it away. The first key to open a database has its fingerprint stored there (after
proving it signed the records already in it); any other key is then refused in one line instead of
every record looking edited. The fingerprint is shown by `verify` and the session summary so a
manager can note it down with the chain head: a key swapped together with the stored fingerprint
shows as a different fingerprint.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from securex.core.domain import Record
from securex.core.errors import SecureXError
from securex.records.chain import anchor_mac, record_hash
from securex.records.db import RECORD_COLUMNS, Database
from securex.records.migrations import Execute

log = logging.getLogger(__name__)
KEY_BYTES = 32
FINGERPRINT_LABEL = b"SecureX signing key fingerprint\n"
PIN_LOCK = "securex: signing key"  # writer lock name held while the fingerprint is checked and stored


class KeyFileError(SecureXError):
    """The signing key cannot be read or created, or is not the database's; the message says what to do."""


def load_or_create_key(path: Path, create: bool) -> bytes:
    """The signing key; created (owner-only, 0600) on the first run when `create` is set."""
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            raise KeyFileError(f"Key file not found at {path}: records can only be checked with the key that "
                               "signed them (set KEY_PATH in config.py)") from None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"Key file {path} cannot be read ({exc}): restore it from your backup") from None
    else:
        if len(key) != KEY_BYTES:
            raise KeyFileError(f"Key file {path} holds {len(key)} bytes, not the {KEY_BYTES} of a SecureX key: "
                               "restore it from your backup")
        return key
    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(key.hex() + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, path)  # atomic, and never replaces a key another process made first
    except FileExistsError:
        return load_or_create_key(path, create=False)
    except OSError as exc:
        raise KeyFileError(f"Key file {path} cannot be created ({exc.strerror or exc}): check the folder "
                           "is writable or set KEY_PATH in config.py") from None
    finally:
        temporary.unlink(missing_ok=True)
    log.info("Created the record signing key %s: back it up, verify needs it", path)
    return key


def key_fingerprint(key: bytes) -> str:
    return hashlib.sha256(FINGERPRINT_LABEL + key).hexdigest()[:16]


def pin_key(database: Database, key: bytes, path: Path) -> None:
    """Make sure the key is the database's: its fingerprint is stored on first use (a key that signed none of
    the records already there is refused) and compared ever after. KeyFileError when it is another key."""
    mine = key_fingerprint(key)
    with database.writing(PIN_LOCK) as execute:
        rows = execute("SELECT fingerprint FROM chain_key", ())
        if rows and rows[0][0] != mine:
            raise KeyFileError(f"This key does not match the database: {path} has fingerprint {mine}, the records "
                               f"were signed with {rows[0][0]}; use that key (restore it from your backup)")
        if rows:
            return
        if not _signed_any(execute, key):
            raise KeyFileError(f"This key does not match the database: {path} (fingerprint {mine}) signed none "
                               "of its records; use the key that did (restore it from your backup)")
        execute("INSERT INTO chain_key (fingerprint) VALUES (?)", (mine,))
    log.info("Signing key fingerprint %s stored in the database %s", mine, database.label)


def _signed_any(execute: Execute, key: bytes) -> bool:
    """True for an empty database, or when the key signed at least one of its records or prune anchors."""
    anchors = execute("SELECT gate, seq, hash, mac FROM chain_anchor", ())
    if any(hmac.compare_digest(mac, anchor_mac(key, gate, int(seq), hash_)) for gate, seq, hash_, mac in anchors):
        return True
    rows = execute("SELECT " + ", ".join(RECORD_COLUMNS) + " FROM plates ORDER BY id DESC", ())
    if not rows and not anchors:
        return True
    return any(hmac.compare_digest(record.hash, record_hash(key, record)) for record in (Record(*r) for r in rows))
