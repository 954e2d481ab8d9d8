"""Where the CLI keeps state between commands (the *home*, default ``./.yibao``).

- ``manifest.json`` — the deployment the commands talk to (written by ``yibao deploy``);
- ``keys.json`` — named signing keys (``admin``, ``dev1`` … on a dev chain); a bureau points
  this at its own keys;
- ``pseudonym.key`` — the enrolment operator's HMAC key (hex), unless ``YIBAO_PSEUDONYM_KEY``
  is set;
- ``chain.jsonl`` — for the embedded chain only: the journal of every signed transaction
  and its block time. The embedded EVM lives in memory, so each command replays the
  journal into a fresh EVM (same genesis, same times, same signed bytes → same state).
  Against a node (``--rpc``) the node keeps the state and there is no journal.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from yibao.chain.backend import DEV_ACCOUNTS, Chain, dev_account
from yibao.chain.deployment import Manifest
from yibao.errors import ChainError, InputError, ManifestError

DEFAULT_HOME = Path(".yibao")


@dataclass
class Workspace:
    home: Path

    @classmethod
    def at(cls, home: Path | None) -> Workspace:
        return cls(Path(home or os.environ.get("YIBAO_HOME") or DEFAULT_HOME))

    manifest_path: Path = field(init=False)  #: the deployment the commands talk to
    keys_path: Path = field(init=False)  #: named signing keys
    pseudonym_key_path: Path = field(init=False)  #: the operator's HMAC key (hex)
    journal_path: Path = field(init=False)  #: the embedded chain's transaction journal

    def __post_init__(self) -> None:
        self.manifest_path = self.home / "manifest.json"
        self.keys_path = self.home / "keys.json"
        self.pseudonym_key_path = self.home / "pseudonym.key"
        self.journal_path = self.home / "chain.jsonl"

    # ------------------------------------------------------------------ keys

    def write_dev_keys(self) -> None:
        keys = {"admin": dev_account(0).key.hex()}
        for i in range(1, DEV_ACCOUNTS):
            keys[f"dev{i}"] = dev_account(i).key.hex()
        self.home.mkdir(parents=True, exist_ok=True)
        if not self.keys_path.exists():
            self.keys_path.write_text(json.dumps(keys, indent=2) + "\n", encoding="utf-8")
            self.keys_path.chmod(0o600)

    def keys(self) -> dict[str, str]:
        if not self.keys_path.exists():
            return {}
        try:
            doc = json.loads(self.keys_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(f"{self.keys_path}: not JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise InputError(f"{self.keys_path}: must map names to private keys")
        return {str(k): str(v) for k, v in doc.items()}

    def account(self, who: str | None) -> LocalAccount:
        """A signing key by name in keys.json, or a 0x private key; default ``admin``."""
        who = who or os.environ.get("YIBAO_AS") or "admin"
        keys = self.keys()
        key = keys.get(who)
        if key is None:
            if who.startswith("0x") and len(who) == 66:
                key = who
            else:
                known = ", ".join(sorted(keys)) or "none (run `yibao deploy`)"
                raise InputError(f"--as {who}: no such key; known names: {known}")
        try:
            acct: LocalAccount = Account.from_key(key)
        except (ValueError, TypeError):
            raise InputError(f"--as {who}: not a valid private key") from None
        return acct

    def resolve_account(self, who: str) -> str:
        """An address given as 0x… or as a key name in keys.json."""
        if who.startswith("0x") and len(who) == 42:
            from web3 import Web3

            try:
                return Web3.to_checksum_address(who)
            except ValueError:
                raise InputError(f"{who}: not an address") from None
        return self.account(who).address

    # ------------------------------------------------------------------ chain

    def open_chain(self, rpc: str | None, manifest_path: Path | None) -> tuple[Chain, Manifest]:
        """The chain and manifest the commands talk to."""
        path = manifest_path or self.manifest_path
        manifest = Manifest.load(path)
        url = rpc or manifest.rpc
        if url:
            return Chain.connect(url), manifest
        return self.embedded_chain(), manifest

    def embedded_chain(self, fresh: bool = False) -> Chain:
        """The persisted embedded chain: replay the journal (or start one)."""
        path = self.journal_path
        if fresh or not path.exists():
            # the genesis time is pinned in the journal's header, so a replay rebuilds the same chain
            header = {"genesis_timestamp": int(time.time())}
            chain = Chain.embedded(genesis_timestamp=header["genesis_timestamp"])
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            try:
                header = json.loads(lines[0])
                chain = Chain.embedded(genesis_timestamp=int(header["genesis_timestamp"]))
                for line in lines[1:]:
                    entry = json.loads(line)
                    ts, raw = int(entry["t"]), bytes.fromhex(entry["tx"])
                    if ts > chain.timestamp():
                        chain.set_pending_timestamp(ts)
                    chain.w3.eth.send_raw_transaction(raw)
            except (ValueError, KeyError, IndexError) as exc:
                raise ManifestError(f"{path}: corrupt chain journal ({exc})") from exc
            except Exception as exc:
                raise ChainError(
                    f"{path}: replay failed ({type(exc).__name__}); delete {self.home} and redeploy"
                ) from exc

        def record(ts: int, raw: bytes) -> None:
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"t": ts, "tx": raw.hex()}) + "\n")

        chain.journal = record
        return chain


def to_jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    if isinstance(v, dict):
        return {k: to_jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_jsonable(x) for x in v]
    return v


__all__ = [
    "DEFAULT_HOME",
    "Workspace",
    "to_jsonable",
]
