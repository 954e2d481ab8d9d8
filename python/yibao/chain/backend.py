"""One connection layer for the embedded EVM and any JSON-RPC node.

:class:`Chain` signs every transaction locally with eth-account keys, passes gas
explicitly, checks every receipt, and turns reverts into the same decoded
:class:`~yibao.errors.ContractError` on both kinds of chain.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from yibao.chain.abi import ErrorDecoder, revert_data_from_exception
from yibao.chain.rpc import RpcError, RpcTransport
from yibao.chain.sending import DEFAULT_GAS, TRANSIENT, SentTx, Sending, TxRequest
from yibao.errors import ChainError, ContractError, NodeUnreachable, TransactionFailed
from yibao.units import cst_minute, noon_cst

Account.enable_unaudited_hdwallet_features()

#: The well-known development mnemonic; anvil's default accounts come from it, and the
#: embedded chain funds the same accounts, so both chains have the same dev keys.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
EMBEDDED_GAS_LIMIT = 60_000_000
LOCAL_GAS_LIMIT = 1_000_000_000  # a node of Chain.local(): room for many batches in one block
#: The engines of a fresh chain (``--engine``): anvil started here (the default of demo,
#: simulate and bench) or the embedded py-evm, the reference engine.
ENGINES = ("anvil", "pyevm")


def dev_account(i: int) -> LocalAccount:
    """Development account number ``i`` (anvil's ordering)."""
    acct: LocalAccount = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
    return acct


@dataclass(frozen=True)
class Retry:
    """How a node chain retries a JSON-RPC request that failed in transit (connection refused
    or reset, a timeout, an HTTP error): up to ``attempts`` tries, waiting ``first_wait``
    seconds after the first failure and twice as long after each next one, at most ``max_wait``.
    A request the node answered with an error (a revert, a refused transaction) is not retried."""

    attempts: int = 7
    first_wait: float = 0.1
    max_wait: float = 2.0

    def waits(self) -> Iterator[float]:
        """The pauses between tries (``attempts - 1`` of them)."""
        wait = self.first_wait
        for _ in range(self.attempts - 1):
            yield wait
            wait = min(self.max_wait, wait * 2)


@dataclass
class Chain(Sending):
    """A connection to one chain, embedded or over JSON-RPC."""

    w3: Web3
    kind: str  # "embedded" or "rpc"
    url: str | None = None
    tester: Any = None  # eth_tester.EthereumTester when embedded
    decoder: ErrorDecoder = field(default_factory=lambda: ErrorDecoder([]))
    journal: Callable[[int, bytes], None] | None = None  # (timestamp, raw tx) observer
    retry: Retry = field(default_factory=Retry)  # node only: requests that failed in transit
    rpc: RpcTransport | None = None  # node only: the lean path of sends, receipts, calls and the clock
    #: What executes: "pyevm" (the embedded chain), "anvil" (a node this process started,
    #: :meth:`local`), "node" (a node at a URL).
    engine: str = "pyevm"
    on_close: list[Callable[[], Any]] = field(default_factory=list)  # run once by close()
    #: A block may have been mined that the journal has not recorded (set while a journaled
    #: transaction is on its way; it stays set if that failed): such a chain is never kept warm.
    unjournaled: bool = False
    _shaken: bool = False  # a request failed in transit since the nonces were last checked
    _nonces: dict[str, int] = field(default_factory=dict)
    _max_fee: int = 0
    _chain_id: int = 0
    _clock: int | None = None  # see set_clock
    _last_ts: int = 0
    _sync_send: bool = True  # node: try eth_sendRawTransactionSync (the receipt in the same answer)
    _automine: bool | None = None  # node: whether it mines each transaction as it comes (anvil says)
    _anvil: bool = False  # node: it answered anvil_getAutomine

    # ------------------------------------------------------------------ construction

    @classmethod
    def embedded(cls, genesis_timestamp: int | None = None) -> Self:
        """A fresh in-process chain (py-evm, Prague rules) with the dev accounts funded."""
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider

        state = {
            bytes.fromhex(dev_account(i).address[2:]): {
                "balance": 10**24,
                "nonce": 0,
                "code": b"",
                "storage": {},
            }
            for i in range(DEV_ACCOUNTS)
        }
        overrides: dict[str, Any] = {"gas_limit": EMBEDDED_GAS_LIMIT}
        if genesis_timestamp is not None:
            overrides["timestamp"] = genesis_timestamp
        backend = PyEVMBackend(
            genesis_parameters=PyEVMBackend.generate_genesis_params(overrides),
            genesis_state=state,
        )
        tester = EthereumTester(backend)
        w3 = Web3(EthereumTesterProvider(tester))
        return cls(w3=w3, kind="embedded", tester=tester)

    @classmethod
    def connect(cls, url: str, timeout: float = 10.0) -> Self:
        """Connect to a JSON-RPC node; raise :class:`NodeUnreachable` if it does not answer."""
        # web3's own retries are off: Chain retries every request the same way (see Retry)
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None))
        rpc = RpcTransport(url, timeout=max(timeout, 120.0))
        try:
            chain_id = int(rpc.call("eth_chainId", []), 16)
        except Exception as exc:
            rpc.close()
            raise NodeUnreachable(f"no JSON-RPC node answers at {url} ({type(exc).__name__})") from exc
        chain = cls(w3=w3, kind="rpc", url=url, rpc=rpc, engine="node")
        chain._chain_id = chain_id
        chain.on_close.append(rpc.close)
        chain.resume_paused_mining()
        return chain

    def close(self) -> None:
        """Release what the chain holds (the journal lock of a home's embedded chain)."""
        hooks, self.on_close = self.on_close, []
        for hook in hooks:
            hook()

    def _retrying(self, what: str, request: Callable[[], Any]) -> Any:
        """``request()``, retried with backoff while it fails in transit (node chains only)."""
        if self.kind != "rpc":
            return request()
        waits = self.retry.waits()
        while True:
            try:
                return request()
            except TRANSIENT as exc:
                self._shaken = True
                wait = next(waits, None)
                if wait is None:
                    raise NodeUnreachable(
                        f"no JSON-RPC node answers at {self.url} ({what}: {type(exc).__name__} "
                        f"after {self.retry.attempts} tries); rerun the command to resume") from exc
                time.sleep(wait)

    def request(self, what: str, request: Callable[[], Any]) -> Any:
        """A read of the node (``what`` names it in an error) under the chain's retry policy:
        retried with backoff while it fails in transit, then :class:`NodeUnreachable`."""
        return self._retrying(what, request)

    @classmethod
    def local(cls, genesis_timestamp: int | None = None) -> Self:
        """A fresh anvil node started here (the checkout's npm binary, see
        :func:`~yibao.chain.node.anvil_binary`) on a free port of 127.0.0.1, with the dev
        accounts funded: revm's speed with exact gas, as fresh as :meth:`embedded`. Its blocks
        take up to 1,000,000,000 gas (a batch sent with :meth:`send_many` fits in one), its pool
        keeps the order of arrival. :meth:`close` stops it (so does the end of the process)."""
        from yibao.chain.node import AnvilNode

        # anvil 1.7 rebuilds its whole in-memory state trie for every block (tens of ms once a
        # year of claims is stored); a node forked from another, idle, anvil keeps its state
        # in a fork cache that has no trie to rebuild: ~1 ms a block whatever the state
        # (docs/decisions.md, "The fast engine")
        origin = AnvilNode(timestamp=genesis_timestamp, gas_limit=LOCAL_GAS_LIMIT)
        nodes = [origin]
        try:
            nodes.append(AnvilNode(timestamp=genesis_timestamp, gas_limit=LOCAL_GAS_LIMIT, extra_args=(
                "--order", "fifo", "--fork-url", origin.url, "--no-storage-caching")))
            chain = cls.connect(nodes[-1].url)
        except BaseException:
            for n in nodes:
                n.stop()
            raise
        chain.engine = "anvil"
        for n in reversed(nodes):
            chain.on_close.append(n.stop)
            weakref.finalize(chain, n.stop)
        return chain

    @classmethod
    def for_run(cls, first: dt.date, rpc: str | None, what: str, engine: str = "pyevm") -> Self:
        """The chain of a run whose first transaction is mined at 12:00 CST of ``first``
        (``what`` names that day in a refusal, e.g. "the scenario's first day").

        Without ``rpc``: a fresh chain of ``engine`` (``pyevm``: embedded, ``anvil``: a node
        started here, :meth:`local`) whose genesis is a day earlier. With ``rpc``:
        the node there, which must not be at or past that moment (a chain clock only moves
        forward), else a one-line :class:`ChainError` saying how to start a fitting node.
        """
        noon = noon_cst(first)
        if rpc is None:
            if engine == "anvil":
                return cls.local(genesis_timestamp=noon - 86_400)
            return cls.embedded(genesis_timestamp=noon - 86_400)
        chain = cls.connect(rpc)
        if chain.timestamp() >= noon:
            raise ChainError(
                f"the node at {rpc} is at {cst_minute(chain.timestamp())}, past 12:00 CST "
                f"of {what} {first.isoformat()}; start a fresh node (anvil --timestamp {noon - 86_400})"
            )
        return chain

    # ------------------------------------------------------------------ basics

    @property
    def chain_id(self) -> int:
        if not self._chain_id:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def describe(self) -> str:
        if self.engine == "anvil":
            return "anvil (started here)"
        return self.url if self.kind == "rpc" and self.url else "embedded"

    def code_at(self, address: str) -> bytes:
        if self.rpc is not None:
            return bytes.fromhex(str(self._rpc("eth_getCode", [address, "latest"]))[2:])
        return bytes(self.w3.eth.get_code(Web3.to_checksum_address(address)))

    def block_number(self) -> int:
        if self.rpc is not None:
            return int(self._rpc("eth_blockNumber", []), 16)
        return int(self.w3.eth.block_number)

    def _block(self, block: int | str) -> dict[str, Any]:
        """A block's header fields (no transactions); on a node as raw JSON (hex numbers)."""
        if self.rpc is not None:
            tag = hex(block) if isinstance(block, int) else block
            found = self._rpc("eth_getBlockByNumber", [tag, False])
            if found is None:
                raise ChainError(f"the node at {self.url} has no block {block}")
            return dict(found)
        return dict(self.w3.eth.get_block(block))  # type: ignore[arg-type]

    def block_timestamp(self, block: int | str = "latest") -> int:
        """The time of a block (``latest`` by default)."""
        ts = self._block(block)["timestamp"]
        return int(ts, 16) if isinstance(ts, str) else int(ts)

    def timestamp(self) -> int:
        return self.block_timestamp("latest")

    def set_next_timestamp(self, ts: int) -> None:
        """Move the chain to time ``ts`` now (an empty block is mined at ``ts``); following
        transactions run from then on, one second apart."""
        last = max(self._last_ts, self.timestamp())
        if ts <= last:
            raise ChainError(f"the chain clock only moves forward: {ts} is not after the last block ({last})")
        if self.kind == "embedded":
            self.set_pending_timestamp(ts)
            self.tester.mine_blocks()
        else:
            self._rpc("evm_mine", [ts])
        self._clock = ts
        self._last_ts = ts

    def _rpc(self, method: str, params: list[Any]) -> Any:
        """A raw JSON-RPC call (node only) on the lean path, retried in transit; returns ``result``
        (an error answer raises :class:`~yibao.chain.rpc.RpcError`, a :class:`ChainError`)."""
        rpc = self.rpc
        if rpc is None:
            raise ChainError(f"{method} needs a JSON-RPC node")
        return self._retrying(method, lambda: rpc.call(method, params))

    def set_clock(self, ts: int) -> None:
        """Run the following transactions at chain time ``ts`` (each one a second later than
        the last, since every transaction is its own block). The clock only moves forward."""
        last = max(self._last_ts, self.timestamp())
        if ts < last:
            raise ChainError(f"the chain clock only moves forward: {ts} is before the last block ({last})")
        self._clock = ts
        self._last_ts = last

    def clear_clock(self) -> None:
        """Forget a clock set by :meth:`set_clock`: the next transaction runs at the wall clock
        (never before the last block) — as a chain just rebuilt from its journal does."""
        self._clock = None

    def _tick(self) -> None:
        if self._clock is None:
            return
        ts = max(self._clock, self._last_ts + 1)
        if self.kind == "embedded":
            self.set_pending_timestamp(ts)
        else:
            self._rpc("evm_setNextBlockTimestamp", [ts])
        self._last_ts = ts

    def next_timestamp(self) -> int:
        """The time the next transaction would run at: the client's clock when it is set
        (see :meth:`set_clock`), else the wall clock, and always after the last block."""
        last = max(self._last_ts, self.timestamp())
        base = self._clock if self._clock is not None else int(time.time())
        return max(base, last + 1)

    def set_pending_timestamp(self, ts: int) -> None:
        """Embedded only: the block being built gets timestamp ``ts`` (no empty block mined)."""
        chain = self.tester.backend.chain
        chain.header = chain.header.copy(timestamp=ts)

    def fund(self, address: str, wei: int = 10**21) -> None:
        """Give a key gas money: by genesis-funded dev account on dev chains."""
        if self.kind == "rpc":
            try:
                self._rpc("anvil_setBalance", [address, hex(wei)])
                return
            except Exception:  # noqa: BLE001 - not anvil: pay from dev account 0 below
                pass
        self.send(dev_account(0), to=address, data=b"", value=wei, gas=21_000)

    def snapshot(self) -> Any:
        """A snapshot of the chain (and of this client's clock) to revert to."""
        if self.kind == "embedded":
            snap = self.tester.take_snapshot()
        else:
            snap = self._rpc("evm_snapshot", [])
        return (snap, self._clock, self._last_ts)

    def revert(self, snapshot: Any) -> None:
        snap, clock, last_ts = snapshot
        self._nonces.clear()
        if self.kind == "embedded":
            self.tester.revert_to_snapshot(snap)
        else:
            self._rpc("evm_revert", [snap])
        self._clock, self._last_ts = clock, last_ts

    def call(self, to: str, data: bytes, sender: str | None = None, block: Any = "latest") -> bytes:
        """eth_call; a revert raises the decoded error."""
        if self.rpc is not None:
            raw: dict[str, Any] = {"to": to, "data": "0x" + data.hex(), **({"from": sender} if sender else {})}
            tag = hex(block) if isinstance(block, int) else block
            try:
                return bytes.fromhex(str(self._rpc("eth_call", [raw, tag]))[2:])
            except RpcError as exc:
                raise self._rpc_error(exc) from None
        params: dict[str, Any] = {"to": Web3.to_checksum_address(to), "data": data}
        params["from"] = sender or dev_account(0).address  # eth-tester's default sender cannot pay
        try:
            return bytes(self.w3.eth.call(params, block))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            raise self._error_from(exc, sender or "", params) from None

    def _rpc_error(self, exc: RpcError) -> ChainError:
        """A node's error answer to a call: the decoded contract error when it carries revert data."""
        if exc.data is not None and len(exc.data) >= 4:
            decoded = self.decoder.decode(exc.data)
            if decoded is not None:
                return decoded
        return TransactionFailed(f"call failed: {exc.message}")

    def call_many(self, to: str, calls: Sequence[bytes], sender: str | None = None,
                  chunk: int = 500) -> list[bytes | ChainError]:
        """eth_call of each calldata in ``calls``, in order; on a node in JSON-RPC batches of
        ``chunk`` (one round trip each). A call that reverts gives its decoded error in its
        place instead of raising it."""
        out: list[bytes | ChainError] = []
        if self.kind == "embedded":
            for data in calls:
                try:
                    out.append(self.call(to, data, sender))
                except ChainError as exc:
                    out.append(exc)
            return out
        rpc = self.rpc
        assert rpc is not None
        for start in range(0, len(calls), chunk):
            requests = [("eth_call", [{"to": to, "data": "0x" + data.hex(), **({"from": sender} if sender else {})},
                                      "latest"]) for data in calls[start:start + chunk]]
            answers = self._retrying("eth_call", functools.partial(rpc.batch, requests))
            for answer in answers:
                out.append(self._answer(answer))
        return out

    def _answer(self, answer: Any) -> bytes | ChainError:
        err = answer.get("error")
        if not err:
            return bytes.fromhex(str(answer["result"])[2:])
        return self._rpc_error(RpcError("eth_call", err))

    def _error_from(self, exc: BaseException, sender: str, tx: dict[str, Any]) -> Exception:
        data = revert_data_from_exception(exc)
        if data:
            decoded = self.decoder.decode(data)
            if decoded is not None:
                return decoded
        if isinstance(exc, ContractError):
            return exc
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return TransactionFailed(f"transaction failed without a reason: {msg}")


__all__ = [
    "DEFAULT_GAS",
    "DEV_ACCOUNTS",
    "DEV_MNEMONIC",
    "EMBEDDED_GAS_LIMIT",
    "ENGINES",
    "LOCAL_GAS_LIMIT",
    "TRANSIENT",
    "Chain",
    "Retry",
    "SentTx",
    "TxRequest",
    "dev_account",
]
