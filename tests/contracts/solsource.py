"""Reading constants out of the Solidity sources, for the tests of tests/contracts."""

from __future__ import annotations

import re
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"

_CONSTANT = re.compile(
    r"^\s*(?:uint256|uint8|bytes32)\s+(?:(?:private|internal)\s+)?constant\s+([A-Z][A-Z0-9_]*)\s*=\s*"
    r"(0x[0-9a-fA-F_]+|[0-9_]+|[A-Z][A-Z0-9_]*)\s*;",
    re.MULTILINE,
)


def source(relative: str) -> str:
    return (CONTRACTS / relative).read_text(encoding="utf-8")


def constants(relative: str) -> dict[str, int]:
    """Every `TYPE [visibility] constant NAME = <literal or NAME>;` of a file, as numbers
    (a constant naming another of the same file takes its value)."""
    raw = {name: value for name, value in _CONSTANT.findall(source(relative))}
    out: dict[str, int] = {}
    for name, value in raw.items():
        while value in raw:
            value = raw[value]
        out[name] = int(value.replace("_", ""), 0)
    return out


def camel(snake: str) -> str:
    """FILING_COUNT → filingCount."""
    first, *rest = snake.lower().split("_")
    return first + "".join(w.capitalize() for w in rest)
