"""The wire format of claims and decisions (contracts/interfaces/IClaims.sol).

A claim travels as 32-byte words: invoice word, person pseudonym, documents hash, a meta word
(visit, service day, discharge day, line count, claimed fund), then two words per line (item
code; quantity and unit price). A decision comes back in a `ClaimDecided` event as one packed
word plus the lines packed six to a word. This module is the only place that knows the bits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from yibao.units import to_day
from yibao.errors import InputError

M32 = (1 << 32) - 1
M36 = (1 << 36) - 1
M64 = (1 << 64) - 1
MAX_LINES = 255


def encode_code(code: str) -> bytes:
    """A catalogue code as bytes32: ASCII, right-padded with zero bytes."""
    try:
        raw = code.encode("ascii")
    except UnicodeEncodeError:
        raise InputError(f"item code {code!r} must be ASCII") from None
    if not raw or len(raw) > 32 or b"\0" in raw:
        raise InputError(f"item code {code!r} must be 1 to 32 ASCII characters")
    return raw.ljust(32, b"\0")


def decode_code(raw: bytes) -> str:
    return bytes(raw).rstrip(b"\0").decode("ascii", errors="replace")


INVOICE_RAW_MAX = 31


def invoice_word(invoice: str) -> bytes:
    """The word a claim carries for its invoice number (the claim id derives from it).

    An invoice number of 1 to 31 UTF-8 bytes without a zero byte travels as itself,
    right-padded with zeros (cheaper calldata than a hash, and readable by an auditor); any
    other travels as keccak256 of its UTF-8 bytes. A padded word always ends in a zero byte,
    so the two forms cannot be confused short of a keccak preimage."""
    raw = invoice.encode("utf-8")
    if not raw:
        raise InputError("an invoice number must not be empty")
    if len(raw) <= INVOICE_RAW_MAX and b"\0" not in raw:
        return raw.ljust(32, b"\0")
    return keccak(raw)


def claim_id(institution: str, invoice: bytes) -> bytes:
    """``keccak256(abi.encode(institution, invoice word))``: what the contract names a claim
    (docs/decisions.md)."""
    return keccak(abi_encode(["address", "bytes32"], [to_checksum_address(institution), invoice]))


@dataclass(frozen=True)
class WireLine:
    code: str
    qty: int
    unit_price: int


def encode_claim(
    invoice: str,
    person: bytes,
    visit: int,
    service_date: dt.date,
    lines: Sequence[WireLine],
    discharge: dt.date | None = None,
    claimed_fund: int | None = None,
    documents: bytes = bytes(32),
) -> list[bytes]:
    """The words of one claim. Out-of-range numbers are an InputError; semantic problems
    (no lines, a zero quantity, a discharge before admission) are left for the contract to
    refuse with its named error."""
    if len(person) != 32 or len(documents) != 32:
        raise InputError("person pseudonym and documents hash must be 32 bytes")
    if len(lines) > MAX_LINES:
        raise InputError(f"a claim has at most {MAX_LINES} lines, not {len(lines)}")
    if not 0 <= int(visit) <= 255:
        raise InputError(f"visit type {visit} out of range")
    meta = int(visit) | (to_day(service_date) << 8) | (len(lines) << 72)
    if discharge is not None:
        meta |= to_day(discharge) << 40
    if claimed_fund is not None:
        if not 0 <= claimed_fund <= M64:
            raise InputError(f"claimed_fund {claimed_fund} out of range")
        meta |= (1 << 80) | (claimed_fund << 88)
    words = [invoice_word(invoice), bytes(person), bytes(documents), meta.to_bytes(32, "big")]
    for i, line in enumerate(lines):
        if not 0 <= line.qty <= M32:
            raise InputError(f"line {i + 1}: quantity {line.qty} out of range")
        if not 0 <= line.unit_price <= M64:
            raise InputError(f"line {i + 1}: unit price {line.unit_price} out of range")
        words.append(encode_code(line.code))
        words.append((line.qty | (line.unit_price << 32)).to_bytes(32, "big"))
    return words


@dataclass(frozen=True)
class WireClaim:
    """A claim read back from its words (what :func:`encode_claim` wrote)."""

    invoice: bytes  # the invoice word (invoice_word)
    person: bytes
    documents: bytes
    visit: int
    service_day: int
    discharge_day: int  # 0 when none
    claimed_fund: int | None
    lines: tuple[WireLine, ...]


def decode_claims(words: Sequence[bytes]) -> list[WireClaim]:
    """The claims packed in ``words`` (a ``submitClaims`` argument); ValueError if truncated."""
    out: list[WireClaim] = []
    o = 0
    while o < len(words):
        if o + 4 > len(words):
            raise ValueError(f"claim words end inside the claim at word {o}")
        meta = int.from_bytes(words[o + 3], "big")
        n = (meta >> 72) & 0xFF
        if o + 4 + 2 * n > len(words):
            raise ValueError(f"claim words end inside the claim at word {o}")
        lines = []
        for i in range(n):
            v = int.from_bytes(words[o + 5 + 2 * i], "big")
            lines.append(WireLine(decode_code(words[o + 4 + 2 * i]), v & M32, (v >> 32) & M64))
        out.append(WireClaim(
            bytes(words[o]), bytes(words[o + 1]), bytes(words[o + 2]), meta & 0xFF,
            (meta >> 8) & M32, (meta >> 40) & M32,
            (meta >> 88) & M64 if (meta >> 80) & 1 else None, tuple(lines)))
        o += 4 + 2 * n
    return out


@dataclass(frozen=True)
class WireDecision:
    """A decoded `ClaimDecided` event."""

    claim_id: bytes
    status: int
    reason: int
    flags: int
    visit: int
    member: int
    billed: int
    eligible: int
    deductible: int
    fund: int
    lines: tuple[tuple[int, int], ...]  # (eligible, notes) per line, in order


def decision_reason(decision: int) -> int:
    """The reason code in a `ClaimDecided` word (the claim word of contracts/libraries/Packed.sol)."""
    return (decision >> 3) & 0x1F


def decode_decision(claim_id: bytes, decision: int, packed_lines: Sequence[int], line_count: int) -> WireDecision:
    """A `ClaimDecided` event: `decision` is the claim's stored word (Packed.sol: status 0..2,
    reason 3..7, flags 8..10, visit 11..12, service day 13..34, member 35..66, institution
    67..90, epoch 91..106, billed, eligible, deductible and fund 36 bits each from 107)."""
    lines = []
    for i in range(line_count if packed_lines else 0):
        v = (packed_lines[i // 6] >> (42 * (i % 6))) & ((1 << 42) - 1)
        lines.append((v >> 6, v & 0x3F))
    return WireDecision(
        bytes(claim_id),
        decision & 0x7,
        decision_reason(decision),
        (decision >> 8) & 0x7,
        (decision >> 11) & 0x3,
        (decision >> 35) & M32,
        (decision >> 107) & M36,
        (decision >> 143) & M36,
        (decision >> 179) & M36,
        (decision >> 215) & M36,
        tuple(lines),
    )
