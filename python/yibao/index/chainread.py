"""Reading a range of blocks for the index, in bulk, on both kinds of chain.

:func:`read_range` returns the ledger's raw logs of blocks ``first..last``, the hash and
time of every block that has one (and of ``last``), and the sender and input of the
transactions the caller asks for (those that emitted ``ClaimDecided``: their
``submitClaims`` calldata holds what the events leave out).

On the embedded chain a block's "hash" is a fingerprint of its content (keccak of its state,
transaction and receipt roots and its time): py-evm draws a random ``mixHash`` each time a
home's journal is replayed into a fresh EVM, so the real hashes of the same blocks change from
one command to the next, while the content (and so the state root, which depends on the whole
history) stays the same unless the chain itself changed.

On the embedded chain the blocks are walked once in py-evm's database, as
:mod:`yibao.chain.logs` does (eth-tester's ``get_logs`` and ``get_transaction`` are
quadratic in the history). On a node: ``eth_getLogs`` by ranges of
:data:`yibao.chain.logs.RPC_CHUNK` blocks, then the blocks and the transactions in JSON-RPC
batches (one round trip per :data:`BATCH` requests), the raw JSON decoded by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3
from web3.types import RPCEndpoint

from yibao.chain.backend import Chain
from yibao.chain.logs import RPC_CHUNK
from yibao.errors import ChainError

#: Requests per JSON-RPC batch.
BATCH = 200


@dataclass(frozen=True)
class RawLog:
    """One log of the ledger: where it is and its raw topics and data."""

    block: int
    index: int  #: position in the block
    tx: str  #: 0x transaction hash
    topics: tuple[bytes, ...]
    data: bytes


@dataclass
class Range:
    """What :func:`read_range` read."""

    logs: list[RawLog] = field(default_factory=list)
    blocks: dict[int, tuple[str, int]] = field(default_factory=dict)  #: number → (0x hash, timestamp)
    txs: dict[str, tuple[str, bytes]] = field(default_factory=dict)  #: 0x tx hash → (sender, input)


@functools.lru_cache(maxsize=4096)
def checksum(raw: bytes) -> str:
    """A 20-byte address as its checksum form (cached: institutions repeat)."""
    return str(Web3.to_checksum_address(raw))


def read_range(chain: Chain, address: str, first: int, last: int, wanted: Callable[[RawLog], bool]) -> Range:
    """Logs of ``address`` in ``first..last`` with their blocks, and the transactions of the
    logs for which ``wanted(log)`` holds."""
    if chain.kind == "embedded":
        return _embedded(chain, address, first, last, wanted)
    return _node(chain, address, first, last, wanted)


def _embedded(chain: Chain, address: str, first: int, last: int, wanted: Callable[[RawLog], bool]) -> Range:
    evm = chain.tester.backend.chain
    want = bytes.fromhex(address[2:].lower())
    out = Range()
    for number in range(first, last + 1):
        block = evm.get_canonical_block_by_number(number)
        found = False
        if block.transactions:
            position = 0
            for tx, receipt in zip(block.transactions, block.get_receipts(evm.chaindb), strict=True):
                tx_hash = ""
                for log in receipt.logs:
                    position += 1
                    if log.address != want:
                        continue
                    found = True
                    tx_hash = tx_hash or "0x" + bytes(tx.hash).hex()
                    raw = RawLog(number, position - 1, tx_hash, tuple(t.to_bytes(32, "big") for t in log.topics),
                                 bytes(log.data))
                    out.logs.append(raw)
                    if tx_hash not in out.txs and wanted(raw):
                        out.txs[tx_hash] = (checksum(bytes(tx.sender)), bytes(tx.data))
        if found or number == last:
            out.blocks[number] = (fingerprint(block.header), int(block.header.timestamp))
    return out


def fingerprint(header: Any) -> str:
    """An embedded block's stable "hash": keccak of its state, transaction and receipt roots and
    its time (the same after a journal replay, unlike the header's hash)."""
    return "0x" + keccak(bytes(header.state_root) + bytes(header.transaction_root) + bytes(header.receipt_root)
                         + int(header.timestamp).to_bytes(8, "big")).hex()


def block_hashes(chain: Chain, numbers: Sequence[int]) -> dict[int, str | None]:
    """The chain's hash of each block number (None where the chain has no such block; on the
    embedded chain its :func:`fingerprint`)."""
    if chain.kind == "embedded":
        evm = chain.tester.backend.chain
        top = int(evm.get_canonical_head().block_number)
        return {n: fingerprint(evm.get_canonical_block_header_by_number(n)) if n <= top else None for n in numbers}
    answers = batch(chain, "eth_getBlockByNumber", [[hex(n), False] for n in numbers])
    return {n: (str(a["hash"]) if a else None) for n, a in zip(numbers, answers, strict=True)}


def batch(chain: Chain, method: str, params: Sequence[list[Any]]) -> list[Any]:
    """The results of ``method`` with each of ``params``, in JSON-RPC batches of :data:`BATCH`."""
    provider: Any = chain.w3.provider
    out: list[Any] = []
    for start in range(0, len(params), BATCH):
        requests = [(RPCEndpoint(method), p) for p in params[start:start + BATCH]]
        answers = chain.request(method, functools.partial(provider.make_batch_request, requests))
        if not isinstance(answers, list) or len(answers) != len(requests):
            raise ChainError(f"the node at {chain.url} answered {len(requests)} {method} requests with {answers!r:.80}")
        for answer in sorted(answers, key=lambda a: int(a.get("id", 0))) if _numbered(answers) else answers:
            if answer.get("error"):
                raise ChainError(f"{method}: {answer['error']}")
            out.append(answer.get("result"))
    return out


def _numbered(answers: list[Any]) -> bool:
    return all(isinstance(a, dict) and isinstance(a.get("id"), int) for a in answers)


def _node(chain: Chain, address: str, first: int, last: int, wanted: Callable[[RawLog], bool]) -> Range:
    provider: Any = chain.w3.provider
    target = Web3.to_checksum_address(address)
    out = Range()
    hashes: dict[int, str] = {}
    for start in range(first, last + 1, RPC_CHUNK):
        end = min(last, start + RPC_CHUNK - 1)
        query = {"address": target, "fromBlock": hex(start), "toBlock": hex(end)}
        answer = chain.request("eth_getLogs", functools.partial(
            provider.make_request, RPCEndpoint("eth_getLogs"), [query]))
        if "error" in answer:
            raise ChainError(f"eth_getLogs: {answer['error']}")
        for log in answer["result"]:
            raw = RawLog(int(log["blockNumber"], 16), int(log["logIndex"], 16), str(log["transactionHash"]),
                         tuple(bytes.fromhex(t[2:]) for t in log["topics"]), bytes.fromhex(log["data"][2:]))
            out.logs.append(raw)
            hashes[raw.block] = str(log["blockHash"])
            if raw.tx not in out.txs and wanted(raw):
                out.txs[raw.tx] = ("", b"")
    out.logs.sort(key=lambda x: (x.block, x.index))
    numbers = sorted({*hashes, last})
    for n, b in zip(numbers, batch(chain, "eth_getBlockByNumber", [[hex(n), False] for n in numbers]), strict=True):
        if b is None:
            raise ChainError(f"the node at {chain.url} has no block {n} (its chain moved while it was read)")
        out.blocks[n] = (str(b["hash"]), int(b["timestamp"], 16))
    tx_hashes = list(out.txs)
    for h, t in zip(tx_hashes, batch(chain, "eth_getTransactionByHash", [[h] for h in tx_hashes]), strict=True):
        if t is None:
            raise ChainError(f"the node at {chain.url} has no transaction {h} (its chain moved while it was read)")
        out.txs[h] = (checksum(bytes.fromhex(t["from"][2:])), bytes.fromhex(t["input"][2:]))
    return out


__all__ = ["BATCH", "Range", "RawLog", "batch", "block_hashes", "checksum", "fingerprint", "read_range"]
