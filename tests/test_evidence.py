"""The record key: evidence, payment and document references on chain only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pytest
from eth_utils import keccak

from yibao.errors import InputError
from yibao.evidence import EVIDENCE_KEY_ENV, EvidenceKey, digest_in


def test_the_key_is_made_once_with_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EVIDENCE_KEY_ENV, raising=False)
    path = tmp_path / "home" / "evidence.key"
    key = EvidenceKey.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert EvidenceKey.load_or_create(path).digest("audit-7") == key.digest("audit-7")
    assert "audit" not in repr(key) and path.read_text().strip() not in repr(key)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EVIDENCE_KEY_ENV, raising=False)
    path = tmp_path / "evidence.key"
    EvidenceKey.load_or_create(path)
    os.chmod(path, 0o644)
    with pytest.raises(InputError, match="chmod 600"):
        EvidenceKey.load_or_create(path)


def test_a_guessable_reference_is_not_its_plain_hash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = bytes(range(32))
    monkeypatch.setenv(EVIDENCE_KEY_ENV, secret.hex())
    digest = digest_in(tmp_path)
    assert digest("PAY-2026-001") == hmac.new(secret, b"PAY-2026-001", hashlib.sha256).digest()
    assert digest("PAY-2026-001") != keccak(text="PAY-2026-001")
    assert digest("") == bytes(32) and not (tmp_path / "evidence.key").exists()  # env, and nothing to hash


def test_short_keys_are_refused() -> None:
    with pytest.raises(InputError, match="evidence key must be at least 32 bytes"):
        EvidenceKey(b"short")
