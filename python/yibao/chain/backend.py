"""One connection layer for the embedded EVM and any JSON-RPC node.

:class:`Chain` signs every transaction locally with eth-account keys, passes gas
explicitly, checks every receipt, and turns reverts into the same decoded
:class:`~yibao.errors.ContractError` on both kinds of chain.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from hexbytes import HexBytes
from web3.exceptions import TransactionNotFound
from web3.types import RPCEndpoint, TxReceipt

from yibao.chain.abi import ErrorDecoder, revert_data_from_exception
from yibao.errors import ChainError, ContractError, NodeUnreachable, TransactionFailed
from yibao.units import cst_minute, noon_cst

Account.enable_unaudited_hdwallet_features()

#: The well-known development mnemonic; anvil's default accounts come from it, and the
#: embedded chain funds the same accounts, so both chains have the same dev keys.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
DEFAULT_GAS = 12_000_000
EMBEDDED_GAS_LIMIT = 60_000_000


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


#: A request that failed in transit (requests' errors are OSErrors), as opposed to an answer.
TRANSIENT: tuple[type[BaseException], ...] = (OSError,)


@dataclass
class SentTx:
    """A mined transaction: its receipt and gas used."""

    receipt: TxReceipt
    gas_used: int
    tx_hash: bytes


@dataclass
class Chain:
    """A connection to one chain, embedded or over JSON-RPC."""

    w3: Web3
    kind: str  # "embedded" or "rpc"
    url: str | None = None
    tester: Any = None  # eth_tester.EthereumTester when embedded
    decoder: ErrorDecoder = field(default_factory=lambda: ErrorDecoder([]))
    journal: Callable[[int, bytes], None] | None = None  # (timestamp, raw tx) observer
    retry: Retry = field(default_factory=Retry)  # node only: requests that failed in transit
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
        try:
            w3.eth.chain_id  # noqa: B018 - a probe
        except Exception as exc:
            raise NodeUnreachable(f"no JSON-RPC node answers at {url} ({type(exc).__name__})") from exc
        return cls(w3=w3, kind="rpc", url=url)

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
    def for_run(cls, first: dt.date, rpc: str | None, what: str) -> Self:
        """The chain of a run whose first transaction is mined at 12:00 CST of ``first``
        (``what`` names that day in a refusal, e.g. "the scenario's first day").

        Without ``rpc``: a fresh embedded chain whose genesis is a day earlier. With ``rpc``:
        the node there, which must not be at or past that moment (a chain clock only moves
        forward), else a one-line :class:`ChainError` saying how to start a fitting node.
        """
        noon = noon_cst(first)
        if rpc is None:
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
            self._chain_id = int(self._retrying("eth_chainId", lambda: self.w3.eth.chain_id))
        return self._chain_id

    def describe(self) -> str:
        return self.url if self.kind == "rpc" and self.url else "embedded"

    def code_at(self, address: str) -> bytes:
        return bytes(self._retrying("eth_getCode", lambda: self.w3.eth.get_code(Web3.to_checksum_address(address))))

    def block_number(self) -> int:
        return int(self._retrying("eth_blockNumber", lambda: self.w3.eth.block_number))

    def timestamp(self) -> int:
        return int(self._retrying("eth_getBlockByNumber", lambda: self.w3.eth.get_block("latest"))["timestamp"])

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
        """A raw JSON-RPC call (node only); returns ``result``."""
        resp = self._retrying(method, lambda: self.w3.provider.make_request(RPCEndpoint(method), params))
        if "error" in resp:
            raise ChainError(f"{method}: {resp['error']}")
        return resp.get("result")

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

    # ------------------------------------------------------------------ transactions

    def _fee(self) -> int:
        if not self._max_fee:
            base = self._retrying("eth_getBlockByNumber", lambda: self.w3.eth.get_block("latest"))
            base = base.get("baseFeePerGas", 0) or 0
            self._max_fee = max(2 * int(base), 1) + 10**9
        return self._max_fee

    def _count(self, address: str, block: str) -> int:
        return int(self._retrying("eth_getTransactionCount", lambda: self.w3.eth.get_transaction_count(
            Web3.to_checksum_address(address), block)))  # type: ignore[arg-type]

    def _nonce(self, address: str) -> int:
        n = self._nonces.get(address)
        if n is None:
            return self._count(address, "pending")
        if self._shaken:
            # the node was out of reach: it may have restarted from an older state and lost
            # transactions this client saw mined; then their results are void, so say so
            self._shaken = False
            mined = self._count(address, "latest")
            if mined < n:
                self._nonces.clear()
                raise ChainError(
                    f"the node at {self.url} lost {n - mined} mined transaction(s) of {address} (it restarted "
                    f"from an older state); rerun the command to resume")
        return n

    def send(self, account: LocalAccount, to: str | None, data: bytes, gas: int | None = None,
             value: int = 0) -> SentTx:
        """Sign, send and mine one transaction; raise the decoded error if it reverted.

        On a journaled (persisted) embedded chain a call is tried first: a refused command then
        mines nothing and leaves the journal, the nonce and the state as they were."""
        self._tick()  # first: the call below runs in the pending block, at the time the transaction will
        if self.journal is not None and to is not None and data:
            self.call(to, data, sender=account.address, block="pending")
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": self._nonce(account.address),
            "gas": gas or DEFAULT_GAS,
            "maxFeePerGas": self._fee(),
            "maxPriorityFeePerGas": 0,
            "value": value,
            "data": data,
            "type": 2,
        }
        if to is not None:
            tx["to"] = Web3.to_checksum_address(to)
        signed = account.sign_transaction(tx)
        raw = bytes(signed.raw_transaction)
        tx_hash = bytes(signed.hash)
        self.unjournaled = self.unjournaled or self.journal is not None
        try:
            self._broadcast(raw, tx_hash)
        except NodeUnreachable:
            self._nonces.pop(account.address, None)
            raise
        except Exception as exc:
            self._nonces.pop(account.address, None)
            if self.kind == "rpc" and not _looks_like_revert(exc):
                raise ChainError(f"node refused the transaction: {exc}") from exc
            raise self._error_from(exc, account.address, tx) from None
        self._nonces[account.address] = tx["nonce"] + 1
        receipt = self._receipt(tx_hash, raw, account.address, tx["nonce"])
        if self.journal is not None:
            self.journal(int(self.w3.eth.get_block(receipt["blockNumber"])["timestamp"]), raw)
            self.unjournaled = False
        if receipt["status"] != 1:
            raise self._replay_error(account.address, tx, receipt)
        return SentTx(receipt, int(receipt["gasUsed"]), bytes(tx_hash))

    def _broadcast(self, raw: bytes, tx_hash: bytes) -> None:
        """Send signed bytes. On a node, a send that failed in transit is retried with the same
        bytes (the same hash and nonce: at most one of them can ever be mined); a refusal after
        such a retry is fine when the node already knows or has mined this very transaction."""
        attempts = 0

        def send() -> None:
            nonlocal attempts
            attempts += 1
            try:
                self.w3.eth.send_raw_transaction(raw)
            except TRANSIENT:
                raise  # retried by _retrying
            except Exception:
                if attempts > 1 and self._known(tx_hash):
                    return
                raise

        self._retrying("eth_sendRawTransaction", send)

    def _known(self, tx_hash: bytes) -> bool:
        """Whether the node has this transaction, pending or mined."""
        try:
            self._retrying("eth_getTransactionByHash", lambda: self.w3.eth.get_transaction(HexBytes(tx_hash)))
        except TransactionNotFound:
            return False
        return True

    def _receipt(self, tx_hash: bytes, raw: bytes, sender: str, nonce: int) -> TxReceipt:
        """The receipt of a sent transaction. On a node, an unknown receipt is resolved by the
        transaction's hash and nonce, never by signing again: see :meth:`_resolve`."""
        if self.kind == "embedded":
            return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        deadline = time.monotonic() + 120
        check = time.monotonic() + 1.0
        while True:
            try:
                receipt: TxReceipt = self._retrying(
                    "eth_getTransactionReceipt", lambda: self.w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
                return receipt
            except TransactionNotFound:
                pass
            now = time.monotonic()
            if now > deadline:
                raise ChainError(f"transaction 0x{tx_hash.hex()} was not mined in 120 s")
            if now > check:
                self._resolve(tx_hash, raw, sender, nonce)
                check = time.monotonic() + 1.0
            time.sleep(0.005)

    def _resolve(self, tx_hash: bytes, raw: bytes, sender: str, nonce: int) -> None:
        """A transaction without a receipt yet: wait while the node has it pending; send the
        same bytes again when the node lost it and its nonce is still free; refuse when the
        nonce was used by another transaction or the node lost transactions before it."""
        mined = self._count(sender, "latest")
        if mined > nonce:
            try:
                self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
                return  # mined meanwhile: the caller reads the receipt next
            except TransactionNotFound:
                raise ChainError(f"transaction 0x{tx_hash.hex()} was dropped: nonce {nonce} of {sender} "
                                 "was used by another transaction") from None
        if mined < nonce and self._count(sender, "pending") <= nonce:
            raise ChainError(f"the node at {self.url} lost transactions of {sender} before nonce {nonce} "
                             "(it restarted from an older state); rerun the command to resume")
        if not self._known(tx_hash):
            self._broadcast(raw, tx_hash)  # the node lost it; the nonce is free: the same bytes again

    def call(self, to: str, data: bytes, sender: str | None = None, block: Any = "latest") -> bytes:
        """eth_call; a revert raises the decoded error."""
        params: dict[str, Any] = {"to": Web3.to_checksum_address(to), "data": data}
        if sender:
            params["from"] = sender
        elif self.kind == "embedded":  # eth-tester's default sender cannot pay for the call
            params["from"] = dev_account(0).address
        try:
            return bytes(self._retrying("eth_call", lambda: self.w3.eth.call(params, block)))  # type: ignore[arg-type]
        except NodeUnreachable:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._error_from(exc, sender or "", params) from None

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
        target = Web3.to_checksum_address(to)
        for start in range(0, len(calls), chunk):
            requests = [(RPCEndpoint("eth_call"), [{"to": target, "data": "0x" + data.hex(),
                                                    **({"from": sender} if sender else {})}, "latest"])
                        for data in calls[start:start + chunk]]
            provider: Any = self.w3.provider
            answers = self._retrying("eth_call", functools.partial(provider.make_batch_request, requests))
            if not isinstance(answers, list) or len(answers) != len(requests):
                raise ChainError(f"the node at {self.url} answered {len(requests)} calls with {answers!r:.80}")
            for answer in answers:
                out.append(self._answer(answer))
        return out

    def _answer(self, answer: Any) -> bytes | ChainError:
        err = answer.get("error")
        if not err:
            return bytes.fromhex(str(answer["result"])[2:])
        data = err.get("data") if isinstance(err, dict) else None
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            decoded = self.decoder.decode(bytes.fromhex(data[2:]))
            if decoded is not None:
                return decoded
        return TransactionFailed(f"call failed: {err.get('message', err) if isinstance(err, dict) else err}")

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

    def _replay_error(self, sender: str, tx: dict[str, Any], receipt: TxReceipt) -> Exception:
        """Re-run a failed transaction as a call, on the state before it and at its block's
        time (reverts may depend on the day), to read the revert data."""
        block = int(receipt["blockNumber"])
        ts = int(self.w3.eth.get_block(block)["timestamp"])
        params = {"from": sender, "to": tx.get("to"), "data": tx["data"], "gas": tx["gas"], "value": tx["value"]}
        try:
            if self.kind == "embedded":
                # the failed transaction changed only nonce and balance: the pending state will do
                chain = self.tester.backend.chain
                saved = chain.header
                chain.header = saved.copy(timestamp=ts)
                try:
                    self.w3.eth.call(params, "pending")  # type: ignore[arg-type]
                finally:
                    chain.header = saved
            else:
                raw = {"from": sender, "to": tx.get("to"), "data": "0x" + bytes(tx["data"]).hex(),
                       "gas": hex(tx["gas"]), "value": hex(tx["value"])}
                resp = self.w3.provider.make_request(
                    RPCEndpoint("eth_call"), [raw, hex(block - 1), {}, {"time": hex(ts), "number": hex(block)}]
                )
                err = resp.get("error")
                if err:
                    data = err.get("data") if isinstance(err, dict) else None
                    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
                        decoded = self.decoder.decode(bytes.fromhex(data[2:]))
                        if decoded is not None:
                            return decoded
                    return TransactionFailed(f"transaction failed: {err.get('message', err)}")
        except Exception as exc:  # noqa: BLE001
            return self._error_from(exc, sender, tx)
        if int(receipt["gasUsed"]) >= int(tx["gas"]):
            return TransactionFailed(f"transaction ran out of gas ({tx['gas']} given)")
        return TransactionFailed("transaction failed without a reason")


def _looks_like_revert(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "revert" in text or "execution" in text or revert_data_from_exception(exc) is not None


__all__ = [
    "DEFAULT_GAS",
    "DEV_ACCOUNTS",
    "DEV_MNEMONIC",
    "EMBEDDED_GAS_LIMIT",
    "TRANSIENT",
    "Chain",
    "Retry",
    "SentTx",
    "dev_account",
]
