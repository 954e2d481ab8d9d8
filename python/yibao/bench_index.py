"""`yibao bench --index` and `--precheck`: the event index's speed on a node.

``--index``: claims submitted to a node in batches (the bench's world, :mod:`yibao.bench`),
then read into a fresh index (:func:`yibao.index.ingest.index_ledger`) and timed: claims
indexed per second. ``--precheck``: over such a history, indexed, the latency of a full
pre-check of a 5-line claim: the decision (the submission's transaction simulated,
:meth:`Ledger.precheck_claims`) plus the index's warnings
(:func:`yibao.index.screen.precheck_warnings`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from yibao.bench import GENESIS, START, BenchWorld, build_world
from yibao.bench_db import scratch_database
from yibao.chain.backend import Chain
from yibao.client import ClaimInput
from yibao.index.database import open_index, shown_url
from yibao.model.types import ClaimLine, ClaimStatus, VisitType
from yibao.units import to_day

TARGETS = {"index_claims_per_second": 5_000, "precheck_p95_ms": 50.0}
#: The days of the history's claims: 2026-01-02 .. 2026-02-28 (the bench's clock is 2026-03-01).
DAYS = 58
#: A progress callback: (stage, done, total).
Note = Callable[[str, int, int], None]


def _quiet(_stage: str, _done: int, _total: int) -> None:
    pass


@contextmanager
def node_chain(rpc: str | None) -> Iterator[Chain]:
    """The chain at ``rpc``, or on an anvil node started here (and stopped afterwards)."""
    from yibao.chain import node

    if rpc is not None:
        yield Chain.connect(rpc)
        return
    anvil = node.AnvilNode(timestamp=GENESIS)
    try:
        yield Chain.connect(anvil.url)
    finally:
        anvil.stop()


def day_of(k: int) -> dt.date:
    """The service day of the history's ``k``-th claim."""
    return START + dt.timedelta(days=1 + k % DAYS)


def submit_history(w: BenchWorld, claims: int, batch: int, note: Note = _quiet) -> list[tuple[bytes, dt.date]]:
    """Submit ``claims`` 2-line claims in transactions of ``batch``, people and days in turn;
    the (person, day) of each."""
    done: list[tuple[bytes, dt.date]] = []
    note("submit", 0, claims)
    while len(done) < claims:
        n = min(batch, claims - len(done))
        part = [(w.people[(len(done) + j) % len(w.people)], day_of(len(done) + j)) for j in range(n)]
        words = [word for person, day in part for word in w.claim(person, day)]
        w.hospital.transact("submitClaims", words, gas=min(55_000_000, 200_000 + 120_000 * n))
        done.extend(part)
        note("submit", len(done), claims)
    return done


