"""Pseudonyms: the only way a person appears on chain.

A pseudonym is HMAC-SHA256 of the normalised national ID under the enrolment operator's
secret key. Without the key nobody can link a pseudonym to an ID (an unkeyed hash of an
18-character ID could be brute-forced); the raw ID never leaves this module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import Self

from yibao.errors import InputError
from yibao.keys import read_secret, write_secret

_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: \d also matches other digits
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
KEY_ENV = "YIBAO_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32


def normalise_id(national_id: str) -> str:
    """Validate a GB 11643 resident ID number (18 characters, check digit) and upper-case it.

    The error message never repeats the ID itself.
    """
    s = national_id.strip().upper()
    if not _ID_RE.match(s):
        raise InputError("national ID must be 17 digits and a check digit (0-9 or X)")
    total = sum(int(c) * w for c, w in zip(s[:17], _WEIGHTS, strict=True))
    if _CHECK[total % 11] != s[17]:
        raise InputError("national ID check digit does not match (GB 11643)")
    return s


def check_digit(first17: str) -> str:
    """The GB 11643 check digit for 17 digits (for making test IDs)."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


class SecretKey:
    """A secret HMAC key of at least :data:`MIN_KEY_BYTES` bytes, kept as hex in a key file of
    mode 0600; never printed. ``WHAT`` names it in errors."""

    WHAT = "secret key"

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise InputError(f"{self.WHAT} must be at least {MIN_KEY_BYTES} bytes, got {len(key)}")
        self._key = bytes(key)

    @classmethod
    def from_hex(cls, text: str) -> Self:
        t = text.strip().removeprefix("0x")
        try:
            raw = bytes.fromhex(t)
        except ValueError:
            raise InputError(f"{cls.WHAT} must be hex") from None
        return cls(raw)  # outside the try: its InputError (a ValueError) must not be masked

    @classmethod
    def generate(cls) -> Self:
        return cls(os.urandom(32))

    def hex(self) -> str:
        return self._key.hex()

    def save(self, path: Path) -> None:
        """Write the key as hex to a new file of mode 0600 (created so in one step; an
        existing file is never overwritten)."""
        write_secret(path, self.hex() + "\n", replace=False)

    def __repr__(self) -> str:  # never print the key
        return f"{type(self).__name__}(<secret>)"


class PseudonymKey(SecretKey):
    """The operator's secret HMAC key."""

    WHAT = "pseudonym key"

    @classmethod
    def from_env_or_file(cls, path: Path | None) -> PseudonymKey:
        env = os.environ.get(KEY_ENV)
        if env:
            return cls.from_hex(env)
        if path is not None and path.exists():
            return cls.from_hex(read_secret(path))  # refused if the group or others can read it
        raise InputError(f"no pseudonym key: set {KEY_ENV} or create {path} (`yibao deploy` makes one)")

    def pseudonym(self, national_id: str) -> bytes:
        """The 32-byte pseudonym of a national ID."""
        nid = normalise_id(national_id)
        return hmac.new(self._key, nid.encode("ascii"), hashlib.sha256).digest()

def parse_pseudonym(text: str) -> bytes:
    """A pseudonym given as 0x + 64 hex digits."""
    t = text.strip()
    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", t):
        raise InputError("pseudonym must be 0x followed by 64 hex digits")
    b = bytes.fromhex(t[2:])
    if b == bytes(32):
        raise InputError("pseudonym must not be zero")
    return b


__all__ = [
    "KEY_ENV",
    "MIN_KEY_BYTES",
    "PseudonymKey",
    "SecretKey",
    "check_digit",
    "normalise_id",
    "parse_pseudonym",
]
