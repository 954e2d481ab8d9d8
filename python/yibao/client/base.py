"""The client's plumbing: one deployment, one acting account, signed writes and decoded calls."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Self, TypeVar, cast

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from web3 import Web3

from yibao.chain import artifacts
from yibao.chain.abi import ErrorDecoder, EventDecoder
from yibao.chain.backend import Chain, SentTx, TxRequest, dev_account
from yibao.chain.deployment import Manifest, deploy
from yibao.client.roles import describe_role
from yibao.client.types import TxResult
from yibao.errors import AccessDenied, ChainError, InputError, KeyRefused

T = TypeVar("T")


#: Transactions a bulk command keeps in flight at once (one block on anvil, see Chain.send_many).
PIPELINE = 16


def iter_chunks(items: Sequence[T], n: int) -> Iterable[Sequence[T]]:
    """``items`` in consecutive chunks of at most ``n``."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


class LedgerCore:
    """A client of one deployment, acting as one account at a time."""

    def __init__(self, chain: Chain, manifest: Manifest, account: LocalAccount | None = None) -> None:
        self.chain = chain
        self.manifest = manifest
        self.address = manifest.ledger
        abi = artifacts.ledger_abi()
        self._contract = chain.w3.eth.contract(address=Web3.to_checksum_address(self.address), abi=abi)
        self._events = EventDecoder(abi)
        chain.decoder = ErrorDecoder(abi)
        #: The signing account, or ``None`` for a read-only client (calls carry no sender).
        self.account: LocalAccount | None = account
        self._outputs = {
            item["name"]: [_abi_type(o) for o in item["outputs"]]
            for item in abi
            if item["type"] == "function"
        }
        self._inputs = {item["name"]: item["inputs"] for item in abi if item["type"] == "function"}
        # Calldata is encoded directly with eth-abi (selector + arguments), which is tens of
        # times faster than web3's general encoder (it looks the function up by name and
        # hashes every signature of the ABI on each call); overloaded names go through web3.
        names = [item["name"] for item in abi if item["type"] == "function"]
        self._fast = {
            item["name"]: (function_signature_to_4byte_selector(
                f"{item['name']}({','.join(_abi_type(i) for i in item['inputs'])})"),
                [_abi_type(i) for i in item["inputs"]])
            for item in abi if item["type"] == "function" and names.count(item["name"]) == 1
        }

    # ------------------------------------------------------------------ construction

    @classmethod
    def deploy(cls, chain: Chain, deployer: LocalAccount | None = None, admin: str | None = None) -> Self:
        """Deploy the contracts, signed by ``deployer`` (by default dev key 0, on a dev chain only)."""
        from yibao.keys import is_dev_chain

        if deployer is None:
            if not is_dev_chain(chain):
                raise KeyRefused(f"Ledger.deploy needs a deployer account on chain id {chain.chain_id} "
                                 "(dev key 0 is the default on dev chains only)")
            deployer = dev_account(0)
        manifest = deploy(chain, deployer, admin)
        return cls(chain, manifest, deployer)

    @classmethod
    def open(cls, chain: Chain, manifest: Manifest, account: LocalAccount | None = None) -> Self:
        """A client from a manifest, after checking it against the package and the node."""
        manifest.verify(chain)
        return cls(chain, manifest, account)

    def acting_as(self, account: LocalAccount) -> Self:
        """The same deployment, with transactions signed by ``account``."""
        other = type(self).__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.account = account
        return other

    @property
    def signer(self) -> LocalAccount:
        """The account that signs this client's transactions (refused for a read-only client)."""
        if self.account is None:
            raise KeyRefused("this ledger client is read-only (opened without a signing key): "
                             "open it with an account, or use acting_as(account)")
        return self.account

    @property
    def sender(self) -> str | None:
        """The ``from`` of this client's calls: its account's address, or none when read-only."""
        return self.account.address if self.account is not None else None

    # ------------------------------------------------------------------ plumbing

    def _calldata(self, fn: str, args: tuple[Any, ...]) -> bytes:
        specs = self._inputs.get(fn, ())
        for spec, value in zip(specs, args, strict=False):
            _check_width(f"{fn} {spec['name']}", spec, value)
        fast = self._fast.get(fn)
        if fast is not None and len(args) == len(specs):
            selector, types = fast
            try:
                return selector + abi_encode(types, list(args))
            except Exception:  # noqa: BLE001 - a value eth-abi takes only as web3 converts it (hex text …)
                pass
        data: str = self._contract.encode_abi(fn, args=list(args))
        return bytes.fromhex(data[2:])

    def transact(self, fn: str, *args: Any, gas: int | None = None) -> TxResult:
        data = self._calldata(fn, args)
        try:
            sent = self.chain.send(self.signer, self.address, data, gas=gas)
        except AccessDenied as exc:
            raise self._explain(exc) from None
        return self._result(sent)

    def _result(self, sent: SentTx) -> TxResult:
        logs, decoder = sent.receipt["logs"], self._events

        def events() -> list[dict[str, Any]]:
            return [e for e in (decoder.decode(log) for log in logs) if e]

        return TxResult(sent.gas_used, events, "0x" + sent.tx_hash.hex())

    def request(self, fn: str, *args: Any, gas: int | None = None) -> TxRequest:
        """The transaction :meth:`transact` would send for ``fn(*args)``, signed by this
        client's account, to send with others by :meth:`transact_many`."""
        return TxRequest(self.signer, self.address, self._calldata(fn, args), gas=gas)

    def transact_many(self, requests: Sequence[TxRequest]) -> list[TxResult | ChainError]:
        """Send ``requests`` (of any clients of this deployment) pipelined, in order
        (:meth:`Chain.send_many`): each one's result, or the decoded error it reverted with."""
        out: list[TxResult | ChainError] = []
        for sent in self.chain.send_many(requests):
            if isinstance(sent, SentTx):
                out.append(self._result(sent))
            else:
                out.append(self._explain(sent) if isinstance(sent, AccessDenied) else sent)
        return out

    def transact_all(self, requests: Sequence[TxRequest]) -> list[TxResult]:
        """:meth:`transact_many`, raising the first error once all were sent (what was mined stays)."""
        results = self.transact_many(requests)
        for r in results:
            if isinstance(r, ChainError):
                raise r
        return cast(list[TxResult], results)

    def decode_log(self, log: Any) -> dict[str, Any] | None:
        """A raw log of the ledger as ``{"event", "args", …}``, or None for a foreign one."""
        decoded: dict[str, Any] | None = self._events.decode(log)
        return decoded

    def event_topic(self, name: str) -> bytes:
        """The topic 0 of the ledger's event ``name``."""
        return bytes(self._events.topic(name))

    def decode_input(self, data: Any) -> tuple[str, dict[str, Any]]:
        """A transaction's input to the ledger as its function name and arguments."""
        fn, params = self._contract.decode_function_input(data)
        return str(fn.fn_name), dict(params)

    def _explain(self, exc: AccessDenied) -> AccessDenied:
        """Name the missing role ("operator of 500000") in the error message."""
        role = exc.inputs.get("neededRole", b"")
        try:
            regions = [int(c) for c in self.call("regionCodes")]
        except Exception:  # noqa: BLE001 - best effort only
            regions = []
        name = describe_role(bytes(role), regions)
        who = Web3.to_checksum_address(exc.inputs.get("account", "0x" + "00" * 20))
        explained = AccessDenied(exc.name, exc.error_args, exc.inputs, exc.selector)
        explained.args = (f"{exc.name}: {who} lacks the role {name}",)
        return explained

    def dry_run(self, fn: str, *args: Any) -> None:
        """Run a write as a call from the acting account: raise the decoded refusal it would
        meet now (a missing role named), write nothing."""
        try:
            self.call(fn, *args)
        except AccessDenied as exc:
            raise self._explain(exc) from None

    def call(self, fn: str, *args: Any) -> Any:
        data = self._calldata(fn, args)
        raw = self.chain.call(self.address, data, sender=self.sender)
        values = abi_decode(self._outputs[fn], raw)
        return values[0] if len(values) == 1 else values


def _check_width(what: str, spec: dict[str, Any], value: Any) -> None:
    """Refuse, naming the parameter, an integer the ABI type cannot carry: the node's ABI
    decoder would revert without a reason, and nothing may be cut to fit."""
    t: str = spec["type"]
    if t.startswith("uint") and not t.endswith("]"):
        bits = int(t[4:] or 256)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
            raise InputError(f"{what}: {value!r} does not fit {t} (0..{(1 << bits) - 1})")
    elif t == "tuple" and isinstance(value, (tuple, list)):
        for sub, v in zip(spec["components"], value, strict=False):
            _check_width(f"{what}.{sub['name']}", sub, v)
    elif t == "tuple[]" and isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            _check_width(f"{what}[{i}]", {**spec, "type": "tuple"}, item)


def _abi_type(p: dict[str, Any]) -> str:
    t: str = p["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in p["components"]) + ")" + t[5:]
    return t


__all__ = ["PIPELINE", "LedgerCore", "iter_chunks"]
