"""`yibao bench`: gas and speed of claims on the embedded chain and on a node.

Measured, never assumed: each figure comes from receipts and wall-clock time of real
transactions. The world is a small fixed one (one region, one policy, a 50-item catalogue,
one level-3 hospital) with enough enrolled people that no person repeats within a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yibao.chain.backend import Chain, TxRequest, dev_account
from yibao.codec import WireLine, encode_claim, encode_code
from yibao.client import Enrolment, Ledger
from yibao.units import noon_cst, to_day
from yibao.model.types import Scheme

REGION = 500000
START = dt.date(2026, 1, 1)
GENESIS = noon_cst(START) - 86_400  # a fresh chain must start before the bench's first day
TARGETS = {
    "gas_alone": 72_500,  # 72,000 until one invoice had to give one claim id (issue 10): +360
    "gas_batched": 40_000,
    "speedup_embedded": 3.0,
    "speedup_node": 10.0,
    "history_growth_pct": 2.0,
    # issue 15: the fast engine (anvil started here) through the Chain layer, pipelined
    "fast_batched_per_second": 10_000,
    "fast_single_per_second": 1_000,
    "fast_vs_pyevm_batched": 40.0,
}


PIPELINED_SINGLES = 5
"""The pipelined single-claim figure sends this many times ``singles`` transactions."""
PIPELINED_ROUNDS = 10
"""The pipelined batched figure sends this many times the batched figure's transactions."""


@dataclass
class BenchWorld:
    chain: Chain
    ledger: Ledger
    hospital: Ledger
    people: list[bytes]
    serial: int = 0

    def claim(self, person: bytes, day: dt.date = dt.date(2026, 2, 20)) -> list[bytes]:
        """A 2-line outpatient claim with a fresh invoice number."""
        self.serial += 1
        return encode_claim(
            f"INV-{self.serial}", person, 0, day,
            [WireLine("X001", 2, 12550), WireLine("X002", 1, 3000)],
            documents=hashlib.sha256(f"docs-{self.serial}".encode()).digest(),
        )


def build_world(chain: Chain, people: int) -> BenchWorld:
    chain.set_clock(noon_cst(START))
    admin, staff, hosp = dev_account(0), dev_account(1), dev_account(7)
    ledger = Ledger.deploy(chain, admin)
    ledger.add_region(REGION, "Chongqing", 10**12)
    # the admin makes dev1 regulator, which makes the admin operator (nobody grants themselves)
    ledger.grant_role(ledger.regulator_role(REGION), staff.address)
    ledger.acting_as(staff).grant_role(ledger.operator_role(REGION), admin.address)
    admin_ledger, ledger = ledger, ledger.acting_as(staff)
    policy = (to_day(START), 80_000, [0, 20_000, 50_000, 100_000], [5000, 7000, 6000, 5000],
              [0, 9000, 8500, 8000], 500_000, 30_000_000, 0, 1000, 1000, 0, 5_000_000, 365, 15)
    # fields: effectiveFrom, opDeductible, ipDeductible[4], opRatioBps[4], ipRatioBps[4], opAnnualCap,
    # annualCap, monthlyVisitLimit, classBSelfPayBps, crossRegionCutBps, waitingDays,
    # reviewThreshold, maxClaimAgeDays, appealDays
    ledger.transact("addPolicy", REGION, 0, policy)
    ledger.transact("setItems", REGION, [(encode_code(f"X{i:03d}"), i % 2, 0, False, 0, 0) for i in range(50)])
    ledger.add_institution(hosp.address, REGION, 3)
    pids = [hashlib.sha256(f"bench-person-{i}".encode()).digest() for i in range(people)]
    admin_ledger.enrol_many([Enrolment(p, REGION, Scheme.EMPLOYEE, START, dt.date(2026, 12, 31)) for p in pids])
    chain.set_clock(noon_cst(dt.date(2026, 3, 1)))
    return BenchWorld(chain, ledger, ledger.acting_as(hosp), pids)


def _single(w: BenchWorld, person: bytes) -> int:
    return w.hospital.transact("submitClaims", w.claim(person), gas=1_000_000).gas_used


def _batch_call(w: BenchWorld, persons: list[bytes]) -> tuple[list[bytes], int]:
    """A batch of fresh claims of ``persons``: its words and the gas to send them with."""
    return [word for p in persons for word in w.claim(p)], min(55_000_000, 200_000 + 120_000 * len(persons))


def _batch(w: BenchWorld, persons: list[bytes]) -> int:
    words, gas = _batch_call(w, persons)
    return w.hospital.transact("submitClaims", words, gas=gas).gas_used


def _single_request(w: BenchWorld, person: bytes) -> TxRequest:
    return w.hospital.request("submitClaims", w.claim(person), gas=1_000_000)


def _batch_request(w: BenchWorld, persons: list[bytes]) -> TxRequest:
    words, gas = _batch_call(w, persons)
    return w.hospital.request("submitClaims", words, gas=gas)


