"""Sending transactions: one at a time (:meth:`Sending.send`), or many in flight at once
(:meth:`Sending.send_many`), on the embedded chain and on a node.

Every transaction is signed here with the sender's key and a nonce this client keeps; a
send that fails in transit is retried with the very same bytes (one hash, one nonce: it can
be mined at most once), and a receipt nobody has yet is resolved by hash and nonce, never by
signing again. :class:`~yibao.chain.Chain` is a :class:`Sending`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.types import TxReceipt

from yibao.chain.abi import ErrorDecoder, revert_data_from_exception
from yibao.chain.rpc import RpcError, RpcTransport, lean_receipt
from yibao.chain.txsign import sign_dynamic_fee
from yibao.errors import ChainError, ContractError, NodeUnreachable, TransactionFailed

DEFAULT_GAS = 12_000_000
SEND_ARRAY = 256
"""At most this many transactions of one sender go to a node in one JSON-RPC array."""
PAUSED_INTERVAL_MS = 86_400_017
"""The mining interval a client sets on an anvil it did not start while it sends a batch (a day
and 17 ms: an interval nobody sets by hand, so the next client knows one was killed mid-batch)."""

#: A request that failed in transit (requests' errors are OSErrors), as opposed to an answer.
TRANSIENT: tuple[type[BaseException], ...] = (OSError,)


@dataclass
class SentTx:
    """A mined transaction: its receipt and gas used."""

    receipt: TxReceipt
    gas_used: int
    tx_hash: bytes


@dataclass(frozen=True)
class TxRequest:
    """A transaction to send: ``data`` to ``to`` (None: a deployment), signed by ``account``."""

    account: LocalAccount
    to: str | None
    data: bytes
    gas: int | None = None
    value: int = 0


def looks_like_revert(exc: BaseException) -> bool:
    """Whether a refused send reads as the contract's revert (not the node's refusal)."""
    text = f"{type(exc).__name__} {exc}".lower()
    return "revert" in text or "execution" in text or revert_data_from_exception(exc) is not None


class Sending:
    """The sending half of :class:`~yibao.chain.Chain` (its fields and reads are Chain's)."""

    if TYPE_CHECKING:
        w3: Web3
        kind: str
        url: str | None
        tester: Any
        decoder: ErrorDecoder
        journal: Callable[[int, bytes], None] | None
        rpc: RpcTransport | None
        unjournaled: bool
        _shaken: bool
        _nonces: dict[str, int]
        _max_fee: int
        _clock: int | None
        _last_ts: int
        _sync_send: bool
        _automine: bool | None
        _anvil: bool
        engine: str

        @property
        def chain_id(self) -> int: ...
        def _tick(self) -> None: ...
        def _rpc(self, method: str, params: list[Any]) -> Any: ...
        def _retrying(self, what: str, request: Callable[[], Any]) -> Any: ...
        def _block(self, block: int | str) -> dict[str, Any]: ...
        def _rpc_error(self, exc: RpcError) -> ChainError: ...
        def _error_from(self, exc: BaseException, sender: str, tx: dict[str, Any]) -> Exception: ...
        def block_timestamp(self, block: int | str = "latest") -> int: ...
        def call(self, to: str, data: bytes, sender: str | None = None, block: Any = "latest") -> bytes: ...

    def _fee(self) -> int:
        if not self._max_fee:
            base = self._block("latest").get("baseFeePerGas", 0) or 0
            self._max_fee = max(2 * (int(base, 16) if isinstance(base, str) else int(base)), 1) + 10**9
        return self._max_fee

    def _count(self, address: str, block: str) -> int:
        if self.rpc is not None:
            return int(self._rpc("eth_getTransactionCount", [address, block]), 16)
        return int(self.w3.eth.get_transaction_count(Web3.to_checksum_address(address), block))  # type: ignore[arg-type]

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

    def _signable(self, sender: str, to: str | None, data: bytes, gas: int | None, value: int) -> dict[str, Any]:
        """The fields of ``sender``'s next transaction (the nonce this client keeps for it)."""
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": self._nonce(sender),
            "gas": gas or DEFAULT_GAS,
            "maxFeePerGas": self._fee(),
            "maxPriorityFeePerGas": 0,
            "value": value,
            "data": data,
            "type": 2,
        }
        if to is not None:
            tx["to"] = Web3.to_checksum_address(to)
        return tx

    def send(self, account: LocalAccount, to: str | None, data: bytes, gas: int | None = None,
             value: int = 0) -> SentTx:
        """Sign, send and mine one transaction; raise the decoded error if it reverted.

        On a journaled (persisted) embedded chain a call is tried first: a refused command then
        mines nothing and leaves the journal, the nonce and the state as they were."""
        self._tick()  # first: the call below runs in the pending block, at the time the transaction will
        if self.journal is not None and to is not None and data:
            self.call(to, data, sender=account.address, block="pending")
        tx = self._signable(account.address, to, data, gas, value)
        raw, tx_hash = sign_dynamic_fee(account.key, tx)
        self.unjournaled = self.unjournaled or self.journal is not None
        try:
            synced = self._broadcast(raw, tx_hash)
        except NodeUnreachable:
            self._nonces.pop(account.address, None)
            raise
        except Exception as exc:
            self._nonces.pop(account.address, None)
            if self.kind == "rpc" and not looks_like_revert(exc):
                raise ChainError(f"node refused the transaction: {exc}") from exc
            raise self._error_from(exc, account.address, tx) from None
        self._nonces[account.address] = tx["nonce"] + 1
        receipt = synced if synced is not None else self._receipt(tx_hash, raw, account.address, tx["nonce"])
        if self.journal is not None:
            self.journal(self.block_timestamp(int(receipt["blockNumber"])), raw)
            self.unjournaled = False
        if receipt["status"] != 1:
            raise self._replay_error(account.address, tx, receipt)
        return SentTx(receipt, int(receipt["gasUsed"]), bytes(tx_hash))

    def send_many(self, requests: Sequence[TxRequest]) -> list[SentTx | ChainError]:
        """Send ``requests`` in their order with many in flight, and give each one's
        :class:`SentTx`, or in its place the decoded error it reverted with (a revert does not
        stop the others: each transaction stands alone, as if sent one after another).

        On anvil they are mined together (its automine paused while they go out, a run of one
        sender's as JSON-RPC arrays, then blocks are mined at the chain clock until all are in;
        the receipts come in one request); on another node they are sent back to back and their
        receipts awaited together; on the embedded chain they are sent one by one. A failure in
        transit or of the node raises, as :meth:`send` does: what was mined stays mined, each
        transaction signed once with nonces in order, so a rerun of a resumable command completes
        the rest."""
        if self.rpc is None:
            out: list[SentTx | ChainError] = []
            for r in requests:
                try:
                    out.append(self.send(r.account, r.to, r.data, gas=r.gas, value=r.value))
                except (ContractError, TransactionFailed) as exc:
                    out.append(exc)
            return out
        if not requests:
            return []
        self._tick()
        self._sends_sync()  # asks the node once whether it is anvil and mines as transactions come
        paused = self._pause_mining()
        try:
            if paused or self._anvil:
                sent = self._send_runs(requests)
            else:
                sent = [self._send_signed(r) for r in requests]
            if paused:
                self._mine_until(sent)
        finally:
            if paused:
                self._rpc("evm_setAutomine", [True])
        answers = self._retrying("eth_getTransactionReceipt", lambda: cast(RpcTransport, self.rpc).batch(
            [("eth_getTransactionReceipt", ["0x" + h.hex()]) for h, *_ in sent]))
        results: list[SentTx | ChainError] = []
        for (tx_hash, raw, tx, sender), answer in zip(sent, answers, strict=True):
            found = answer.get("result")
            receipt = (cast(TxReceipt, lean_receipt(found)) if found
                       else self._receipt(tx_hash, raw, sender, int(tx["nonce"])))
            if int(receipt["status"]) == 1:
                results.append(SentTx(receipt, int(receipt["gasUsed"]), tx_hash))
            else:
                results.append(cast(ChainError, self._failure(tx_hash, sender, tx, receipt)))
        if paused or self._anvil:  # blocks were mined after the clock's: the next one follows them
            self._last_ts = max(self._last_ts, self.block_timestamp("latest"))
        return results

    def _pause_mining(self) -> bool:
        """On anvil mining each transaction as it comes: stop that until the batch is sent. The
        fast engine's own node is simply told to stop automining; a node started by someone
        else is set to mine every :data:`PAUSED_INTERVAL_MS` instead, a mark a killed client
        leaves behind for the next one to find (:meth:`resume_paused_mining`)."""
        if not self._sends_sync():  # not auto-mining (or not answering): leave the node as it is
            return False
        try:
            if self.engine == "anvil":
                self._rpc("evm_setAutomine", [False])
            else:
                self._rpc("evm_setIntervalMining", [PAUSED_INTERVAL_MS])
        except RpcError:
            return False
        return True

    def resume_paused_mining(self) -> bool:
        """If a yibao client was killed while it held this anvil's mining paused (its interval is
        :data:`PAUSED_INTERVAL_MS`), mine what that client left waiting and let the node mine
        each transaction as it comes again; True when it did. Called on connecting, before
        anything is read: a resumable command then sees the killed run's transactions mined and
        sends none of them again. Nothing on another node."""
        try:
            interval = self._rpc("anvil_getIntervalMining", [])
        except RpcError:
            return False  # not anvil
        if interval != PAUSED_INTERVAL_MS:
            return False
        for _ in range(10_000):
            if int(self._rpc("txpool_status", [])["pending"], 16) == 0:
                break
            self._rpc("evm_mine", [])
        self._rpc("evm_setAutomine", [True])
        return True

    def _send_runs(self, requests: Sequence[TxRequest]) -> list[tuple[bytes, bytes, dict[str, Any], str]]:
        """Send ``requests`` to anvil: each run of consecutive requests of
        one sender goes as JSON-RPC arrays (:data:`SEND_ARRAY` at most), the runs one after
        another, so the pool receives every transaction in the order given (a node may take an
        array's items in any order, which nonces make harmless within one sender's run)."""
        sent: list[tuple[bytes, bytes, dict[str, Any], str]] = []
        start = 0
        while start < len(requests):
            sender = requests[start].account.address
            end = start + 1
            while end < len(requests) and end - start < SEND_ARRAY and requests[end].account.address == sender:
                end += 1
            if end - start == 1:
                sent.append(self._send_signed(requests[start]))
            else:
                sent += self._send_array(requests[start:end])
            start = end
        return sent

    def _send_array(self, run: Sequence[TxRequest]) -> list[tuple[bytes, bytes, dict[str, Any], str]]:
        """Sign a run of one sender's requests with consecutive nonces and send them as one
        JSON-RPC array. A refusal of any of them takes every transaction of this sender still
        waiting out of the node's pool (the later ones would wait there on the missing nonce for
        ever) and raises, as :meth:`_send_signed` does: what was mined stays mined."""
        sender = run[0].account.address
        signed = [self._sign(r) for r in run]
        rpc = cast(RpcTransport, self.rpc)
        calls = [("eth_sendRawTransaction", ["0x" + raw.hex()]) for _, raw, _, _ in signed]
        try:
            answers = self._retrying("eth_sendRawTransaction", lambda: rpc.batch(calls))
        except Exception:
            self._nonces.pop(sender, None)
            raise
        for (tx_hash, _, _, _), answer in zip(signed, answers, strict=True):
            if "error" in answer and not self._known(tx_hash):
                self._nonces.pop(sender, None)
                try:  # the later ones would wait in the pool on the missing nonce
                    self._rpc("anvil_removePoolTransactions", [sender])
                except RpcError:
                    pass
                refusal = RpcError("eth_sendRawTransaction", answer["error"])
                raise ChainError(f"node refused the transaction: {refusal}")
        return signed

    def _sign(self, r: TxRequest) -> tuple[bytes, bytes, dict[str, Any], str]:
        """Sign ``r`` with the next nonce of its sender, counted as used (a caller whose send
        fails forgets the sender's nonces: they are read from the node again)."""
        tx = self._signable(r.account.address, r.to, r.data, r.gas, r.value)
        raw, tx_hash = sign_dynamic_fee(r.account.key, tx)
        self._nonces[r.account.address] = int(tx["nonce"]) + 1
        return tx_hash, raw, tx, r.account.address

    def _send_signed(self, r: TxRequest) -> tuple[bytes, bytes, dict[str, Any], str]:
        """Sign ``r`` with the next nonce of its sender and send it without waiting."""
        signed = tx_hash, raw, _, sender = self._sign(r)
        try:
            self._broadcast(raw, tx_hash, wait=False)
        except NodeUnreachable:
            self._nonces.pop(sender, None)
            raise
        except Exception as exc:
            self._nonces.pop(sender, None)
            raise ChainError(f"node refused the transaction: {exc}") from exc
        return signed

    def _mine_until(self, sent: Sequence[tuple[bytes, bytes, dict[str, Any], str]]) -> None:
        """Mine blocks until the node's pool holds none of the ``sent`` transactions (a block
        holds what its gas limit lets in). Anvil drops from its pool a transaction that did not
        fit the block being mined once its pool is otherwise empty (a 13th enrolment batch of
        100 after twelve of 200 was seen to vanish so); such a transaction is sent again, the
        same signed bytes, so nothing is signed twice."""
        hashes = [h for h, *_ in sent]
        for _ in range(2 * len(hashes) + 2):
            self._rpc("evm_mine", [])
            last = self._rpc("eth_getTransactionByHash", ["0x" + hashes[-1].hex()])
            if last is not None and last.get("blockNumber"):
                return
            if last is None and int(str(self._rpc("txpool_status", []).get("pending", "0x0")), 16) == 0:
                self._send_again(sent)
        raise ChainError(f"the node at {self.url} did not mine {len(hashes)} sent transactions")

    def _send_again(self, sent: Sequence[tuple[bytes, bytes, dict[str, Any], str]]) -> None:
        """Send again, as signed, those of ``sent`` the node knows nothing of (neither waiting nor mined)."""
        for tx_hash, raw, _, _ in sent:
            if self._rpc("eth_getTransactionByHash", ["0x" + tx_hash.hex()]) is None:
                try:
                    self._rpc("eth_sendRawTransaction", ["0x" + raw.hex()])
                except RpcError:
                    pass  # known after all, or its nonce used: the receipts below tell

    def _failure(self, tx_hash: bytes, sender: str, tx: dict[str, Any], receipt: TxReceipt) -> Exception:
        """The decoded error of a transaction mined as failed among others of its block: its
        revert data as the node's tracer saw it, else a replay (:meth:`_replay_error`)."""
        try:
            trace = self._rpc("debug_traceTransaction", ["0x" + tx_hash.hex(), {"tracer": "callTracer"}])
        except RpcError:
            return self._replay_error(sender, tx, receipt)
        output = trace.get("output") if isinstance(trace, dict) else None
        if isinstance(output, str) and len(output) >= 10:
            decoded = self.decoder.decode(bytes.fromhex(output[2:]))
            if decoded is not None:
                return decoded
        if int(receipt["gasUsed"]) >= int(tx["gas"]):
            return TransactionFailed(f"transaction ran out of gas ({tx['gas']} given)")
        return TransactionFailed("transaction failed without a reason")

    def _broadcast(self, raw: bytes, tx_hash: bytes, wait: bool = True) -> TxReceipt | None:
        """Send signed bytes; with ``wait``, on a node that has ``eth_sendRawTransactionSync``
        (anvil does), return the receipt that comes in the same answer, else None (read it next).

        On a node, a send that failed in transit is retried with the same bytes (the same hash
        and nonce: at most one of them can ever be mined); a refusal after such a retry is fine
        when the node already knows or has mined this very transaction."""
        if self.rpc is None:
            self.w3.eth.send_raw_transaction(raw)
            return None
        rpc = self.rpc
        attempts = 0
        hex_raw = "0x" + raw.hex()

        def send() -> TxReceipt | None:
            nonlocal attempts
            attempts += 1
            try:
                if wait and self._sends_sync():
                    try:
                        return cast(TxReceipt, lean_receipt(rpc.call("eth_sendRawTransactionSync", [hex_raw])))
                    except RpcError as exc:
                        if "timeout" in exc.message.lower() or "timed out" in exc.message.lower():
                            return None  # sent, not mined in the node's wait: the receipt is read next
                        if not exc.unknown_method:
                            raise
                        self._sync_send = False  # an older node: send, then read the receipt
                rpc.call("eth_sendRawTransaction", [hex_raw])
                return None
            except TRANSIENT:
                raise  # retried by _retrying
            except Exception:
                if attempts > 1 and self._known(tx_hash):
                    return None
                raise

        result: TxReceipt | None = self._retrying("eth_sendRawTransaction", send)
        return result

    def _sends_sync(self) -> bool:
        """Whether sends go as ``eth_sendRawTransactionSync``: not to an anvil that mines on
        demand (the call would wait for a block nobody mines); asked once."""
        if self._sync_send and self._automine is None:
            try:
                self._automine = bool(self._rpc("anvil_getAutomine", []))
                self._anvil = True
            except RpcError:
                self._automine = True  # not anvil: try the call, fall back if the node lacks it
            self._sync_send = self._automine
        return self._sync_send

    def _known(self, tx_hash: bytes) -> bool:
        """Whether the node has this transaction, pending or mined."""
        return self._rpc("eth_getTransactionByHash", ["0x" + tx_hash.hex()]) is not None

    def _mined_receipt(self, tx_hash: bytes) -> TxReceipt | None:
        """The receipt of a transaction on a node, or None while it has none."""
        found = self._rpc("eth_getTransactionReceipt", ["0x" + tx_hash.hex()])
        return cast(TxReceipt, lean_receipt(found)) if found else None

    def _receipt(self, tx_hash: bytes, raw: bytes, sender: str, nonce: int) -> TxReceipt:
        """The receipt of a sent transaction. On a node, an unknown receipt is resolved by the
        transaction's hash and nonce, never by signing again: see :meth:`_resolve`."""
        if self.kind == "embedded":
            return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        deadline = time.monotonic() + 120
        check = time.monotonic() + 1.0
        pause = 0.0005  # a dev node mines at once: look again soon, then back off to 50 ms
        while True:
            receipt = self._mined_receipt(tx_hash)
            if receipt is not None:
                return receipt
            now = time.monotonic()
            if now > deadline:
                raise ChainError(f"transaction 0x{tx_hash.hex()} was not mined in 120 s")
            if now > check:
                self._resolve(tx_hash, raw, sender, nonce)
                check = time.monotonic() + 1.0
            time.sleep(pause)
            pause = min(0.05, pause * 2)

    def _resolve(self, tx_hash: bytes, raw: bytes, sender: str, nonce: int) -> None:
        """A transaction without a receipt yet: wait while the node has it pending; send the
        same bytes again when the node lost it and its nonce is still free; refuse when the
        nonce was used by another transaction or the node lost transactions before it."""
        mined = self._count(sender, "latest")
        if mined > nonce:
            if self._mined_receipt(tx_hash) is not None:
                return  # mined meanwhile: the caller reads the receipt next
            raise ChainError(f"transaction 0x{tx_hash.hex()} was dropped: nonce {nonce} of {sender} "
                             "was used by another transaction")
        if mined < nonce and self._count(sender, "pending") <= nonce:
            raise ChainError(f"the node at {self.url} lost transactions of {sender} before nonce {nonce} "
                             "(it restarted from an older state); rerun the command to resume")
        if not self._known(tx_hash):
            self._broadcast(raw, tx_hash)  # the node lost it; the nonce is free: the same bytes again


    def _replay_error(self, sender: str, tx: dict[str, Any], receipt: TxReceipt) -> Exception:
        """Re-run a failed transaction as a call, on the state before it and at its block's
        time (reverts may depend on the day), to read the revert data."""
        block = int(receipt["blockNumber"])
        ts = self.block_timestamp(block)
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
                try:
                    self._rpc("eth_call", [raw, hex(block - 1), {}, {"time": hex(ts), "number": hex(block)}])
                except RpcError as exc:
                    failed = self._rpc_error(exc)
                    if isinstance(failed, ContractError):
                        return failed
                    return TransactionFailed(f"transaction failed: {exc.message}")
        except Exception as exc:  # noqa: BLE001
            return self._error_from(exc, sender, tx)
        if int(receipt["gasUsed"]) >= int(tx["gas"]):
            return TransactionFailed(f"transaction ran out of gas ({tx['gas']} given)")
        return TransactionFailed("transaction failed without a reason")



__all__ = ["DEFAULT_GAS", "PAUSED_INTERVAL_MS", "SEND_ARRAY", "TRANSIENT", "Sending", "SentTx", "TxRequest",
           "looks_like_revert"]
