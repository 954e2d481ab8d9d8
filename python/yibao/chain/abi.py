"""ABI helpers: signatures, custom-error and event decoding.

Decoding is done here, from raw revert bytes and raw logs, so the embedded chain
(eth-tester, which hides custom errors in exception text) and a JSON-RPC node give the
same Python exceptions and the same event dictionaries.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.crypto import keccak

from yibao.errors import AccessDenied, ContractError
from yibao.units import from_day

ABI = list[dict[str, Any]]

_PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x32: "array index out of bounds",
    0x41: "out of memory",
}


def _type_str(param: dict[str, Any]) -> str:
    t: str = param["type"]
    if t.startswith("tuple"):
        inner = ",".join(_type_str(c) for c in param["components"])
        return f"({inner}){t[5:]}"
    return t


def signature(item: dict[str, Any]) -> str:
    return f"{item['name']}({','.join(_type_str(p) for p in item.get('inputs', []))})"


@dataclass(frozen=True)
class _ErrorDef:
    name: str
    types: list[str]
    names: list[str]


class ErrorDecoder:
    """Turns revert data into :class:`ContractError` by the ABI's custom errors."""

    def __init__(self, abi: ABI) -> None:
        self._errors: dict[bytes, _ErrorDef] = {}
        for item in abi:
            if item["type"] == "error":
                sel = function_signature_to_4byte_selector(signature(item))
                self._errors[sel] = _ErrorDef(
                    item["name"],
                    [_type_str(p) for p in item["inputs"]],
                    [p["name"] or f"arg{i}" for i, p in enumerate(item["inputs"])],
                )
        self._errors[bytes.fromhex("08c379a0")] = _ErrorDef("Error", ["string"], ["message"])
        self._errors[bytes.fromhex("4e487b71")] = _ErrorDef("Panic", ["uint256"], ["code"])

    def decode(self, data: bytes) -> ContractError | None:
        """The decoded error, or None for a revert without data."""
        if len(data) < 4:
            return None
        d = self._errors.get(bytes(data[:4]))
        if d is None:
            return ContractError("UnknownError", (data.hex(),), {"data": "0x" + data.hex()},
                                 "0x" + data[:4].hex())
        try:
            values = abi_decode(d.types, bytes(data[4:]))
        except Exception:  # noqa: BLE001 - malformed payload: keep raw
            values = ()
        inputs = {name: enum_argument(d.name, name, v) for name, v in zip(d.names, values, strict=False)}
        if d.name == "Panic" and values:
            inputs["meaning"] = _PANIC_CODES.get(int(values[0]), "unknown panic")
        cls = AccessDenied if d.name == "AccessControlUnauthorizedAccount" else ContractError
        error = cls(d.name, tuple(values), inputs, "0x" + data[:4].hex())
        error.args = (f"{d.name}({', '.join(f'{k}={_shown(d.name, k, v)}' for k, v in inputs.items())})",)
        return error


def _enum_arguments() -> dict[tuple[str, str], type[IntEnum]]:
    """The error arguments that carry an enum of :mod:`yibao.model.types`, by (error, argument)
    name; ``("*", argument)`` serves every error with that argument name."""
    from yibao.model.types import (
        AccessBasis, CaseSource, CaseStatus, ClaimStatus, Feedback, Grade, InstitutionStatus, PersonStatus, Purpose,
        Scheme, VisitType
    )

    return {
        ("*", "scheme"): Scheme, ("*", "visit"): VisitType, ("*", "grade"): Grade,
        ("ClaimNotReviewable", "status"): ClaimStatus, ("ClaimNotLive", "status"): ClaimStatus,
        ("CaseStateInvalid", "status"): CaseStatus, ("CaseSourceInvalid", "source"): CaseSource,
        ("InstitutionStatusInvalid", "status"): InstitutionStatus,
        ("PersonStatusTransitionInvalid", "from"): PersonStatus,
        ("PersonStatusTransitionInvalid", "to"): PersonStatus,
        ("*", "purpose"): Purpose, ("*", "basis"): AccessBasis, ("FeedbackInvalid", "code"): Feedback,
        ("FeedbackInvalid", "given"): Feedback, ("EmergencyNotAllowed", "status"): InstitutionStatus,
    }


ENUM_ARGUMENTS: dict[tuple[str, str], type[IntEnum]] = _enum_arguments()


def enum_argument(error: str, name: str, value: Any) -> Any:
    """An error's argument as its enum member (``ClaimStatus.APPROVED``, still equal to 3) when
    the argument carries one and the number is a member; else the value as decoded."""
    kind = ENUM_ARGUMENTS.get((error, name)) or ENUM_ARGUMENTS.get(("*", name))
    if kind is None or isinstance(value, bool) or not isinstance(value, int):
        return value
    try:
        return kind(value)
    except ValueError:  # a number outside the enum (what an *Invalid error reports): as it is
        return value