def _people(claims: int, batch: int) -> int:
    """People in the world: none twice in a batch, about ten claims each, at most 2,000."""
    return max(2 * batch, 200, min(2_000, claims // 10))


def time_index(w: BenchWorld, url: str, label: str, load: str, note: Note = _quiet) -> dict[str, Any]:
    """Index the world's ledger into the database ``url`` (from its last block on): the figures
    of the run; ``load`` names it (``first``: an empty index; ``incremental``: one that holds
    a history already, its indexes kept up row by row)."""
    from yibao.index.ingest import index_ledger

    engine = open_index(url)
    try:
        report = index_ledger(w.ledger, engine,
                              progress=lambda done, total: note(f"index {label} ({load})", done, total))
    finally:
        engine.dispose()
    cps = report.claims / report.seconds if report.seconds > 0 else 0.0
    return {"database": label, "load": load, "claims": report.claims, "blocks": report.blocks,
            "logs": report.logs, "rows": report.rows, "seconds": round(report.seconds, 3),
            "claims_per_second": round(cps, 1), "target_met": cps >= TARGETS["index_claims_per_second"]}


def run_index(chain: Chain, *, claims: int, batch: int = 50, db: str | None = None,
              note: Note = _quiet) -> dict[str, Any]:
    """Claims per second indexed from ``chain``: ``claims`` claims submitted in transactions of
    ``batch`` and read into a fresh SQLite index (and into the database ``db`` too), then as
    many again, read into the same indexes (incremental)."""
    w = build_world(chain, _people(claims, batch))
    submit_history(w, claims, batch, note)
    read_s = time_read(w)
    with ExitStack() as stack:
        databases = [("sqlite", stack.enter_context(scratch_database(None, "index.db")))]
        if db is not None:
            databases.append((_backend(db), stack.enter_context(scratch_database(db, "index.db"))))

        def load(kind: str) -> list[dict[str, Any]]:
            return [{**time_index(w, url, label, kind, note), **({"url": shown_url(db)} if k and db else {})}
                    for k, (label, url) in enumerate(databases)]

        results = load("first")
        submit_history(w, claims, batch, note)
        results += load("incremental")
    return {"chain": chain.describe(), "claims": claims, "batch": batch, "results": results,
            "chain_read_s": round(read_s, 3),
            "targets_met": {"index_claims_per_second": all(r["target_met"] for r in results)}}


def time_read(w: BenchWorld) -> float:
    """Seconds to read the ledger's logs, blocks and claim transactions from the chain alone
    (what indexing costs before a row is written)."""
    from yibao.index.chainread import read_range
    from yibao.index.events import is_decision

    t0 = time.perf_counter()
    read_range(w.chain, w.ledger.address, int(w.ledger.manifest.block), w.chain.block_number(), is_decision)
    return time.perf_counter() - t0


def _backend(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).get_backend_name()


def five_lines(rng: random.Random) -> list[ClaimLine]:
    """A 5-line outpatient claim's lines: five distinct codes of the bench's catalogue."""
    codes = rng.sample(range(1, 50), 5)
    return [ClaimLine(f"X{c:03d}", rng.randrange(1, 4), rng.randrange(500, 20_000)) for c in codes]


def percentile(values: Sequence[float], p: int) -> float:
    """The ``p``-th percentile (1..99) of at least two values (inclusive method)."""
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def _summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "max_ms": round(max(ms), 2), "mean_ms": round(statistics.fmean(ms), 2)}


def _candidate(result: Any, claim: ClaimInput) -> Any:
    from yibao.index.screen import Candidate

    return Candidate(
        claim_id="0x" + result.claim_id.hex(), institution=result.institution, person="0x" + claim.person.hex(),
        visit=VisitType(int(claim.visit)), service_day=to_day(claim.service_date), discharge_day=None,
        fund=result.fund, lines=tuple((ln.code, ln.qty) for ln in claim.lines))


def precheck_samples(w: BenchWorld, history: Sequence[tuple[bytes, dt.date]], url: str, samples: int,
                     seed: int = 1, note: Note = _quiet) -> dict[str, Any]:
    """Time ``samples`` full pre-checks (after one unmeasured warm-up) of 5-line claims against
    the index at ``url``: half of them by a person on a day of the history."""
    from yibao.index.screen import precheck_warnings

    rng = random.Random(seed)
    engine = open_index(url)
    totals: list[float] = []
    decisions: list[float] = []
    warnings: list[float] = []
    warned = live = 0
    try:
        for k in range(samples + 1):
            known = rng.random() < 0.5
            person, day = rng.choice(history) if known else (rng.choice(w.people), day_of(rng.randrange(DAYS)))
            claim = ClaimInput(f"PRE-{seed}-{k}", person, VisitType.OUTPATIENT, day, five_lines(rng),
                               documents=hashlib.sha256(f"pre-{k}".encode()).digest())
            t0 = time.perf_counter()
            result = w.hospital.precheck_claims([claim])[0]
            t1 = time.perf_counter()
            with engine.connect() as conn:
                found = precheck_warnings(conn, _candidate(result, claim))
            t2 = time.perf_counter()
            if k == 0:
                continue  # the warm-up: connections opened, statements compiled
            totals.append(t2 - t0)
            decisions.append(t1 - t0)
            warnings.append(t2 - t1)
            warned += bool(found)
            live += result.status in (ClaimStatus.APPROVED, ClaimStatus.FLAGGED)
            note("precheck", k, samples)
    finally:
        engine.dispose()
    total = _summary(totals)
    return {"samples": samples, "warmup": 1, "lines": 5, "total": total, "decision": _summary(decisions),
            "warnings": _summary(warnings), "with_warnings": warned, "live_decisions": live,
            "target_met": total["p95_ms"] < TARGETS["precheck_p95_ms"]}


def run_precheck(chain: Chain, *, claims: int, samples: int = 200, batch: int = 50, db: str | None = None,
                 seed: int = 1, note: Note = _quiet) -> dict[str, Any]:
    """p50/p95 latency of a full pre-check of a 5-line claim on ``chain`` over a history of
    ``claims`` claims, the index in a fresh SQLite file (or in the database ``db``)."""
    w = build_world(chain, _people(claims, batch))
    history = submit_history(w, claims, batch, note)
    with scratch_database(db, "precheck.db") as url:
        indexed = time_index(w, url, "sqlite" if db is None else _backend(db), "first", note)
        figures = precheck_samples(w, history, url, samples, seed, note)
    return {"chain": chain.describe(), "history": claims, "database": indexed["database"],
            "indexed_claims": indexed["claims"], **figures,
            "targets_met": {"precheck_p95_ms": figures["target_met"]}}


__all__ = [
    "DAYS",
    "TARGETS",
    "day_of",
    "five_lines",
    "node_chain",
    "percentile",
    "precheck_samples",
    "run_index",
    "run_precheck",
    "submit_history",
    "time_index",
    "time_read",
]