def run_bench(chain: Chain, *, history: int = 10_000, batch: int = 50, singles: int = 100,
              progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Every figure of the bench on one chain: gas alone and batched, claims/s, gas as history grows."""
    people = max(batch * 2, singles, 200)
    w = build_world(chain, people)
    note = progress or (lambda *_: None)
    # counters already that year for everybody: one claim each first
    for i in range(0, len(w.people), 100):
        _batch(w, w.people[i:i + 100])
    note("warm-up", len(w.people), len(w.people))

    gas_alone = _single(w, w.people[0])
    t0 = time.perf_counter()
    for i in range(singles):
        _single(w, w.people[i % len(w.people)])
        note("single", i + 1, singles)
    single_s = time.perf_counter() - t0

    gas_batched = _batch(w, w.people[:batch]) // batch
    rounds = max(1, singles // batch) * 2
    t0 = time.perf_counter()
    for r in range(rounds):
        _batch(w, w.people[(r % 2) * batch:(r % 2) * batch + batch])
        note("batched", r + 1, rounds)
    batched_s = time.perf_counter() - t0
    batched_n = rounds * batch

    # the same, pipelined (Chain.send_many): single-claim transactions, then batches; more of
    # them (PIPELINED_SINGLES × singles and PIPELINED_ROUNDS × the batched rounds), so that the
    # fixed cost of a pipeline (pausing the miner, one block, the receipts) does not decide it
    piped_singles = PIPELINED_SINGLES * singles
    t0 = time.perf_counter()
    w.hospital.transact_all([_single_request(w, w.people[i % len(w.people)]) for i in range(piped_singles)])
    piped_single_s = time.perf_counter() - t0
    note("pipelined", 1, 2)
    piped_rounds = PIPELINED_ROUNDS * rounds
    t0 = time.perf_counter()
    w.hospital.transact_all([_batch_request(w, w.people[(r % 2) * batch:(r % 2) * batch + batch])
                             for r in range(piped_rounds)])
    piped_batched_s = time.perf_counter() - t0
    note("pipelined", 2, 2)

    # gas per claim as history grows: after ~100 and after `history` earlier claims
    done = len(w.people) + 1 + singles + piped_singles + batch + batched_n + piped_rounds * batch
    gas_after_100 = _single(w, w.people[1])
    loaded = 0
    while loaded < history:
        n = min(200, history - loaded)
        _batch(w, [w.people[(loaded + j) % len(w.people)] for j in range(n)])
        loaded += n
        note("history", loaded, history)
    gas_after_history = _single(w, w.people[1])
    single_cps = singles / single_s
    batched_cps = batched_n / batched_s
    growth = 100.0 * (gas_after_history - gas_after_100) / gas_after_100
    return {
        "chain": chain.describe(),
        "gas_alone": gas_alone,
        "gas_batched": gas_batched,
        "batch_size": batch,
        "claims_per_second_single": round(single_cps, 1),
        "claims_per_second_batched": round(batched_cps, 1),
        "claims_per_second_single_pipelined": round(piped_singles / piped_single_s, 1),
        "claims_per_second_batched_pipelined": round(piped_rounds * batch / piped_batched_s, 1),
        "speedup": round(batched_cps / single_cps, 2),
        "gas_after_100": gas_after_100,
        "earlier_claims_before_first_measure": done,
        "gas_after_history": gas_after_history,
        "history": history + done,
        "history_growth_pct": round(growth, 3),
    }


def judge(result: dict[str, Any], node: bool, fast: bool = False) -> dict[str, bool]:
    """Which targets a run meets (``fast``: the fast engine's too)."""
    speed = TARGETS["speedup_node"] if node else TARGETS["speedup_embedded"]
    met = {
        "gas_alone": result["gas_alone"] <= TARGETS["gas_alone"],
        "gas_batched": result["gas_batched"] <= TARGETS["gas_batched"],
        "speedup": result["speedup"] >= speed,
        "history_growth": abs(result["history_growth_pct"]) <= TARGETS["history_growth_pct"],
    }
    if fast:
        met["fast_batched"] = result["claims_per_second_batched_pipelined"] >= TARGETS["fast_batched_per_second"]
        met["fast_single"] = result["claims_per_second_single_pipelined"] >= TARGETS["fast_single_per_second"]
    return met


def side_by_side(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The fast engine against py-evm measured in the same run: batched claims/s (pipelined)
    of anvil over py-evm's, and whether that meets the target; None without both runs."""
    by = {r["chain"]: r for r in results}
    fast, ref = by.get("anvil (started here)"), by.get("embedded")
    if fast is None or ref is None:
        return None
    ratio = fast["claims_per_second_batched_pipelined"] / ref["claims_per_second_batched_pipelined"]
    single = fast["claims_per_second_single_pipelined"] / ref["claims_per_second_single"]
    return {"batched_ratio": round(ratio, 1), "single_ratio": round(single, 1),
            "met": ratio >= TARGETS["fast_vs_pyevm_batched"]}


__all__ = [
    "GENESIS",
    "PIPELINED_ROUNDS",
    "PIPELINED_SINGLES",
    "REGION",
    "START",
    "TARGETS",
    "BenchWorld",
    "build_world",
    "judge",
    "run_bench",
    "side_by_side",
]
