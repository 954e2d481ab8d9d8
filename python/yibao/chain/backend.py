"""One connection layer for the embedded EVM and any JSON-RPC node.

:class:`Chain` signs every transaction locally with eth-account keys, passes gas
explicitly, checks every receipt, and turns reverts into the same decoded
:class:`~yibao.errors.ContractError` on both kinds of chain.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
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
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        try:
            w3.eth.chain_id  # noqa: B018 - a probe
        except Exception as exc:
            raise NodeUnreachable(f"no JSON-RPC node answers at {url} ({type(exc).__name__})") from exc
        return cls(w3=w3, kind="rpc", url=url)

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
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def describe(self) -> str:
        return self.url if self.kind == "rpc" and self.url else "embedded"

    def code_at(self, address: str) -> bytes:
        return bytes(self.w3.eth.get_code(Web3.to_checksum_address(address)))

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def timestamp(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

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
        resp = self.w3.provider.make_request(RPCEndpoint(method), params)
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

    def _tick(self) -> None:
        if self._clock is None:
            return
        ts = max(self._clock, self._last_ts + 1)
        if self.kind == "embedded":
            self.set_pending_timestamp(ts)
        else:
            self._rpc("evm_setNextBlockTimestamp", [ts])
        self._last_ts = ts

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
            base = self.w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0
            self._max_fee = max(2 * int(base), 1) + 10**9
        return self._max_fee

    def _nonce(self, address: str) -> int:
        n = self._nonces.get(address)
        if n is None:
            n = int(self.w3.eth.get_transaction_count(Web3.to_checksum_address(address), "pending"))
        return n

    def send(self, account: LocalAccount, to: str | None, data: bytes, gas: int | None = None,
             value: int = 0) -> SentTx:
        """Sign, send and mine one transaction; raise the decoded error if it reverted."""
        self._tick()
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
        try:
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:
            self._nonces.pop(account.address, None)
            if self.kind == "rpc" and not _looks_like_revert(exc):
                raise ChainError(f"node refused the transaction: {exc}") from exc
            raise self._error_from(exc, account.address, tx) from None
        self._nonces[account.address] = tx["nonce"] + 1
        receipt = self._receipt(tx_hash)
        if self.journal is not None:
            self.journal(int(self.w3.eth.get_block(receipt["blockNumber"])["timestamp"]), raw)
        if receipt["status"] != 1:
            raise self._replay_error(account.address, tx, receipt)
        return SentTx(receipt, int(receipt["gasUsed"]), bytes(tx_hash))

    def _receipt(self, tx_hash: Any) -> TxReceipt:
        if self.kind == "embedded":
            return self.w3.eth.get_transaction_receipt(tx_hash)
        deadline = time.monotonic() + 120
        while True:
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise ChainError(f"transaction {tx_hash.hex()} was not mined in 120 s") from exc
                time.sleep(0.005)

    def call(self, to: str, data: bytes, sender: str | None = None, block: Any = "latest") -> bytes:
        """eth_call; a revert raises the decoded error."""
        params: dict[str, Any] = {"to": Web3.to_checksum_address(to), "data": data}
        if sender:
            params["from"] = sender
        elif self.kind == "embedded":  # eth-tester's default sender cannot pay for the call
            params["from"] = dev_account(0).address
        try:
            return bytes(self.w3.eth.call(params, block))  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            raise self._error_from(exc, sender or "", params) from None

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
    "Chain",
    "SentTx",
    "dev_account",
]
