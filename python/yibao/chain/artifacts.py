"""The compiled contracts shipped inside the package (no compiler needed to run)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from yibao.chain.abi import ABI
from yibao.errors import BuildError

ARTIFACTS_FILE = Path(__file__).resolve().parents[1] / "artifacts" / "contracts.json"

#: Deployed in this order; the ledger is constructed with the modules' addresses.
MODULES = ("RegistryModule", "PolicyModule", "SettlementModule", "SupervisionModule", "RecordsModule")
LEDGER = "YibaoLedger"
#: The interface of everything served at the ledger's address (contracts/interfaces).
LEDGER_INTERFACE = "IYibaoLedger"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(ARTIFACTS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError(f"cannot read {ARTIFACTS_FILE}: {exc}; run `make build`") from exc
    return doc


def _entry(kind: str, name: str) -> dict[str, Any]:
    try:
        entry: dict[str, Any] = load()[kind + "s"][name]
    except KeyError:
        raise BuildError(f"no compiled {kind} {name}; run `make build`") from None
    return entry


def contract(name: str) -> dict[str, Any]:
    """A compiled contract (its ``abi``, ``bytecode``, sizes and storage layout)."""
    return _entry("contract", name)


def artifact_hash(name: str) -> str:
    """sha256 over a contract's ABI and creation bytecode; what a manifest pins."""
    c = contract(name)
    blob = json.dumps({"abi": c["abi"], "bytecode": c["bytecode"]}, sort_keys=True).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def artifact_hashes() -> dict[str, str]:
    return {name: artifact_hash(name) for name in (*MODULES, LEDGER)}


def interface(name: str) -> dict[str, Any]:
    """A compiled interface (its ``abi`` and ``source``)."""
    return _entry("interface", name)


@lru_cache(maxsize=1)
def ledger_abi() -> ABI:
    """The whole API at the ledger's address: the ABI of ``IYibaoLedger``, which aggregates
    the ledger's own functions and every module's, with every error and event they raise."""
    abi: ABI = interface(LEDGER_INTERFACE)["abi"]
    return abi


__all__ = [
    "ARTIFACTS_FILE",
    "LEDGER",
    "LEDGER_INTERFACE",
    "MODULES",
    "artifact_hash",
    "artifact_hashes",
    "contract",
    "interface",
    "ledger_abi",
    "load",
]
