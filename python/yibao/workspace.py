"""Where the CLI keeps state between commands (the *home*, default ``./.yibao``).

- ``manifest.json`` — the deployment the commands talk to (written by ``yibao deploy``);
- ``keys.json`` — named signing keys: encrypted keystores in ``keystores/`` (``yibao key new``,
  ``yibao key import``), addresses, and on a dev chain the well-known dev keys ``admin``,
  ``dev1`` …; never a private key (:mod:`yibao.keys`);
- ``pseudonym.key`` — the enrolment operator's HMAC key (hex), unless ``YIBAO_PSEUDONYM_KEY``
  is set;
- ``chain.jsonl`` — for the embedded chain only: the journal of every signed transaction
  and its block time. The embedded EVM lives in memory, so each command replays the
  journal into a fresh EVM (same genesis, same times, same signed bytes → same state).
  Against a node (``--rpc``) the node keeps the state and there is no journal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_account.signers.local import LocalAccount

from yibao.chain.backend import Chain
from yibao.chain.deployment import Manifest
from yibao.keys import KeyEntry, KeyRing, Passwords

if TYPE_CHECKING:
    from yibao.client import Ledger

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
        """Name the well-known dev keys (``admin``, ``dev1`` …) in keys.json, for a dev chain."""
        KeyRing(self.home).add_dev_keys()

    def keys(self) -> dict[str, KeyEntry]:
        """The named keys of keys.json (keystores, dev keys, addresses; never a private key)."""
        return KeyRing(self.home).entries()

    def account(self, who: str | None, password_file: Path | None = None) -> LocalAccount:
        """The signing key named ``who`` (or whose address ``who`` is); default ``$YIBAO_AS``,
        else ``admin``. A keystore is decrypted with a password from :class:`yibao.keys.Passwords`.
        A refusal names where the key came from (``--as``, ``$YIBAO_AS`` or the default)."""
        name, what = signer_source(who)
        return KeyRing(self.home).signer(name, Passwords(password_file), what)

    def resolve_account(self, who: str, what: str = "ACCOUNT") -> str:
        """An address given as 0x… (any account) or as a key name in keys.json; ``what`` names
        the parameter it came from in a refusal (``ACCOUNT``, ``--institution``, ``--admin`` …)."""
        return KeyRing(self.home).address(who, what)

    # ------------------------------------------------------------------ chain

    def open_chain(self, rpc: str | None, manifest_path: Path | None) -> tuple[Chain, Manifest]:
        """The chain and manifest the commands talk to."""
        path = manifest_path or self.manifest_path
        manifest = Manifest.load(path)
        url = rpc or manifest.rpc
        if url:
            return Chain.connect(url), manifest
        return self.embedded_chain(), manifest

    def embedded_chain(self, fresh: bool = False, clock: int | None = None) -> Chain:
        """The persisted embedded chain: replay the journal (or start one, its clock pinned at
        ``clock`` if given), holding its lock until the chain is closed or collected
        (:class:`yibao.chain.journal.Journal`)."""
        from yibao.chain.journal import Journal

        return Journal(self.journal_path).open_chain(fresh=fresh, clock=clock)

    def ledger(self, who: str | None = None, *, signs: bool = True, rpc: str | None = None,
               manifest: Path | None = None, password_file: Path | None = None) -> Ledger:
        """The home's deployment as the CLI's commands open it, from Python: signing as ``who``
        (a key name or address; default ``$YIBAO_AS``, else ``admin``) or, with ``signs=False``,
        read-only. A well-known dev key is refused on a chain that is not a dev chain. Close
        the chain (``ledger.chain.close()``) to let the next command of the home run."""
        from yibao.client import Ledger
        from yibao.keys import check_signer, fund_on_dev_chain

        account = self.account(who, password_file) if signs else None
        chain, found = self.open_chain(rpc, manifest)
        if account is not None:
            check_signer(chain, account.address, *signer_source(who))
            fund_on_dev_chain(chain, account.address)
        return Ledger.open(chain, found, account)


def signer_source(who: str | None) -> tuple[str, str]:
    """The signing key's name or address and where it came from, for messages: ``--as``, else
    ``$YIBAO_AS``, else the default ``admin``."""
    if who:
        return who, "--as"
    env = os.environ.get("YIBAO_AS")
    if env:
        return env, "$YIBAO_AS"
    return "admin", "no --as given; the default key"


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
    "signer_source",
    "to_jsonable",
]
