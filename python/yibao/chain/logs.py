"""Reading a contract's logs by block range, fast on both kinds of chain.

On a node, :func:`read_logs` asks ``eth_getLogs`` in block ranges of at most
:data:`RPC_CHUNK` blocks, filtered by address and topics on the node's side.

On the embedded chain, eth-tester's ``get_logs`` is quadratic in the length of the history:
for every transaction of every block in the range it looks the transaction up by hash,
scanning the chain backwards from its head. So here the blocks are walked once, directly in
py-evm's database, and each receipt's logs are matched against the address and topics before
anything is decoded: linear in the blocks read, and the block time and the sender come for
free.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from yibao.chain.backend import Chain

#: Blocks per ``eth_getLogs`` request on a node (nodes cap the range or the answer's size).
RPC_CHUNK = 10_000

#: A topic position: ``None`` (anything), one 32-byte value, or any of several.
Topic = bytes | Sequence[bytes] | None


@dataclass(frozen=True)
class Log:
    """One log: where it is (block, position in the block, transaction) and what it says."""

    block: int
    index: int  #: position in the block, over all its transactions
    tx: str  #: 0x transaction hash
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    timestamp: int | None = None  #: the block's time (known on the embedded chain)
    sender: str | None = None  #: the transaction's sender (known on the embedded chain)

    def raw(self) -> dict[str, Any]:
        """The log as :class:`yibao.chain.abi.EventDecoder` reads it."""
        return {"address": self.address, "topics": list(self.topics), "data": self.data}


def _matches(topics: Sequence[bytes], want: Sequence[Topic]) -> bool:
    if len(want) > len(topics):
        return False
    for have, w in zip(topics, want, strict=False):
        if w is None:
            continue
        if isinstance(w, bytes):
            if have != w:
                return False
        elif have not in w:
            return False
    return True


def head(chain: Chain) -> int:
    """The number of the latest block."""
    return chain.block_number()


def read_logs(chain: Chain, address: str, topics: Sequence[Topic], from_block: int,
              to_block: int | None = None) -> list[Log]:
    """The logs of ``address`` in blocks ``from_block..to_block`` (default: the head) whose
    topics match ``topics`` (position by position), in chain order."""
    last = head(chain) if to_block is None else to_block
    if last < from_block:
        return []
    if chain.kind == "embedded":
        return _embedded_logs(chain, address, topics, from_block, last)
    return _node_logs(chain, address, topics, from_block, last)


def _embedded_logs(chain: Chain, address: str, topics: Sequence[Topic], first: int, last: int) -> list[Log]:
    evm = chain.tester.backend.chain
    want = bytes.fromhex(Web3.to_checksum_address(address)[2:])
    checksum = Web3.to_checksum_address(address)
    out: list[Log] = []
    for number in range(first, last + 1):
        block = evm.get_canonical_block_by_number(number)
        if not block.transactions:
            continue
        position = 0
        receipts = block.get_receipts(evm.chaindb)
        for tx, receipt in zip(block.transactions, receipts, strict=True):
            for log in receipt.logs:
                position += 1
                if log.address != want:
                    continue
                log_topics = tuple(t.to_bytes(32, "big") for t in log.topics)
                if not _matches(log_topics, topics):
                    continue
                out.append(Log(number, position - 1, "0x" + bytes(tx.hash).hex(), checksum, log_topics,
                               bytes(log.data), int(block.header.timestamp),
                               Web3.to_checksum_address(tx.sender)))
    return out


def _node_logs(chain: Chain, address: str, topics: Sequence[Topic], first: int, last: int) -> list[Log]:
    def hexed(t: Topic) -> Any:
        if t is None:
            return None
        if isinstance(t, bytes):
            return "0x" + t.hex()
        return ["0x" + x.hex() for x in t]

    out: list[Log] = []
    checksum = Web3.to_checksum_address(address)
    for start in range(first, last + 1, RPC_CHUNK):
        end = min(last, start + RPC_CHUNK - 1)
        query: Any = {"address": checksum, "fromBlock": start, "toBlock": end, "topics": [hexed(t) for t in topics]}
        raw = chain.request("eth_getLogs", functools.partial(chain.w3.eth.get_logs, query))
        for log in raw:
            tx = log["transactionHash"]
            out.append(Log(int(log["blockNumber"]), int(log["logIndex"]),
                           tx if isinstance(tx, str) else "0x" + bytes(tx).hex(), checksum,
                           tuple(bytes(t) for t in log["topics"]), bytes(log["data"])))
    out.sort(key=lambda x: (x.block, x.index))
    return out


def block_time(chain: Chain, block: int) -> int:
    """A block's timestamp (unix seconds)."""
    return int(chain.request("eth_getBlockByNumber", lambda: chain.w3.eth.get_block(block))["timestamp"])


def first_block_at(chain: Chain, timestamp: int, lo: int, hi: int | None = None) -> int:
    """The first block in ``lo..hi`` (default: the head) whose time is at least ``timestamp``,
    by bisection (block times never go back); ``hi + 1`` when there is none."""
    top = head(chain) if hi is None else hi
    a, b = lo, top + 1
    while a < b:
        mid = (a + b) // 2
        if block_time(chain, mid) >= timestamp:
            b = mid
        else:
            a = mid + 1
    return a


__all__ = ["RPC_CHUNK", "Log", "Topic", "block_time", "first_block_at", "head", "read_logs"]
