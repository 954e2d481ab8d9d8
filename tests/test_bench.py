"""The benchmark runs end to end at a tiny size and its figures are consistent."""

from __future__ import annotations

from yibao.bench import GENESIS, judge, run_bench
from yibao.chain import Chain


def test_bench_figures_are_measured_and_consistent() -> None:
    r = run_bench(Chain.embedded(genesis_timestamp=GENESIS), history=60, batch=10, singles=10)
    assert 40_000 < r["gas_batched"] < r["gas_alone"] < 200_000
    assert r["claims_per_second_single"] > 0 and r["claims_per_second_batched"] > 0
    # a claim's gas does not depend on how many claims came before
    assert abs(r["gas_after_history"] - r["gas_after_100"]) <= 0.02 * r["gas_after_100"]
    assert r["history"] > 60
    verdict = judge(r, node=False)
    assert set(verdict) == {"gas_alone", "gas_batched", "speedup", "history_growth"}
    assert verdict["history_growth"]


def test_fast_claim_calldata_equals_the_general_encoder() -> None:
    from yibao.bench import build_world

    w = build_world(Chain.embedded(genesis_timestamp=GENESIS), 5)
    words = [x for p in w.people[:3] for x in w.claim(p)]
    general = bytes.fromhex(w.hospital._contract.encode_abi("submitClaims", args=[words])[2:])
    assert w.hospital._calldata("submitClaims", (words,)) == general
