"""The send/receipt path against a flaky node: requests that fail in transit are retried with
backoff; a sent transaction whose receipt is unknown is resolved by its hash and nonce (the
same signed bytes sent again, never a new signature); a lost nonce or a reset node is a
one-line error that says to rerun."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from yibao.chain import Chain, dev_account
from yibao.chain.backend import Retry
from yibao.chain.node import AnvilNode
from yibao.chain.rpc import RpcTransport
from yibao.errors import ChainError, NodeUnreachable

pytestmark = pytest.mark.anvil

A, B = dev_account(0), dev_account(1)


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    with AnvilNode() as n:
        yield n


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, int, bool], list[str]]:
    """``flaky(method, n, after)``: the next ``n`` HTTP requests of JSON-RPC ``method`` fail in
    transit (``after``: once the node got them, so only the answer is lost). Plans add up; the
    list returned records every request's method since the last arming."""
    real = RpcTransport._post
    seen: list[str] = []
    plan: dict[str, tuple[int, bool]] = {}

    def post(self: RpcTransport, body: bytes) -> Any:
        doc = json.loads(body)
        method = doc.get("method", "") if isinstance(doc, dict) else "batch"
        seen.append(method)
        left, after = plan.get(method, (0, False))
        if left:
            plan[method] = (left - 1, after)
            if after:
                real(self, body)
            self.close()
            raise ConnectionResetError("connection reset by peer")
        return real(self, body)

    monkeypatch.setattr(RpcTransport, "_post", post)

    def arm(method: str, n: int, after: bool = False) -> list[str]:
        plan[method] = (n, after)
        seen.clear()
        return seen

    return arm


def _nonce(chain: Chain) -> int:
    return int(chain.w3.eth.get_transaction_count(A.address))


@pytest.mark.parametrize("after", [False, True], ids=["lost-request", "lost-answer"])
def test_a_send_that_fails_in_transit_is_retried_and_mined_once(node: AnvilNode, flaky: Any, after: bool) -> None:
    chain = Chain.connect(node.url)
    seen = flaky("eth_sendRawTransactionSync", 2, after)
    chain.send(A, B.address, b"", gas=21_000, value=1)
    assert seen.count("eth_sendRawTransactionSync") == 3 and _nonce(chain) == 1
    # the answer that carried the receipt is lost, and so are the next receipt reads
    flaky("eth_sendRawTransactionSync", 1, True)
    seen = flaky("eth_getTransactionReceipt", 3)
    chain.send(A, B.address, b"", gas=21_000, value=1)
    assert seen.count("eth_getTransactionReceipt") >= 4 and _nonce(chain) == 2 and chain.block_number() == 2


def test_calls_are_retried_too(node: AnvilNode, flaky: Any) -> None:
    chain = Chain.connect(node.url)
    seen = flaky("eth_call", 2)
    assert chain.call(B.address, b"") == b"" and seen.count("eth_call") == 3


def test_an_unreachable_node_is_named_after_the_retries(node: AnvilNode) -> None:
    chain = Chain.connect(node.url)
    chain.retry = Retry(attempts=3, first_wait=0.01)
    node.kill()
    with pytest.raises(NodeUnreachable, match=r"after 3 tries\); rerun the command to resume"):
        chain.send(A, B.address, b"", gas=21_000, value=1)


def _send_in_background(chain: Chain) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []

    def go() -> None:
        try:
            result.append(chain.send(A, B.address, b"", gas=21_000, value=1))
        except Exception as exc:  # noqa: BLE001 - handed to the test
            result.append(exc)

    t = threading.Thread(target=go)
    t.start()
    return t, result


def _pending_hash(chain: Chain) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pool = chain.w3.provider.make_request("txpool_content", [])["result"]["pending"]  # type: ignore[arg-type]
        for by_nonce in pool.values():
            for tx in by_nonce.values():
                return str(tx["hash"])
        time.sleep(0.01)
    raise AssertionError("the transaction never reached the pool")


def test_a_transaction_the_node_lost_is_sent_again_with_the_same_bytes(node: AnvilNode) -> None:
    chain, control = Chain.connect(node.url), Chain.connect(node.url)
    control._rpc("evm_setAutomine", [False])
    t, result = _send_in_background(chain)
    tx_hash = _pending_hash(control)
    control._rpc("anvil_dropTransaction", [tx_hash])  # the node forgets it, unmined
    assert _pending_hash(control) == tx_hash  # … and the client sends the very same bytes again
    control._rpc("evm_mine", [])
    t.join(timeout=30)
    assert len(result) == 1 and not isinstance(result[0], Exception), result
    assert "0x" + result[0].tx_hash.hex() == tx_hash and _nonce(control) == 1  # type: ignore[attr-defined]


def test_a_nonce_used_by_another_transaction_is_an_error_not_a_resend(node: AnvilNode) -> None:
    chain, control = Chain.connect(node.url), Chain.connect(node.url)
    control._rpc("evm_setAutomine", [False])
    t, result = _send_in_background(chain)
    tx_hash = _pending_hash(control)
    rival = A.sign_transaction({"chainId": control.chain_id, "nonce": 0, "gas": 21_000, "to": B.address,
                                "value": 2, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "type": 2})
    control._rpc("anvil_dropTransaction", [tx_hash])
    control.w3.eth.send_raw_transaction(rival.raw_transaction)
    control._rpc("evm_mine", [])
    t.join(timeout=30)
    assert len(result) == 1 and isinstance(result[0], ChainError), result
    assert "nonce 0" in str(result[0]) and "used by another transaction" in str(result[0])
    assert _nonce(control) == 1


def test_a_node_that_lost_mined_transactions_is_named(node: AnvilNode) -> None:
    chain = Chain.connect(node.url)
    chain.send(A, B.address, b"", gas=21_000, value=1)
    node.kill()
    with AnvilNode(port=node.port):  # a fresh chain on the same port: the transaction is gone
        with pytest.raises(ChainError, match=r"lost transactions of .* rerun the command to resume"):
            chain.send(A, B.address, b"", gas=21_000, value=1)
