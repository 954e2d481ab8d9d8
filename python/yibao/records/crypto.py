"""Record encryption: a fresh data key per record version (XChaCha20-Poly1305, IETF AEAD),
the data key sealed to each reader's X25519 public key (libsodium sealed boxes), through PyNaCl.

An envelope is ``MAGIC ‖ nonce (24 bytes) ‖ ciphertext‖tag``; its SHA-256 is what the chain
registers. The associated data binds the plaintext to its person and custodian, so a
ciphertext moved under another person's record does not decrypt even with a right key.
"""

from __future__ import annotations

import hashlib

from nacl import bindings
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.utils import random

from yibao.errors import InputError, RecordTampered

MAGIC = b"YBREC1"
NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
KEY_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#: a sealed data key: ephemeral public key (32) + MAC (16) + the 32-byte key
SEALED_KEY_BYTES = 80


def associated_data(person: bytes, custodian: str) -> bytes:
    """What an envelope's tag covers besides the plaintext: the person's pseudonym and the
    custodian's address (20 bytes)."""
    return b"yibao.record/1" + person + bytes.fromhex(custodian.removeprefix("0x"))


def encrypt(plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """A new envelope of ``plaintext`` and its fresh data key."""
    key = random(KEY_BYTES)
    nonce = random(NONCE_BYTES)
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)
    return MAGIC + nonce + sealed, key


def decrypt(envelope: bytes, key: bytes, aad: bytes, what: str = "the record") -> bytes:
    """The plaintext of an envelope; :class:`RecordTampered` when it is not one or fails its tag."""
    head = len(MAGIC) + NONCE_BYTES
    if len(envelope) < head + 16 or not envelope.startswith(MAGIC):
        raise RecordTampered(f"{what} is not a yibao record envelope")
    try:
        return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(envelope[head:], aad, envelope[len(MAGIC):head],
                                                                   key)
    except CryptoError:
        raise RecordTampered(f"{what} does not decrypt under its data key: tampered with, or another record's") \
            from None


def content_hash(envelope: bytes) -> bytes:
    """SHA-256 of an envelope: the record's hash on chain."""
    return hashlib.sha256(envelope).digest()


def new_secret() -> bytes:
    """A new X25519 secret key (32 bytes)."""
    return bytes(PrivateKey.generate())


def public_key(secret: bytes) -> bytes:
    return bytes(PrivateKey(secret).public_key)


def seal(key: bytes, public: bytes) -> bytes:
    """``key`` sealed to the holder of ``public`` (80 bytes)."""
    if len(public) != 32 or public == bytes(32):
        raise InputError("an encryption key is a 32-byte X25519 public key")
    return bytes(SealedBox(PublicKey(public)).encrypt(key))


def unseal(sealed: bytes, secret: bytes) -> bytes:
    """Open a sealed data key with one's X25519 secret; :class:`RecordTampered` if it is not ours."""
    try:
        key = SealedBox(PrivateKey(secret)).decrypt(sealed)
    except CryptoError:
        raise RecordTampered("the sealed data key does not open with this encryption key") from None
    if len(key) != KEY_BYTES:
        raise RecordTampered("the sealed data key is not a data key")
    return bytes(key)


__all__ = [
    "KEY_BYTES",
    "MAGIC",
    "SEALED_KEY_BYTES",
    "associated_data",
    "content_hash",
    "decrypt",
    "encrypt",
    "new_secret",
    "public_key",
    "seal",
    "unseal",
]
