"""Each account's X25519 encryption secret, kept in the home beside its signing keys.

``encryption/<address>.key`` holds the secret as hex, created 0600 in one step like every key
file (:func:`yibao.keys.write_secret`). It is a different key from the account's signing key:
losing it loses access to what was sealed to it, not the account."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

from yibao.errors import InputError
from yibao.keys import read_secret, write_secret
from yibao.records.crypto import new_secret, public_key

FOLDER = "encryption"


class EncryptionSecrets:
    """The encryption secrets of a home's accounts."""

    def __init__(self, home: Path) -> None:
        self.folder = home / FOLDER

    def path(self, account: str) -> Path:
        return self.folder / f"{Web3.to_checksum_address(account)}.key"

    def has(self, account: str) -> bool:
        return self.path(account).exists()

    def secret(self, account: str) -> bytes:
        """The account's secret; a one-line error naming the account when this home has none."""
        path = self.path(account)
        if not path.exists():
            raise InputError(f"no encryption key of {Web3.to_checksum_address(account)} in this home "
                             f"(`yibao record key ACCOUNT` makes and registers one)")
        text = read_secret(path).strip()
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            secret = b""
        if len(secret) != 32:
            raise InputError(f"{path}: not an X25519 secret key (64 hex digits)")
        return secret

    def create(self, account: str) -> bytes:
        """A new secret for the account (never over an existing one); its public key."""
        secret = new_secret()
        write_secret(self.path(account), secret.hex() + "\n", replace=False)
        return public_key(secret)

    def public(self, account: str) -> bytes:
        return public_key(self.secret(account))


__all__ = ["FOLDER", "EncryptionSecrets"]
