"""The lean node path and the fast engine (issue 15): transactions signed without eth-account
are eth-account's bytes; receipts read over the kept-alive connection carry what web3's do;
``send_many`` keeps order and lets each transaction stand alone on every chain; a node started
by :meth:`Chain.local` is gone after ``close()``; without an anvil binary the default engine
falls back to py-evm with a note, and an explicit ``--engine anvil`` is a one-line error."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator

import pytest
from yibao.chain import Chain, dev_account
from yibao.chain.backend import TxRequest
from yibao.chain.rpc import RpcError, RpcTransport
from yibao.chain.sending import SEND_ARRAY, SentTx
from yibao.chain.txsign import sign_dynamic_fee
from yibao.errors import ChainError, ContractError

A, B, C = dev_account(0), dev_account(1), dev_account(2)
GENESIS = 1_767_000_000


def test_signatures_are_eth_accounts_bytes() -> None:
    rnd = random.Random(3)
    for i in range(200):
        acct = dev_account(i % 5)
        tx = {"chainId": rnd.choice([31337, 131277, 1]), "nonce": rnd.randrange(10**6),
              "maxPriorityFeePerGas": rnd.choice([0, 1, 10**9]), "maxFeePerGas": rnd.randrange(1, 10**12),
              "gas": rnd.randrange(21_000, 60_000_000), "value": rnd.choice([0, 1, 10**21]),
              "data": bytes(rnd.randrange(256) for _ in range(rnd.randrange(300))), "type": 2}
        if rnd.random() < 0.9:
            tx["to"] = dev_account(7).address
        signed = acct.sign_transaction(tx)
        assert sign_dynamic_fee(acct.key, tx) == (bytes(signed.raw_transaction), bytes(signed.hash)), i


@pytest.fixture(scope="module", params=["pyevm", "anvil"])
def chain(request: pytest.FixtureRequest) -> Iterator[Chain]:
    c = Chain.local(GENESIS) if request.param == "anvil" else Chain.embedded(GENESIS)
    yield c
    c.close()


@pytest.fixture(scope="module")
def reverter(chain: Chain) -> str:
    """A contract that reverts with Error-less data ``0xdeadbeef`` when called with data, else stops."""
    # CALLDATASIZE ISZERO PUSH1 0x12 JUMPI  PUSH4 deadbeef PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT  JUMPDEST STOP
    runtime = bytes.fromhex("361560125763deadbeef6000526004601cfd5b00")
    init = bytes.fromhex("60") + bytes([len(runtime)]) + bytes.fromhex("600c60003960") + bytes([len(runtime)]) + \
        bytes.fromhex("6000f3") + runtime
    sent = chain.send(C, None, init, gas=200_000)
    return str(sent.receipt["contractAddress"])


def test_send_many_keeps_order_and_each_stands_alone(chain: Chain, reverter: str) -> None:
    before = {a.address: int(chain.w3.eth.get_balance(a.address)) for a in (A, B)}
    reqs = [TxRequest(A, B.address, b"", gas=21_000, value=1), TxRequest(B, reverter, b"\x01", gas=100_000),
            TxRequest(B, A.address, b"", gas=21_000, value=5), TxRequest(A, B.address, b"", gas=21_000, value=2)]
    out = chain.send_many(reqs)
    assert [type(r).__name__ for r in out] == ["SentTx", "ContractError", "SentTx", "SentTx"]
    err = out[1]
    assert isinstance(err, ContractError) and err.name == "UnknownError" and "deadbeef" in str(err.error_args)
    sent = [r for r in out if isinstance(r, SentTx)]
    assert all(r.gas_used == 21_000 for r in sent)
    blocks = [int(r.receipt["blockNumber"]) for r in sent]
    assert blocks == sorted(blocks)  # in order (one block on anvil, one each on py-evm)
    assert len(set(blocks)) == (1 if chain.engine == "anvil" else 3)
    after = {a.address: int(chain.w3.eth.get_balance(a.address)) for a in (A, B)}
    # value moved exactly as the three that succeeded say (fees are paid, nothing else moved)
    assert after[A.address] < before[A.address] - 3 + 5 and after[B.address] < before[B.address] + 3 - 5
    assert chain.send_many([]) == []


def test_one_senders_run_goes_as_arrays_in_order(chain: Chain, reverter: str) -> None:
    """More than SEND_ARRAY transactions of one sender, with reverts among them and another
    sender between two runs: every one mined in the order given, each standing alone."""
    reqs = [TxRequest(A, reverter, b"\x01" if i % 97 == 5 else b"", gas=60_000) for i in range(SEND_ARRAY + 40)]
    reqs.insert(100, TxRequest(B, A.address, b"", gas=21_000, value=1))
    out = chain.send_many(reqs)
    assert [isinstance(r, ContractError) for r in out] == [r.data == b"\x01" for r in reqs]
    mined = [(int(r.receipt["blockNumber"]), int(r.receipt["transactionIndex"])) for r in out if isinstance(r, SentTx)]
    assert mined == sorted(mined)


def test_a_refused_transaction_in_a_run_leaves_none_of_the_run_waiting(chain: Chain) -> None:
    if chain.engine != "anvil":
        pytest.skip("the embedded chain sends one by one")
    nonce = chain.w3.eth.get_transaction_count(A.address)
    reqs = [TxRequest(A, B.address, b"", gas=21_000, value=1), TxRequest(A, B.address, b"", gas=21_000, value=1),
            TxRequest(A, B.address, b"", gas=2 * 10**9, value=1), TxRequest(A, B.address, b"", gas=21_000, value=1)]
    with pytest.raises(ChainError, match="node refused the transaction"):
        chain.send_many(reqs)
    # none of A's was mined (the node was not mining) and none waits: the next nonce is the node's again
    after = chain.send(A, B.address, b"", gas=21_000)
    assert chain.w3.eth.get_transaction_count(A.address) == nonce + 1
    assert int(after.receipt["status"]) == 1 and chain.rpc is not None
    assert chain.rpc.call("txpool_content", []) == {"pending": {}, "queued": {}}


def test_receipts_carry_what_web3s_do(chain: Chain, reverter: str) -> None:
    sent = chain.send(A, reverter, b"", gas=50_000)
    r = sent.receipt
    for key in ("status", "gasUsed", "blockNumber", "logs", "transactionHash"):
        assert key in r, key
    assert int(r["status"]) == 1 and bytes(r["transactionHash"]) == sent.tx_hash
    with pytest.raises(ContractError):
        chain.send(A, reverter, b"\x01", gas=100_000)
    with pytest.raises(ContractError):
        chain.call(reverter, b"\x01")
    assert chain.call(reverter, b"") == b""


def test_the_transport_names_error_answers(chain: Chain) -> None:
    if chain.rpc is None:
        pytest.skip("a node's transport")
    with pytest.raises(RpcError) as info:
        chain.rpc.call("no_such_method", [])
    assert info.value.unknown_method
    answers = chain.rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])])
    assert int(answers[0]["result"], 16) == chain.chain_id


def test_a_local_node_is_gone_after_close() -> None:
    c = Chain.local(GENESIS)
    assert c.engine == "anvil" and c.describe() == "anvil (started here)" and c.url
    url = c.url
    c.send(A, B.address, b"", gas=21_000, value=1)
    c.close()
    with pytest.raises(OSError):
        RpcTransport(url, timeout=2).call("eth_chainId", [])


def _yibao(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from yibao.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def test_without_anvil_the_default_falls_back_and_the_explicit_engine_is_refused(tmp_path) -> None:
    import os

    env = {**os.environ, "ANVIL": str(tmp_path / "no-anvil-here")}
    done = _yibao("simulate", "tests/scenario/data/example.json", "--engine", "anvil", env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "anvil" in done.stderr
    done = _yibao("demo", "--people", "20", "--claims", "20", "--out", str(tmp_path / "out"), "--json", env=env)
    assert done.returncode == 0, done.stderr[-500:]
    assert "playing on the embedded py-evm chain" in done.stderr
    assert '"chain": "embedded"' in done.stdout


def test_engine_choices_are_checked(tmp_path) -> None:
    import os

    done = _yibao("demo", "--engine", "revm", "--out", str(tmp_path), env=dict(os.environ))
    assert done.returncode == 2 and "choose anvil or pyevm" in done.stderr
    done = _yibao("demo", "--engine", "pyevm", "--rpc", "http://127.0.0.1:9", env=dict(os.environ))
    assert done.returncode == 2 and "--engine" in done.stderr and "--rpc" in done.stderr


def test_connecting_resumes_mining_a_killed_client_left_paused() -> None:
    """A client killed mid-batch leaves a node it did not start mining every PAUSED_INTERVAL_MS
    with its transactions waiting; the next connection mines them, then automines again."""
    from yibao.chain.node import AnvilNode
    from yibao.chain.sending import PAUSED_INTERVAL_MS

    node = AnvilNode(timestamp=GENESIS)
    try:
        first = Chain.connect(node.url)
        assert first.rpc is not None
        first.send(A, B.address, b"", gas=21_000)
        first.rpc.call("evm_setIntervalMining", [PAUSED_INTERVAL_MS])  # as send_many does, then killed
        nonce = first.w3.eth.get_transaction_count(A.address)
        tx = {"chainId": first.chain_id, "nonce": nonce, "maxPriorityFeePerGas": 0, "maxFeePerGas": 10**11,
              "gas": 21_000, "value": 1, "data": b"", "type": 2, "to": B.address}
        raw, tx_hash = sign_dynamic_fee(A.key, tx)
        first.rpc.call("eth_sendRawTransaction", ["0x" + raw.hex()])
        assert first.rpc.call("eth_getTransactionReceipt", ["0x" + tx_hash.hex()]) is None  # waiting
        first.close()
        again = Chain.connect(node.url)
        assert again.rpc is not None
        assert again.rpc.call("eth_getTransactionReceipt", ["0x" + tx_hash.hex()]) is not None
        assert again.rpc.call("anvil_getAutomine", []) is True
        assert not again.resume_paused_mining()  # nothing left to resume
        assert int(again.send(A, B.address, b"", gas=21_000).receipt["status"]) == 1
        again.close()
    finally:
        node.stop()


@pytest.mark.anvil
def test_a_pipelined_run_bigger_than_blocks_is_all_mined() -> None:
    """Twelve enrolment batches of 200 and a thirteenth of 100, sent together to an anvil node
    (a node yibao did not start: paused, then mined block by block): anvil let the last one fall
    out of its pool when it did not fit the block; it is sent again, and every person is enrolled."""
    from yibao.bench import build_world
    from yibao.chain.node import AnvilNode

    node = AnvilNode(timestamp=GENESIS)
    try:
        w = build_world(Chain.connect(node.url), people=2_500)
        assert w.ledger.person_count() == 2_500
    finally:
        node.stop()
