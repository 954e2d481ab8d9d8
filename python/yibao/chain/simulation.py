"""A transaction run without being recorded: its logs and gas, or its decoded error.

A pre-check (screening.md, "Pre-check") must give the decision the contract would give if
the claim were submitted now, from a call that changes no state. ``eth_call`` returns only
the function's return value, and a claim's decision is in its events; so the very
transaction a submission would send is run and its logs are read, nothing is kept:

* on the embedded chain, py-evm applies it to the pending block's state at the time the
  transaction would be mined, and the state is reverted (what eth-tester's ``eth_call``
  does, keeping the computation's log entries);
* on a node, ``eth_simulateV1`` (geth ≥ 1.14.9, Besu ≥ 24.12, anvil ≥ 1.0) runs it in a
  simulated block on top of the latest one, with the block time overridden likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.types import RPCEndpoint

from yibao.chain.backend import Chain
from yibao.errors import ChainError, TransactionFailed


@dataclass(frozen=True)
class Simulated:
    """What a simulated transaction did: ``logs`` in the form the event decoder reads."""

    gas_used: int
    logs: list[dict[str, Any]]


def simulate(chain: Chain, sender: str, to: str, data: bytes, gas: int) -> Simulated:
    """Run a transaction of ``sender`` to ``to`` with ``data`` at the time the next
    transaction would run, and record nothing. A revert raises its decoded error."""
    ts = chain.next_timestamp()
    if chain.kind == "embedded":
        return _embedded(chain, sender, to, data, gas, ts)
    return _node(chain, sender, to, data, gas, ts)


def _embedded(chain: Chain, sender: str, to: str, data: bytes, gas: int, ts: int) -> Simulated:
    from eth.vm.spoof import SpoofTransaction

    tester = chain.tester
    backend = tester.backend
    evm = backend.chain
    tx = tester.normalizer.normalize_inbound_transaction(
        {"from": Web3.to_checksum_address(sender), "to": Web3.to_checksum_address(to),
         "data": "0x" + data.hex(), "gas": gas, "value": 0})
    unsigned = backend._get_normalized_and_unsigned_evm_transaction(tx, "pending")  # eth-tester's own normalising
    vm = evm.get_vm(at_header=evm.header.copy(timestamp=ts))
    state = vm.state
    snapshot = state.snapshot()
    try:
        computation = state.apply_transaction(SpoofTransaction(unsigned, from_=tx["from"]))
    finally:
        state.revert(snapshot)
    if computation.is_error:
        raw = computation.output or b""
        decoded = chain.decoder.decode(bytes(raw)) if raw else None
        if decoded is not None:
            raise decoded
        raise TransactionFailed(f"the transaction would fail: {computation.error}")
    address = Web3.to_checksum_address(to)
    logs = [{"address": Web3.to_checksum_address(a) if a else address,
             "topics": [t.to_bytes(32, "big") for t in topics], "data": bytes(d)}
            for a, topics, d in computation.get_log_entries()]
    return Simulated(int(gas - computation.get_gas_remaining() - computation.get_gas_refund()), logs)


def _node(chain: Chain, sender: str, to: str, data: bytes, gas: int, ts: int) -> Simulated:
    call = {"from": Web3.to_checksum_address(sender), "to": Web3.to_checksum_address(to),
            "data": "0x" + data.hex(), "gas": hex(gas)}
    params = [{"blockStateCalls": [{"blockOverrides": {"time": hex(ts)}, "calls": [call]}],
               "validation": False}, "latest"]
    resp = chain.request("eth_simulateV1", lambda: chain.w3.provider.make_request(
        RPCEndpoint("eth_simulateV1"), params))
    if "error" in resp:
        err = resp["error"]
        raise ChainError(f"the node at {chain.url} cannot simulate a transaction (eth_simulateV1): "
                         f"{err.get('message', err) if isinstance(err, dict) else err}")
    try:
        result = resp["result"][0]["calls"][0]
    except (KeyError, IndexError, TypeError):
        raise ChainError(f"the node at {chain.url} answered eth_simulateV1 with {resp!r:.80}") from None
    if int(result.get("status", "0x0"), 16) != 1:
        err = result.get("error") or {}
        raw = err.get("data") or result.get("returnData") or "0x"
        if isinstance(raw, str) and len(raw) >= 10:
            decoded = chain.decoder.decode(bytes.fromhex(raw[2:]))
            if decoded is not None:
                raise decoded
        raise TransactionFailed(f"the transaction would fail: {err.get('message', 'reverted')}")
    logs = [{"address": Web3.to_checksum_address(x["address"]),
             "topics": [bytes.fromhex(t[2:]) for t in x["topics"]], "data": bytes.fromhex(x["data"][2:])}
            for x in result.get("logs", [])]
    return Simulated(int(result.get("gasUsed", "0x0"), 16), logs)


__all__ = ["Simulated", "simulate"]
