"""contracts/libraries/Codes.sol holds the same numbers as the Python enums, name for name."""

from __future__ import annotations

import re
from enum import Enum

import pytest
from solsource import CONTRACTS, constants, source
from yibao import codec
from yibao.model import types
from yibao.model.types import AlertKind

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
    "CASE_": types.CaseStatus,
    "OUTCOME_": types.CaseOutcome,
    "SOURCE_": types.CaseSource,
    "PURPOSE_": types.Purpose,
    "BASIS_": types.AccessBasis,
    "FEEDBACK_": types.Feedback,
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


# ---------------------------------------------------------------------- bit layouts

#: The prefixes of the layouts the Python codec packs or unpacks itself.
CODEC_LAYOUTS = ("CLAIM_", "LINE_", "META_", "WIRE_", "AMOUNT_")


def test_the_codec_packs_words_as_packed_sol_says() -> None:
    """Every layout constant of yibao.codec is Packed.sol's constant of the same name."""
    packed = constants("libraries/Packed.sol")
    ours = {n: getattr(codec, n) for n in dir(codec) if n.startswith(CODEC_LAYOUTS) and n.isupper()}
    assert len(ours) > 25
    missing = sorted(set(ours) - set(packed))
    assert not missing, f"codec constants Packed.sol does not state: {missing}"
    differ = {n: (v, packed[n]) for n, v in ours.items() if v != packed[n]}
    assert not differ, f"codec and Packed.sol disagree (codec, Packed.sol): {differ}"


#: yibao.codec.POLICY_FIELD_MAX key → the Packed.sol mask of the field's stored width
POLICY_WIDTHS = {
    "effective_from": "POLICY_A_EFFECTIVE_FROM_MASK",
    "op_deductible": "POLICY_A_OP_DEDUCTIBLE_MASK",
    "ip_deductible": "POLICY_B_IP_DEDUCTIBLE_MASK",
    "op_annual_cap": "AMOUNT_MASK",
    "annual_cap": "AMOUNT_MASK",
    "review_threshold": "AMOUNT_MASK",
    "monthly_visit_limit": "POLICY_A_VISIT_LIMIT_MASK",
    "waiting_days": "POLICY_A_WAITING_MASK",
    "max_claim_age_days": "POLICY_A_MAX_AGE_MASK",
    "appeal_days": "POLICY_B_APPEAL_DAYS_MASK",
    "bps": "BPS",
}


def test_the_policy_widths_python_checks_are_the_stored_widths() -> None:
    packed = constants("libraries/Packed.sol")
    assert set(POLICY_WIDTHS) == set(codec.POLICY_FIELD_MAX)
    assert {k: codec.POLICY_FIELD_MAX[k] for k in POLICY_WIDTHS} == {k: packed[v] for k, v in POLICY_WIDTHS.items()}
