"""Role ids as the contracts compute them (contracts/libraries/Roles.sol), and their names."""

from __future__ import annotations

from collections.abc import Iterable

from eth_abi.abi import encode
from eth_utils.crypto import keccak

#: The regional role kinds a regulator grants.
ROLE_KINDS = ("regulator", "operator", "reviewer")


def role_ids(region: int) -> dict[str, bytes]:
    """The regional role ids, computed as the contracts compute them (libraries/Roles.sol)."""
    return {
        f"{kind} of {region}": keccak(encode(["string", "uint32"], [f"yibao.role.{kind}", region]))
        for kind in ROLE_KINDS
    }


def describe_role(role: bytes, regions: Iterable[int]) -> str:
    """A readable name for a role id."""
    if role == bytes(32):
        return "admin"
    if role == keccak(text="yibao.role.institution"):
        return "institution"
    for code in regions:
        for name, rid in role_ids(code).items():
            if rid == role:
                return name
    return "0x" + role.hex()


__all__ = ["ROLE_KINDS", "describe_role", "role_ids"]
