"""The bureau's record key: evidence and payment references go on chain only as keyed hashes.

A review's or clawback's evidence ("x-ray 2026-03-04", "audit-7") and a settlement's payment
order number are short, guessable strings: an unkeyed hash of one could be found by trying
candidates. On chain they are HMAC-SHA256 under this key instead, which the bureau keeps
(``evidence.key`` in the home folder, mode 0600, or ``YIBAO_EVIDENCE_KEY``); with the key an
auditor can check that a document matches its hash, without it nobody can.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from yibao import codec
from yibao.identity import MIN_KEY_BYTES, SecretKey
from yibao.keys import read_secret

EVIDENCE_KEY_ENV = "YIBAO_EVIDENCE_KEY"
EVIDENCE_KEY_FILE = "evidence.key"  #: in the home folder

#: The key ``yibao simulate`` uses: a scenario is a rehearsal with made-up evidence, and its
#: gas figures must not depend on a random key.
SIMULATION_KEY = b"yibao simulate: not a bureau key".ljust(MIN_KEY_BYTES, b"\0")


class EvidenceKey(SecretKey):
    """The secret HMAC key for evidence, payment and document references."""

    WHAT = "evidence key"

    @classmethod
    def load_or_create(cls, path: Path) -> EvidenceKey:
        """``YIBAO_EVIDENCE_KEY``, else the key in ``path`` (refused if the group or others can
        read it), else a new key written there with mode 0600 (created so in one step)."""
        env = os.environ.get(EVIDENCE_KEY_ENV)
        if env:
            return cls.from_hex(env)
        if path.exists():
            return cls.from_hex(read_secret(path))
        key = cls.generate()
        key.save(path)
        return key

    def digest(self, text: str) -> bytes:
        """The 32-byte keyed hash of ``text`` (zero for the empty string)."""
        return codec.keyed_hash(self._key, text)



def digest_in(home: Path) -> Callable[[str], bytes]:
    """The keyed hash under the record key of the home folder ``home``; the key is read (or
    made) only when a non-empty text is hashed."""

    def digest(text: str) -> bytes:
        if not text:
            return bytes(32)
        return EvidenceKey.load_or_create(home / EVIDENCE_KEY_FILE).digest(text)

    return digest


__all__ = [
    "EVIDENCE_KEY_ENV", "EVIDENCE_KEY_FILE", "SIMULATION_KEY", "EvidenceKey", "digest_in"
]
