"""A file of claims in JSON Lines: one claim an object a line, every line checked before any
claim is used.

Each object has the fields of ``yibao claim submit``::

    {"invoice": "INV-1", "id": "110101199003074274", "visit": "OUTPATIENT", "date": "2026-03-01",
     "lines": [{"code": "XA01", "qty": 2, "unit_price": 12550}], "claimed_fund": 15300}

- ``invoice`` (required), exactly one of ``id`` (a national ID, hashed with the operator key
  as it is read) and ``pseudonym`` (0x + 64 hex digits);
- ``visit``: OUTPATIENT (default), INPATIENT or PHARMACY; ``date``: the service (admission)
  date, default the chain's today; ``discharge``: an inpatient claim's discharge date;
- ``lines``: at least one ``{"code", "qty", "unit_price"}``, ``qty`` ≥ 1, prices in fen;
- ``claimed_fund`` (fen) and ``documents`` (a reference, stored as its keyed hash under the
  institution's record key: ``digest``, see :mod:`yibao.evidence`), optional.

A bad line is one :class:`~yibao.errors.InputError` naming the file, the line and the field,
e.g. ``claims.jsonl:7: lines[1].qty: must be an integer ≥ 1``. What the contract would refuse
as malformed (no lines, a zero quantity, a discharge date where none belongs …) is refused
here, by field, so that nothing of a file is sent when one of its claims is malformed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yibao import codec, inputs
from yibao.client import ClaimInput
from yibao.errors import InputError
from yibao.identity import parse_pseudonym
from yibao.model.types import ClaimLine, VisitType, parse_enum
from yibao.units import parse_date

#: The fields a claim line may have.
CLAIM_FIELDS = ("invoice", "id", "pseudonym", "visit", "date", "discharge", "lines", "claimed_fund", "documents")
#: A claim's total billed must stay below this many fen (the contracts keep 36-bit amounts).
MAX_BILLED = codec.AMOUNT_MASK + 1
#: The first day the chain can name (it counts days from then).
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class ClaimEntry:
    """One claim of a file and where it came from (``label`` is ``FILE:LINE``)."""

    label: str
    line: int
    claim: ClaimInput


class _Bad(Exception):
    """A field's problem, before the file and line are put in front of it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")


def _text(doc: dict[str, Any], name: str, required: bool = False) -> str | None:
    v = doc.get(name)
    if v is None:
        if required:
            raise _Bad(name, "required")
        return None
    if not isinstance(v, str) or not v.strip():
        raise _Bad(name, "must be a non-empty string")
    return v


