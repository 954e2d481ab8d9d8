"""yibao.chain.logs reads the same logs as eth_getLogs, on both backends: every field, in
chain order, filtered by topics position by position and by block range."""

from __future__ import annotations

from web3 import Web3
from yibao.chain import dev_account
from yibao.chain.logs import block_time, first_block_at, head, read_logs
from yibao.client import Ledger


def _world(ledger: Ledger) -> None:
    ledger.add_region(500000, "Chongqing", 1_000)
    ledger.add_region(440100, "Guangzhou", 0)
    ledger.grant_role(ledger.regulator_role(500000), dev_account(1).address)
    ledger.grant_role(ledger.regulator_role(440100), dev_account(1).address)


def _reference(ledger: Ledger, topics: list, first: int, last: int) -> list[tuple]:
    raw = ledger.chain.w3.eth.get_logs({"address": Web3.to_checksum_address(ledger.address), "fromBlock": first,
                                        "toBlock": last, "topics": topics})
    ordered = sorted(raw, key=lambda x: (int(x["blockNumber"]), int(x["transactionIndex"]), int(x["logIndex"])))
    return [(int(x["blockNumber"]), "0x" + bytes(x["transactionHash"]).hex(),
             tuple(bytes(t) for t in x["topics"]), bytes(x["data"])) for x in ordered]


def _ours(ledger: Ledger, topics: list, first: int, last: int | None = None) -> list[tuple]:
    logs = read_logs(ledger.chain, ledger.address, topics, first, last)
    assert [(x.block, x.index) for x in logs] == sorted((x.block, x.index) for x in logs)
    return [(x.block, x.tx, x.topics, x.data) for x in logs]


def test_the_same_logs_as_get_logs(ledger: Ledger) -> None:
    _world(ledger)
    first, last = ledger.manifest.block, head(ledger.chain)
    every = _ours(ledger, [], first)
    assert every == _reference(ledger, [], first, last) and len(every) >= 6
    added = ledger.event_topic("RegionAdded")
    granted = ledger.event_topic("RoleGranted")
    regions = _ours(ledger, [added], first)
    assert [x[2][1] for x in regions] == [(500000).to_bytes(32, "big"), (440100).to_bytes(32, "big")]
    assert regions == _reference(ledger, ["0x" + added.hex()], first, last)
    either = _ours(ledger, [[added, granted]], first)
    assert either == _reference(ledger, [["0x" + added.hex(), "0x" + granted.hex()]], first, last)
    assert len(either) == len(regions) + len(_ours(ledger, [granted], first)) < len(every) + 1
    one = _ours(ledger, [added, (440100).to_bytes(32, "big")], first)
    assert len(one) == 1 and one == _reference(ledger, ["0x" + added.hex(), "0x" + (440100).to_bytes(32, "big").hex()],
                                               first, last)
    # a position filtered that the log does not have matches nothing; a block range is kept
    assert _ours(ledger, [added, None, None, bytes(32)], first) == []
    later = regions[1][0]
    assert _ours(ledger, [added], later) == regions[1:]
    assert _ours(ledger, [added], first, later - 1) == regions[:1]
    assert _ours(ledger, [added], last + 1) == []


def test_the_block_of_a_time(ledger: Ledger) -> None:
    _world(ledger)
    first, last = ledger.manifest.block, head(ledger.chain)
    times = [block_time(ledger.chain, b) for b in range(first, last + 1)]
    for b, t in zip(range(first, last + 1), times, strict=True):
        found = first_block_at(ledger.chain, t, first)
        assert block_time(ledger.chain, found) == t and (found == first or block_time(ledger.chain, found - 1) < t)
        assert found <= b
    assert first_block_at(ledger.chain, times[-1] + 1, first) == last + 1
    assert first_block_at(ledger.chain, 0, first) == first
