"""The compiled contracts shipped inside the package (no compiler needed to run)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from yibao.chain.abi import ABI, merge_abis
from yibao.errors import BuildError

ARTIFACTS_FILE = Path(__file__).resolve().parents[1] / "artifacts" / "contracts.json"

#: Deployed in this order; the ledger is constructed with the modules' addresses.
MODULES = ("RegistryModule", "PolicyModule", "SettlementModule")
LEDGER = "YibaoLedger"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(ARTIFACTS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"cannot read {ARTIFACTS_FILE}: {exc}; run `make build`") from exc
    return doc


def contract(name: str) -> dict[str, Any]:
    try:
        c: dict[str, Any] = load()["contracts"][name]
    except KeyError:
        raise BuildError(f"no compiled contract {name}; run `make build`") from None
    return c


def artifact_hash(name: str) -> str:
    """sha256 over a contract's ABI and creation bytecode; what a manifest pins."""
    c = contract(name)
    blob = json.dumps({"abi": c["abi"], "bytecode": c["bytecode"]}, sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def artifact_hashes() -> dict[str, str]:
    return {name: artifact_hash(name) for name in (*MODULES, LEDGER)}


@lru_cache(maxsize=1)
def ledger_abi() -> ABI:
    """The whole API at the ledger's address: its own ABI and every module's."""
    return merge_abis(contract(LEDGER)["abi"], *(contract(m)["abi"] for m in MODULES))
