"""Deploy the contracts, and the manifest that a client is built from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from yibao import inputs
from yibao.chain import artifacts
from yibao.chain.backend import Chain
from yibao.errors import InputError, ManifestError

MANIFEST_FORMAT = "yibao-manifest/1"


@dataclass(frozen=True)
class Manifest:
    """Where a deployment lives and what it was built from."""

    chain_id: int
    ledger: str
    modules: dict[str, str]
    deployer: str
    admin: str
    block: int
    artifacts: dict[str, str]
    compiler: str
    rpc: str | None = None
    deployed_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "chain_id": self.chain_id,
            "rpc": self.rpc,
            "ledger": self.ledger,
            "modules": self.modules,
            "deployer": self.deployer,
            "admin": self.admin,
            "block": self.block,
            "deployed_at": self.deployed_at,
            "compiler": self.compiler,
            "artifacts": self.artifacts,
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def from_json(cls, doc: Any, where: str = "manifest") -> Manifest:
        if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT:
            raise ManifestError(f"{where}: not a yibao manifest (format must be {MANIFEST_FORMAT})")
        for key, kinds in (("modules", (dict,)), ("artifacts", (dict,)), ("rpc", (str, type(None))),
                           ("chain_id", (int,)), ("block", (int,))):
            if key in doc and (not isinstance(doc[key], kinds) or isinstance(doc[key], bool)):
                raise ManifestError(f"{where}: malformed manifest ({key!r} is a {type(doc[key]).__name__})")
        try:
            return cls(
                chain_id=int(doc["chain_id"]),
                ledger=Web3.to_checksum_address(doc["ledger"]),
                modules={k: Web3.to_checksum_address(v) for k, v in doc["modules"].items()},
                deployer=Web3.to_checksum_address(doc["deployer"]),
                admin=Web3.to_checksum_address(doc["admin"]),
                block=int(doc["block"]),
                artifacts=dict(doc["artifacts"]),
                compiler=str(doc["compiler"]),
                rpc=doc.get("rpc"),
                deployed_at=str(doc.get("deployed_at", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestError(f"{where}: malformed manifest ({type(exc).__name__}: {exc})") from exc

    @classmethod
    def load(cls, path: Path) -> Manifest:
        if not Path(path).exists():
            raise ManifestError(f"{path}: no manifest there; run `yibao deploy` first")
        try:
            text = inputs.read_text(path)
        except InputError as exc:
            raise ManifestError(f"unreadable manifest: {exc}") from None
        doc = inputs.loads(text, f"{path}: unreadable manifest", error=ManifestError)
        return cls.from_json(doc, str(path))

    def verify(self, chain: Chain) -> None:
        """Refuse a manifest that does not match the installed package or the node."""
        installed = artifacts.artifact_hashes()
        for name, want in installed.items():
            have = self.artifacts.get(name)
            if have != want:
                raise ManifestError(
                    f"stale manifest: {name} was deployed from artifact {str(have)[:19]}…, "
                    f"the installed package has {want[:19]}…; redeploy"
                )
        if chain.chain_id != self.chain_id:
            raise ManifestError(
                f"manifest is for chain id {self.chain_id}, the node is chain id {chain.chain_id}"
            )
        for name, addr in {"YibaoLedger": self.ledger, **self.modules}.items():
            if not chain.code_at(addr):
                raise ManifestError(f"manifest names {name} at {addr}, but there is no code there")
        self._probe(chain)

    def _probe(self, chain: Chain) -> None:
        """Refuse a manifest whose ledger address holds another contract: asked ``moduleOf`` a
        selector of each module, the ledger must answer that module's address (one call each)."""
        from eth_abi.abi import decode, encode
        from eth_utils.abi import function_abi_to_4byte_selector

        def selector(f: Any) -> bytes:
            return bytes(function_abi_to_4byte_selector(f))

        def selectors(abi: list[dict[str, Any]]) -> set[bytes]:
            return {selector(f) for f in abi if f["type"] == "function" and f["name"] != "initialize"}

        served = {name: selectors(artifacts.contract(name)["abi"]) for name in artifacts.MODULES}
        routed = selectors(artifacts.ledger_abi())
        module_of = selector({"type": "function", "name": "moduleOf", "inputs": [{"type": "bytes4"}]})
        for name, addr in self.modules.items():
            # a selector only this module has (the ledger routes shared ones to one of them)
            own = served.get(name, set()) & routed
            for other, theirs in served.items():
                own = own - theirs if other != name else own
            if not own:
                continue
            probe = min(own)
            try:
                answer: str | None = Web3.to_checksum_address(
                    decode(["address"], chain.call(self.ledger, module_of + encode(["bytes4"], [probe])))[0])
            except Exception:  # noqa: BLE001 - a revert, no answer or garbage: not our ledger
                answer = None
            if answer != addr:
                raise ManifestError(
                    f"stale manifest: {self.ledger} on chain {self.chain_id} is not the YibaoLedger this manifest "
                    f"names (it does not route to {name} {addr}); redeploy or give the right --manifest")


def deploy(chain: Chain, deployer: LocalAccount, admin: str | None = None) -> Manifest:
    """Deploy the modules and the ledger; ``admin`` (default: the deployer) holds the admin role."""
    admin = Web3.to_checksum_address(admin or deployer.address)
    modules: dict[str, str] = {}
    for name in artifacts.MODULES:
        modules[name] = _create(chain, deployer, name, [])
    ledger = _create(chain, deployer, artifacts.LEDGER, [admin, list(modules.values())])
    doc = artifacts.load()
    return Manifest(
        chain_id=chain.chain_id,
        ledger=ledger,
        modules=modules,
        deployer=deployer.address,
        admin=admin,
        block=chain.block_number(),
        artifacts=artifacts.artifact_hashes(),
        compiler=doc["compiler"]["version"],
        rpc=chain.url,
        deployed_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
    )


def _create(chain: Chain, deployer: LocalAccount, name: str, args: list[Any]) -> str:
    c = artifacts.contract(name)
    factory = chain.w3.eth.contract(abi=c["abi"], bytecode=c["bytecode"])
    data = factory.constructor(*args).data_in_transaction
    sent = chain.send(deployer, to=None, data=bytes.fromhex(data[2:]), gas=15_000_000)
    addr = sent.receipt["contractAddress"]
    if not addr:
        raise ManifestError(f"deploying {name} produced no contract")
    return Web3.to_checksum_address(addr)


__all__ = [
    "MANIFEST_FORMAT",
    "Manifest",
    "deploy",
]