#: The error arguments that are day numbers (days since 1970-01-01, CST), by (error, argument)
#: name as in :data:`ENUM_ARGUMENTS`: a message shows them as dates, ``inputs`` keeps the number.
DAY_ARGUMENTS = frozenset({
    ("*", "day"), ("*", "today"), ("*", "lastDay"), ("*", "effectiveFrom"), ("*", "latest"),
    ("*", "coverageFrom"), ("*", "coverageTo"), ("*", "admission"), ("*", "discharge"),
    ("FilingInvalid", "from"), ("FilingInvalid", "to"), ("FilingUnknown", "from"), ("*", "firstDay"),
    ("*", "notAfter"), ("*", "revokedOn"),
})
_LAST_DAY = 2_932_896  # 9999-12-31


def _shown(error: str, name: str, v: Any) -> str:
    """An error argument as a message shows it: an enum by name, a day as its date, bytes as 0x hex."""
    if isinstance(v, IntEnum):
        return v.name
    if isinstance(v, bytes):
        return "0x" + v.hex()
    if ((error, name) in DAY_ARGUMENTS or ("*", name) in DAY_ARGUMENTS) and isinstance(v, int) \
            and 0 <= v <= _LAST_DAY:
        return from_day(v).isoformat()
    return str(v)


_HEX_RE = re.compile(r"0x[0-9a-fA-F]{8,}")


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """Dig raw revert bytes out of whatever web3 or eth-tester raised."""
    data = getattr(exc, "data", None)
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, dict):
        inner = data.get("data")
        if isinstance(inner, str) and inner.startswith("0x"):
            return bytes.fromhex(inner[2:])
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, (bytes, bytearray)) and len(arg) >= 4:
            return bytes(arg)
        if isinstance(arg, dict):
            inner = arg.get("data")
            if isinstance(inner, str) and inner.startswith("0x"):
                return bytes.fromhex(inner[2:])
        if isinstance(arg, str):
            raw = _bytes_literal(arg)
            if raw is not None:
                return raw
            m = _HEX_RE.search(arg)
            if m:
                return bytes.fromhex(m.group(0)[2:])
    return None


def _bytes_literal(text: str) -> bytes | None:
    """eth-tester puts the revert bytes in its message as a Python bytes literal."""
    for quote in ("b'", 'b"'):
        i = text.find(quote)
        if i >= 0:
            try:
                value = ast.literal_eval(text[i:])
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, bytes):
                return value
    return None


@dataclass(frozen=True)
class _EventDef:
    name: str
    indexed: list[tuple[str, str]]
    plain: list[tuple[str, str]]
    order: list[str]


class EventDecoder:
    """Decodes raw logs into ``{"event": name, "args": {...}, "address": ...}``."""

    def __init__(self, abi: ABI) -> None:
        self._events: dict[bytes, _EventDef] = {}
        for item in abi:
            if item["type"] != "event" or item.get("anonymous"):
                continue
            topic = keccak(text=signature(item))
            self._events[topic] = _EventDef(
                item["name"],
                [(p["name"], _type_str(p)) for p in item["inputs"] if p["indexed"]],
                [(p["name"], _type_str(p)) for p in item["inputs"] if not p["indexed"]],
                [p["name"] for p in item["inputs"]],
            )

    def topic(self, name: str) -> bytes:
        for t, d in self._events.items():
            if d.name == name:
                return t
        raise KeyError(name)

    def decode(self, log: Any) -> dict[str, Any] | None:
        topics = [bytes(t) for t in log["topics"]]
        if not topics:
            return None
        d = self._events.get(topics[0])
        if d is None:
            return None
        args: dict[str, Any] = {}
        for (name, typ), raw in zip(d.indexed, topics[1:], strict=False):  # a short log: missing args
            args[name] = abi_decode([typ], raw)[0] if not _is_dynamic(typ) else raw
        values = abi_decode([t for _, t in d.plain], bytes(log["data"]))
        for (name, _), v in zip(d.plain, values, strict=True):
            args[name] = v
        return {"event": d.name, "args": {k: args[k] for k in d.order}, "address": log["address"]}


def _is_dynamic(typ: str) -> bool:
    return typ in ("string", "bytes") or typ.endswith("[]") or typ.startswith("(")


__all__ = [
    "ABI",
    "DAY_ARGUMENTS",
    "ENUM_ARGUMENTS",
    "ErrorDecoder",
    "EventDecoder",
    "enum_argument",
    "revert_data_from_exception",
    "signature",
]