def _count(v: object, field: str, least: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < least:
        raise _Bad(field, f"must be an integer ≥ {least}")
    return v


def _lines(doc: dict[str, Any]) -> list[ClaimLine]:
    raw = doc.get("lines")
    if not isinstance(raw, list) or not raw:
        raise _Bad("lines", "must be a non-empty list of {\"code\", \"qty\", \"unit_price\"}")
    if len(raw) > codec.MAX_LINES:
        raise _Bad("lines", f"at most {codec.MAX_LINES} lines, not {len(raw)}")
    lines = []
    for i, ln in enumerate(raw, start=1):
        where = f"lines[{i}]"
        if not isinstance(ln, dict):
            raise _Bad(where, "must be an object {\"code\", \"qty\", \"unit_price\"}")
        extra = sorted(set(ln) - {"code", "qty", "unit_price"})
        if extra:
            raise _Bad(f"{where}.{extra[0]}", "unknown field")
        code = ln.get("code")
        if not isinstance(code, str):
            raise _Bad(f"{where}.code", "must be a string")
        try:
            codec.encode_code(code)
        except InputError as exc:
            raise _Bad(f"{where}.code", str(exc)) from None
        qty = _count(ln.get("qty"), f"{where}.qty", 1)
        price = _count(ln.get("unit_price"), f"{where}.unit_price", 0)
        if qty > codec.U32:
            raise _Bad(f"{where}.qty", f"at most {codec.U32}")
        if price > codec.U64:
            raise _Bad(f"{where}.unit_price", f"at most {codec.U64} fen")
        lines.append(ClaimLine(code, qty, price))
    if sum(ln.qty * ln.unit_price for ln in lines) >= MAX_BILLED:
        raise _Bad("lines", f"the claim's total billed must be below {MAX_BILLED} fen")
    return lines


def _date(doc: dict[str, Any], name: str) -> dt.date | None:
    v = _text(doc, name)
    if v is None:
        return None
    try:
        day = parse_date(v, name)
    except InputError as exc:
        raise _Bad(name, str(exc).split(": ", 1)[-1]) from None
    if day < EPOCH:
        raise _Bad(name, f"{v!r} is before {EPOCH.isoformat()} (the chain counts days from then)")
    return day


def _claim(doc: dict[str, Any], pseudonym_of: Callable[[str], bytes], today: dt.date,
        digest: Callable[[str], bytes]) -> ClaimInput:
    """One line's object as a claim; a :class:`_Bad` names the field that is wrong."""
    unknown = sorted(set(doc) - set(CLAIM_FIELDS))
    if unknown:
        raise _Bad(unknown[0], f"unknown field (the fields are {', '.join(CLAIM_FIELDS)})")
    invoice = _text(doc, "invoice", required=True)
    assert invoice is not None
    nid, pseudo = _text(doc, "id"), _text(doc, "pseudonym")
    if (nid is None) == (pseudo is None):
        raise _Bad("id", "give exactly one of id and pseudonym")
    try:
        person = pseudonym_of(nid) if nid is not None else parse_pseudonym(str(pseudo))
    except InputError as exc:
        raise _Bad("id" if nid is not None else "pseudonym", str(exc)) from None
    try:
        visit = parse_enum(VisitType, _text(doc, "visit") or "OUTPATIENT", "visit")
    except InputError as exc:
        raise _Bad("visit", str(exc).split(": ", 1)[-1]) from None
    day = _date(doc, "date") or today
    discharge = _date(doc, "discharge")
    if visit == VisitType.INPATIENT and discharge is None:
        raise _Bad("discharge", "required for an INPATIENT claim")
    if visit != VisitType.INPATIENT and discharge is not None:
        raise _Bad("discharge", f"only an INPATIENT claim has one, not {visit.name}")
    if discharge is not None and discharge < day:
        raise _Bad("discharge", f"{discharge.isoformat()} is before the admission date {day.isoformat()}")
    lines = _lines(doc)
    fund = doc.get("claimed_fund")
    claimed = None if fund is None else _count(fund, "claimed_fund", 0)
    if claimed is not None and claimed > codec.U64:
        raise _Bad("claimed_fund", f"at most {codec.U64} fen")
    documents = _text(doc, "documents")
    docs = digest(documents) if documents else bytes(32)
    claim = ClaimInput(invoice, person, visit, day, lines, discharge, claimed, docs)
    try:
        claim.as_words()
    except (InputError, ValueError, OverflowError) as exc:
        raise _Bad("claim", str(exc) or type(exc).__name__) from None
    return claim


def _entry(path: Path, number: int, line: str, invoices: dict[str, int], pseudonym_of: Callable[[str], bytes],
           today: dt.date, digest: Callable[[str], bytes]) -> ClaimEntry:
    """Line ``number`` of the file as a claim; ``invoices`` (invoice → line) grows by it."""
    doc = inputs.loads(line, f"{path}:{number}")
    if not isinstance(doc, dict):
        raise InputError(f"{path}:{number}: must be a JSON object with the fields of `claim submit`")
    try:
        claim = _claim(doc, pseudonym_of, today, digest)
    except _Bad as exc:
        raise InputError(f"{path}:{number}: {exc}") from None
    if claim.invoice in invoices:
        raise InputError(f"{path}:{number}: invoice: {claim.invoice!r} is also on line {invoices[claim.invoice]}")
    invoices[claim.invoice] = number
    return ClaimEntry(f"{path}:{number}", number, claim)


def read_claims_jsonl(path: Path, pseudonym_of: Callable[[str], bytes], today: dt.date,
        digest: Callable[[str], bytes]) -> list[ClaimEntry]:
    """Parse and check a whole claims file; every bad line is named with its field.
    ``pseudonym_of`` turns a national ID into a pseudonym; ``today`` is a missing date."""
    text = inputs.read_text(path)
    entries: list[ClaimEntry] = []
    invoices: dict[str, int] = {}
    problems = inputs.Problems(str(path))
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        with problems.entry():
            entries.append(_entry(path, number, line, invoices, pseudonym_of, today, digest))
    problems.raise_if_any()
    if not entries:
        raise InputError(f"{path}: no claims")
    return entries


__all__ = ["CLAIM_FIELDS", "EPOCH", "MAX_BILLED", "ClaimEntry", "read_claims_jsonl"]
