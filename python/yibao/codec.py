"""The wire codec: claims, decisions, codes and rule-base structs as the contracts carry them.

See contracts/interfaces/IClaims.sol and IPolicy.sol.

A claim travels as 32-byte words: invoice word, person pseudonym, documents hash, a meta word
(visit, service day, discharge day, line count, claimed fund), then two words per line (item
code; quantity and unit price). A decision comes back in a `ClaimDecided` event as one packed
word plus the lines packed six to a word. This module is the only place that knows the bits.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from yibao.errors import InputError
from yibao.model.types import CatalogueItem, Category, PolicyVersion, Scheme, is_reason_code
from yibao.units import from_day, to_day

#: Lines a claim may have (the meta word counts them in 8 bits).
MAX_LINES = 255


#: Largest value of each unsigned width the wire uses.
U8, U16, U32, U36, U64 = 2**8 - 1, 2**16 - 1, 2**32 - 1, 2**36 - 1, 2**64 - 1


def check_uint(v: object, top: int, what: str) -> int:
    """``v`` if it is an ``int`` in ``0..top`` (not a bool), else an InputError naming ``what``."""
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top:
        raise InputError(f"{what} must be an integer 0..{top}, not {v!r}")
    return v


def check_fen(v: object, what: str) -> int:
    """A non-negative integer amount of fen, else an InputError naming ``what``."""
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise InputError(f"{what} must be a non-negative integer number of fen, not {v!r}")
    return v



# ---------------------------------------------------------------------- bit layouts
# The words the Python side packs and unpacks, with the names contracts/libraries/Packed.sol
# gives them (tests/contracts/test_codes.py holds the two to the same numbers).

META_VISIT_MASK = 0xFF
META_DAY_SHIFT = 8
META_DISCHARGE_SHIFT = 40
META_DAY_MASK = U32
META_LINES_SHIFT = 72
META_LINES_MASK = 0xFF
META_CLAIMED_GIVEN_SHIFT = 80
META_CLAIMED_SHIFT = 88
META_CLAIMED_MASK = U64
WIRE_META = 3
WIRE_HEAD = 4
WIRE_QTY_MASK = U32
WIRE_PRICE_SHIFT = 32
WIRE_PRICE_MASK = U64
META_UNUSED_MASK = 0xFFFFFFFFFFFFFFFFFFFFFFFFFF0000000000000000FE00000000000000000000
WIRE_LINE_UNUSED_MASK = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000000000000000000000000

CLAIM_STATUS_MASK = 0x7
CLAIM_REASON_SHIFT = 3
CLAIM_REASON_MASK = 0x1F
CLAIM_FLAGS_SHIFT = 8
CLAIM_FLAGS_MASK = 0x7
CLAIM_VISIT_SHIFT = 11
CLAIM_VISIT_MASK = 0x3
CLAIM_DAY_SHIFT = 13
CLAIM_DAY_MASK = 2**22 - 1
CLAIM_MEMBER_SHIFT = 35
CLAIM_MEMBER_MASK = U32
CLAIM_INSTITUTION_SHIFT = 67
CLAIM_INSTITUTION_MASK = 2**24 - 1
CLAIM_BILLED_SHIFT = 107
CLAIM_ELIGIBLE_SHIFT = 143
CLAIM_DEDUCTIBLE_SHIFT = 179
CLAIM_FUND_SHIFT = 215
AMOUNT_MASK = U36

LINE_NOTES_MASK = 0x3F
LINE_ELIGIBLE_SHIFT = 6
LINE_RESULT_BITS = 42
LINE_RESULTS_PER_WORD = 6

# ---------------------------------------------------------------------- codes

def encode_code(code: str) -> bytes:
    """A catalogue code as ``bytes32``: ASCII, right-padded with zero bytes, 1–32 characters."""
    if not isinstance(code, str) or not code:
        raise InputError(f"item code must be a non-empty string, not {code!r}")
    try:
        raw = code.encode("ascii")
    except UnicodeEncodeError:
        raise InputError(f"item code {code!r} is not ASCII") from None
    if len(raw) > 32:
        raise InputError(f"item code {code!r} is longer than 32 characters")
    if b"\0" in raw:
        raise InputError(f"item code {code!r} contains a zero byte")
    return raw.ljust(32, b"\0")


def decode_code(raw: bytes) -> str:
    """The code a ``bytes32`` carries (trailing zero bytes stripped)."""
    return _decode_code(bytes(raw))


@functools.lru_cache(maxsize=65_536)
def _decode_code(raw: bytes) -> str:
    return raw.rstrip(b"\0").decode("ascii", errors="replace")


def reason_word(text: str) -> bytes:
    """A reason code (review, clawback, finding) as ``bytes32``, zero when empty: 1–32 of
    ``A–Z``, ``0–9``, ``_`` (adjudication.md v1.1), never free text. The contracts refuse any
    other word (``ReasonInvalid``)."""
    if not text:
        return bytes(32)
    if not is_reason_code(text):
        shown = text if text.isascii() and len(text) <= 40 else f"{text[:40]!r}…"
        raise InputError(f"reason {shown!r} is not a code: 1-32 of A-Z, 0-9 and _ (no free text on chain)")
    return text.encode("ascii").ljust(32, b"\0")


def decode_reason(raw: bytes) -> str:
    """The reason code a ``bytes32`` carries (what :func:`reason_word` wrote)."""
    return bytes(raw).rstrip(b"\0").decode("ascii", errors="replace")


def keyed_hash(key: bytes, text: str) -> bytes:
    """Evidence or a payment reference as HMAC-SHA256 under the bureau's key (zero when
    empty): without the key a short or guessable string cannot be found from its hash."""
    if not text:
        return bytes(32)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


# ---------------------------------------------------------------------- stored widths

#: Largest value each policy field can be stored with on chain (words A and B of
#: contracts/libraries/Packed.sol); the scenario loader refuses larger ones by field name.
POLICY_FIELD_MAX = {
    "effective_from": 2**20 - 1,  # a day number: before 4840-11-26
    "op_deductible": 2**30 - 1,
    "ip_deductible": 2**32 - 1,
    "op_annual_cap": 2**36 - 1,
    "annual_cap": 2**36 - 1,
    "review_threshold": 2**36 - 1,
    "monthly_visit_limit": 63,
    "waiting_days": 1023,
    "max_claim_age_days": 1023,
    "appeal_days": 2**16 - 1,
    "bps": 10_000,
}
#: Largest values of a catalogue item's limits (IPolicy.Item).
ITEM_FIELD_MAX = {"price_cap": U64, "max_qty": U32, "min_interval_days": U16}


INVOICE_RAW_MAX = 31


def invoice_hash(invoice: str) -> bytes:
    """The hashed form of an invoice number: ``keccak256(utf8) | 1`` (the last bit set, so
    it never ends in the zero byte that marks the raw form; contracts/libraries/Words.sol)."""
    h = bytearray(keccak(invoice.encode("utf-8")))
    h[31] |= 1
    return bytes(h)


def invoice_word(invoice: str) -> bytes:
    """The word a claim carries for its invoice number.

    An invoice number of 1 to 31 UTF-8 bytes without a zero byte travels as itself,
    right-padded with zeros (cheaper calldata than a hash, and readable by an auditor); any
    other travels as :func:`invoice_hash`. Both forms of one number give one claim id
    (:func:`invoice_key`)."""
    raw = invoice.encode("utf-8")
    if not raw:
        raise InputError("an invoice number must not be empty")
    if len(raw) <= INVOICE_RAW_MAX and b"\0" not in raw:
        return raw.ljust(32, b"\0")
    return invoice_hash(invoice)


def invoice_key(word: bytes) -> bytes:
    """The canonical key of an invoice word, as ``Words.invoiceKey`` computes it: the raw form
    (last byte zero) becomes :func:`invoice_hash` of its bytes; the hashed form (last bit set)
    is itself. Any other word is malformed (the contract reverts ``InvoiceMalformed``)."""
    w = bytes(word)
    if len(w) != 32:
        raise InputError(f"an invoice word is 32 bytes, not {len(w)}")
    if w[31] == 0:
        raw = w.rstrip(b"\0")
        if not raw or b"\0" in raw:
            raise InputError(f"invoice word 0x{w.hex()} is malformed (a zero byte inside the number)")
        h = bytearray(keccak(raw))
        h[31] |= 1
        return bytes(h)
    if not w[31] & 1:
        raise InputError(f"invoice word 0x{w.hex()} is malformed (a hashed form has its last bit set)")
    return w


def claim_id(institution: str, invoice: bytes) -> bytes:
    """``keccak256(abi.encode(institution, invoice_key(invoice word)))``: what the contract
    names a claim (docs/decisions.md)."""
    return keccak(abi_encode(["address", "bytes32"], [to_checksum_address(institution), invoice_key(invoice)]))


def claim_id_of(institution: str, invoice: str) -> bytes:
    """The id a claim of ``institution`` with this invoice number gets (computed locally)."""
    return claim_id(institution, invoice_word(invoice))


class WireLine(NamedTuple):
    """One line of a claim on the wire."""

    code: str
    qty: int
    unit_price: int


def encode_claim(invoice: str, person: bytes, visit: int, service_date: dt.date,
        lines: Sequence[WireLine], discharge: dt.date | None = None, claimed_fund: int | None = None,
        documents: bytes = bytes(32)) -> list[bytes]:
    """The words of one claim. Out-of-range numbers are an InputError; semantic problems
    (no lines, a zero quantity, a discharge before admission) are left for the contract to
    refuse with its named error."""
    if len(person) != 32 or len(documents) != 32:
        raise InputError("person pseudonym and documents hash must be 32 bytes")
    if len(lines) > MAX_LINES:
        raise InputError(f"a claim has at most {MAX_LINES} lines, not {len(lines)}")
    if not 0 <= int(visit) <= 255:
        raise InputError(f"visit type {visit} out of range")
    meta = int(visit) | (to_day(service_date) << META_DAY_SHIFT) | (len(lines) << META_LINES_SHIFT)
    if discharge is not None:
        meta |= to_day(discharge) << META_DISCHARGE_SHIFT
    if claimed_fund is not None:
        if not 0 <= claimed_fund <= U64:
            raise InputError(f"claimed_fund {claimed_fund} out of range")
        meta |= (1 << META_CLAIMED_GIVEN_SHIFT) | (claimed_fund << META_CLAIMED_SHIFT)
    words = [invoice_word(invoice), bytes(person), bytes(documents), meta.to_bytes(32, "big")]
    for i, line in enumerate(lines):
        if not 0 <= line.qty <= U32:
            raise InputError(f"line {i + 1}: quantity {line.qty} out of range")
        if not 0 <= line.unit_price <= U64:
            raise InputError(f"line {i + 1}: unit price {line.unit_price} out of range")
        words.append(encode_code(line.code))
        words.append((line.qty | (line.unit_price << WIRE_PRICE_SHIFT)).to_bytes(32, "big"))
    return words


class WireClaim(NamedTuple):
    """A claim read back from its words (what :func:`encode_claim` wrote). A named tuple, like
    :class:`WireLine`: a history is read back by the hundred thousand, and a tuple is made
    several times faster than a frozen dataclass."""

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
        if o + WIRE_HEAD > len(words):
            raise ValueError(f"claim words end inside the claim at word {o}")
        meta = int.from_bytes(words[o + WIRE_META], "big")
        n = (meta >> META_LINES_SHIFT) & META_LINES_MASK
        if o + WIRE_HEAD + 2 * n > len(words):
            raise ValueError(f"claim words end inside the claim at word {o}")
        lines = []
        for i in range(o + WIRE_HEAD, o + WIRE_HEAD + 2 * n, 2):
            v = int.from_bytes(words[i + 1], "big")
            lines.append(WireLine(_decode_code(bytes(words[i])), v & WIRE_QTY_MASK,
                                  (v >> WIRE_PRICE_SHIFT) & WIRE_PRICE_MASK))
        out.append(WireClaim(
            bytes(words[o]), bytes(words[o + 1]), bytes(words[o + 2]), meta & META_VISIT_MASK,
            (meta >> META_DAY_SHIFT) & META_DAY_MASK, (meta >> META_DISCHARGE_SHIFT) & META_DAY_MASK,
            (meta >> META_CLAIMED_SHIFT) & META_CLAIMED_MASK if (meta >> META_CLAIMED_GIVEN_SHIFT) & 1 else None,
            tuple(lines)))
        o += WIRE_HEAD + 2 * n
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
    return (decision >> CLAIM_REASON_SHIFT) & CLAIM_REASON_MASK


def line_words(line_count: int) -> int:
    """How many words carry the line results of a claim of ``line_count`` evaluated lines
    (``ClaimDecided.lines``, then ``ClaimLines.more``): at least one."""
    return max(1, -(-line_count // LINE_RESULTS_PER_WORD))


def decode_decision(claim_id: bytes, decision: int, packed_lines: Sequence[int], line_count: int) -> WireDecision:
    """A `ClaimDecided` event: `decision` is the claim's stored word (Packed.sol: status 0..2,
    reason 3..7, flags 8..10, visit 11..12, service day 13..34, member 35..66, institution
    67..90, epoch 91..106, billed, eligible, deductible and fund 36 bits each from 107)."""
    lines = []
    for i in range(line_count if packed_lines else 0):
        word = packed_lines[i // LINE_RESULTS_PER_WORD]
        v = (word >> (LINE_RESULT_BITS * (i % LINE_RESULTS_PER_WORD))) & ((1 << LINE_RESULT_BITS) - 1)
        lines.append((v >> LINE_ELIGIBLE_SHIFT, v & LINE_NOTES_MASK))
    return WireDecision(
        bytes(claim_id),
        decision & CLAIM_STATUS_MASK,
        decision_reason(decision),
        (decision >> CLAIM_FLAGS_SHIFT) & CLAIM_FLAGS_MASK,
        (decision >> CLAIM_VISIT_SHIFT) & CLAIM_VISIT_MASK,
        (decision >> CLAIM_MEMBER_SHIFT) & CLAIM_MEMBER_MASK,
        (decision >> CLAIM_BILLED_SHIFT) & AMOUNT_MASK,
        (decision >> CLAIM_ELIGIBLE_SHIFT) & AMOUNT_MASK,
        (decision >> CLAIM_DEDUCTIBLE_SHIFT) & AMOUNT_MASK,
        (decision >> CLAIM_FUND_SHIFT) & AMOUNT_MASK,
        tuple(lines),
    )


# ---------------------------------------------------------------------- rule base structs


def policy_tuple(p: PolicyVersion) -> tuple[Any, ...]:
    """A model :class:`PolicyVersion` as the ``IPolicy.Policy`` struct (dates → day numbers)."""
    def u(name: str, top: int) -> int:
        return check_uint(getattr(p, name), top, f"policy {name}")

    def table(name: str, top: int) -> list[int]:
        return [check_uint(v, top, f"policy {name}[{i}]") for i, v in enumerate(getattr(p, name))]

    return (
        to_day(p.effective_from), u("op_deductible", U64), table("ip_deductible", U64),
        table("op_ratio_bps", U16), table("ip_ratio_bps", U16),
        u("op_annual_cap", U64), u("annual_cap", U64), u("monthly_visit_limit", U16),
        u("class_b_self_pay_bps", U16), u("cross_region_cut_bps", U16), u("waiting_days", U16),
        u("review_threshold", U64), u("max_claim_age_days", U16), u("appeal_days", U16),
    )


def policy_from_tuple(region: int, scheme: Scheme, t: Sequence[Any]) -> PolicyVersion:
    """An ``IPolicy.Policy`` struct read from the chain as a model :class:`PolicyVersion`."""
    (eff, opd, ipd, opr, ipr, opcap, cap, visits, classb, cut, wait, review, age, appeal) = t
    return PolicyVersion(
        region=region, scheme=scheme, effective_from=from_day(eff), op_deductible=opd,
        ip_deductible=tuple(ipd), op_ratio_bps=tuple(opr), ip_ratio_bps=tuple(ipr),
        op_annual_cap=opcap, annual_cap=cap, monthly_visit_limit=visits,
        class_b_self_pay_bps=classb, cross_region_cut_bps=cut, waiting_days=wait,
        review_threshold=review, max_claim_age_days=age, appeal_days=appeal,
    )


def item_tuple(it: CatalogueItem) -> tuple[Any, ...]:
    """A model :class:`CatalogueItem` as the ``IPolicy.Item`` struct."""
    return (
        encode_code(it.code), int(it.category),
        check_uint(it.price_cap, ITEM_FIELD_MAX["price_cap"], f"{it.code} price_cap"),
        bool(it.inpatient_only),
        check_uint(it.max_qty, ITEM_FIELD_MAX["max_qty"], f"{it.code} max_qty"),
        check_uint(it.min_interval_days, ITEM_FIELD_MAX["min_interval_days"], f"{it.code} min_interval_days"),
    )


def item_from_tuple(t: Sequence[Any]) -> CatalogueItem:
    """An ``IPolicy.Item`` struct read from the chain as a model :class:`CatalogueItem`."""
    raw, category, price_cap, inpatient_only, max_qty, interval = t
    return CatalogueItem(decode_code(raw), Category(category), price_cap, inpatient_only, max_qty, interval)


__all__ = [
    "INVOICE_RAW_MAX",
    "ITEM_FIELD_MAX",
    "MAX_LINES",
    "POLICY_FIELD_MAX",
    "U8",
    "U16",
    "U32",
    "U36",
    "U64",
    "WireClaim",
    "WireDecision",
    "WireLine",
    "check_fen",
    "check_uint",
    "claim_id",
    "claim_id_of",
    "decision_reason",
    "decode_claims",
    "decode_code",
    "decode_decision",
    "decode_reason",
    "encode_claim",
    "encode_code",
    "invoice_hash",
    "invoice_key",
    "invoice_word",
    "item_from_tuple",
    "item_tuple",
    "keyed_hash",
    "line_words",
    "policy_from_tuple",
    "policy_tuple",
    "reason_word",
]
