"""contracts/libraries/Codes.sol holds the same numbers as the Python enums, name for name."""

from __future__ import annotations

import re
from enum import Enum

import pytest
from solsource import CONTRACTS, constants, source
from yibao.model import types

try:
    from yibao.model.types import AlertKind
except ImportError:  # pragma: no cover - where it lived before
    from yibao.client import AlertKind  # type: ignore[no-redef]

#: Codes.sol prefix → the Python enum it mirrors (longest prefixes first where they overlap)
GROUPS: dict[str, type[Enum]] = {
    "PERSON_STATUS_": types.PersonStatus,
    "INSTITUTION_STATUS_": types.InstitutionStatus,
    "STATUS_": types.ClaimStatus,
    "REASON_": types.Reason,
    "FLAG_": types.Flag,
    "NOTE_": types.LineNote,
    "ALERT_": AlertKind,
    "VISIT_": types.VisitType,
    "SCHEME_": types.Scheme,
    "CATEGORY_": types.Category,
    "GRADE_": types.Grade,
}


def _grouped() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {p: {} for p in GROUPS}
    for name, value in constants("libraries/Codes.sol").items():
        prefix = next((p for p in GROUPS if name.startswith(p)), None)
        assert prefix is not None, f"Codes.sol: {name} belongs to no group of {list(GROUPS)}"
        out[prefix][name[len(prefix):]] = value
    return out


def test_codes_are_one_literal_constant_a_line() -> None:
    text = re.sub(r"//[^\n]*", "", source("libraries/Codes.sol"))
    declared = re.findall(r"\bconstant\b", text)
    lines = re.findall(r"^(?:uint256|uint8) constant [A-Z][A-Z0-9_]* = [0-9]+;$", text, re.MULTILINE)
    assert len(lines) == len(declared) > 0


@pytest.mark.parametrize("prefix", list(GROUPS))
def test_codes_match_the_python_enums(prefix: str) -> None:
    enum = GROUPS[prefix]
    want = {name: int(member.value) for name, member in enum.__members__.items()}
    assert _grouped()[prefix] == want, f"Codes.sol {prefix}* and {enum.__name__} differ"


def test_no_contract_redeclares_a_code() -> None:
    members = {m for names in _grouped().values() for m in names}
    for path in sorted(CONTRACTS.rglob("*.sol")):
        rel = str(path.relative_to(CONTRACTS))
        if rel == "libraries/Codes.sol":
            continue
        for name in constants(rel):
            clash = [m for m in members if name == m or name.endswith("_" + m)]
            assert not clash, f"{rel} declares {name}: use Codes.sol's constant for {clash}"
