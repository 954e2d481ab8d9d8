"""Storage as the design says: solc's storage layouts (in the artifacts) against the constants
the claim path's Yul reads storage by.

- Nothing of the ledger or of a module lives at a plain slot: the ledger's state is the one
  ERC-7201 `Layout` (LedgerStorage.sol) and the roles are OpenZeppelin's namespaced
  AccessControlUpgradeable state; immutables are code, not storage.
- The `S_*` slot constants of ClaimPath.sol are the ERC-7201 base plus the slot solc gives the
  Layout member of that name.
- The Person / Institution / Filing offsets of Packed.sol are where solc packs those fields.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_utils import keccak
from solsource import camel, constants, source
from yibao.chain import artifacts

NAMESPACE = "yibao.storage.ledger"
#: Never deployed: its one state variable makes solc describe `Layout` (LedgerStorage.sol).
PROBE = "LedgerStorageLayout"
#: Contracts with no plain storage at all: the deployed ones and the bases they share.
NO_PLAIN_STORAGE = (*artifacts.MODULES, artifacts.LEDGER, "LedgerStorage", "ClaimPath", "Module")


def erc7201(namespace: str) -> int:
    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


def _layouts() -> dict[str, Any]:
    layouts: dict[str, Any] = artifacts.load()["storage_layouts"]
    return layouts


def _probe() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    layout = _layouts()[PROBE]
    (var,) = layout["storage"]
    assert (var["label"], var["slot"], var["offset"]) == ("layout", "0", 0)
    types: dict[str, Any] = layout["types"]
    return types[var["type"]]["members"], types


def _struct(types: dict[str, Any], label: str) -> list[dict[str, Any]]:
    found = [t for t in types.values() if t.get("label") == label]
    assert len(found) == 1, f"{label} not in solc's layout of {PROBE}"
    members: list[dict[str, Any]] = found[0]["members"]
    return members


@pytest.mark.parametrize("name", NO_PLAIN_STORAGE)
def test_nothing_in_plain_storage(name: str) -> None:
    assert _layouts()[name]["storage"] == [], f"{name} has state at plain slots"


def test_layout_slot_is_the_erc7201_base() -> None:
    assert constants("LedgerStorage.sol")["LAYOUT_SLOT"] == erc7201(NAMESPACE)
    assert f"@custom:storage-location erc7201:{NAMESPACE}" in source("LedgerStorage.sol")


def test_claim_path_slots_are_the_layout_members() -> None:
    members, _ = _probe()
    slot_of = {m["label"]: int(m["slot"]) for m in members}
    base = erc7201(NAMESPACE)
    slots = {k[2:]: v for k, v in constants("ClaimPath.sol").items() if k.startswith("S_")}
    assert len(slots) >= 9
    for name, value in slots.items():
        member = camel(name)
        assert member in slot_of, f"S_{name}: Layout has no member {member}"
        assert value == base + slot_of[member], f"S_{name} is not Layout.{member}'s slot"


@pytest.mark.parametrize(
    ("prefix", "label"),
    [
        ("PERSON_", "struct LedgerStorage.Person"),
        ("INSTITUTION_", "struct LedgerStorage.Institution"),
        ("FILING_", "struct IRegistry.Filing"),
    ],
)
def test_struct_offsets_are_solcs(prefix: str, label: str) -> None:
    _, types = _probe()
    members = _struct(types, label)
    slot0 = {m["label"]: m for m in members if m["slot"] == "0"}
    shifts = {
        camel(k[len(prefix):-len("_SHIFT")]): v
        for k, v in constants("libraries/Packed.sol").items()
        if k.startswith(prefix) and k.endswith("_SHIFT")
    }
    assert set(shifts) == set(slot0), f"Packed.sol names {sorted(shifts)}, slot 0 holds {sorted(slot0)}"
    for field, shift in shifts.items():
        assert shift == slot0[field]["offset"] * 8, f"{prefix}{field}: bit {shift}, solc packs it at byte "\
            f"{slot0[field]['offset']}"


def test_institution_slot0_mask_and_context() -> None:
    _, types = _probe()
    members = [m for m in _struct(types, "struct LedgerStorage.Institution") if m["slot"] == "0"]
    end = max(m["offset"] + int(types[m["type"]]["numberOfBytes"]) for m in members) * 8
    packed = constants("libraries/Packed.sol")
    assert packed["INSTITUTION_SLOT0_MASK"] == (1 << end) - 1
    assert packed["CONTEXT_TODAY_SHIFT"] == end


def test_filing_is_one_slot_of_three_days() -> None:
    _, types = _probe()
    members = _struct(types, "struct IRegistry.Filing")
    assert {m["slot"] for m in members} == {"0"}
    widths = {int(types[m["type"]]["numberOfBytes"]) * 8 for m in members}
    assert {(1 << w) - 1 for w in widths} == {constants("libraries/Packed.sol")["FILING_DAY_MASK"]}


def _assembly_of(text: str) -> str:
    start = text.index('assembly ("memory-safe") {', text.index("function _decide("))
    return text[start:]


def test_claim_path_yul_names_its_layouts() -> None:
    """Shifts and masks in the claim path's Yul are the named constants; the literals left
    are memory offsets and word/byte arithmetic."""
    yul = _assembly_of(source("ClaimPath.sol"))
    yul = re.sub(r"//[^\n]*|/\*.*?\*/", "", yul, flags=re.DOTALL)
    hexes = set(re.findall(r"\b0x[0-9a-fA-F]+\b", yul))
    assert hexes <= {"0x20", "0x24", "0x40", "0x44", "0x64"}, sorted(hexes)
    shifts = set(re.findall(r"\bsh[lr]\((\d+),", yul))
    # ×32 bytes a word, ×64 a line, two words a line or version, halves, selector placement;
    # ×8 bits a byte and the halving search over a word (the invoice word's length)
    assert shifts <= {"1", "2", "3", "5", "6", "16", "32", "64", "128", "224"}, sorted(shifts)
