"""The differential test: the contracts (``ChainEngine``) against the reference model.

Each case builds a seeded random world (:func:`worlds.random_world`), plays it
through :class:`~yibao.simulate.ModelEngine` and through ``ChainEngine`` and requires the
two output documents to be equal once the chain's ``gas`` is set aside. A failure names
the seed, the first differing claim and field and the first differing step, and says how
to rebuild the world (see ``worldrun.assert_agree``).

Per default run (the first of each kind on the embedded py-evm chain, the rest on the fast
engine): 10 claim-only worlds × 200 claims (2,000 claims), 5 worlds × 200 claims
with reviews, appeals, settlements, clearings, clawbacks and supervision cases (open, findings,
decisions, contests, rulings, finalize, close, fines paid), and 2 worlds × 200 claims of
which ~15 % are malformed. ``-m slow``: 20 worlds × 1,000 claims (every other one with the
post-decision steps). ``anvil``: 2 worlds × 50 claims on a real node.

``ChainEngine`` is imported inside the test, so collecting this module never needs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from worldrun import assert_agree, model_report, play
from yibao.chain.node import AnvilNode
from worlds import random_world

CLAIM_SEEDS = range(10)
CLAIMS = 200
AFTER_SEEDS = range(5)
MALFORMED_SEEDS = range(2)
SLOW_SEEDS = range(20)
SLOW_CLAIMS = 1000
ANVIL_CASES = [(0, False), (1, True)]  # (seed, after)
ANVIL_CLAIMS = 50


def chain_report(doc: dict[str, Any], **engine_kwargs: Any) -> dict[str, Any]:
    """Play ``doc`` on the contracts; the report without its ``gas`` figures."""
    from yibao.simulate.chain_engine import ChainEngine  # lazily: the chain side is optional here

    report = play(doc, ChainEngine(**engine_kwargs))
    gas = report.pop("gas", None)
    assert gas is not None, "the chain engine's report has no gas figures"
    return report


def differential(seed: int, engine_kwargs: dict[str, Any] | None = None, **world: Any) -> None:
    doc = random_world(seed, **world)
    model = model_report(doc)
    chain = chain_report(doc, **(engine_kwargs or {}))
    assert_agree(seed, world, doc, model, chain)


def _engine(seed: int) -> dict[str, Any]:
    """The first world of each kind plays on the embedded py-evm chain, the others on the fast
    engine (anvil started here): the engines are held equal by test_engines_agree.py."""
    return {"engine": "pyevm" if seed == 0 else "anvil"}


def _marks(seeds: range) -> list[Any]:
    return [pytest.param(s, marks=() if s == 0 else pytest.mark.anvil) for s in seeds]


@pytest.mark.parametrize("seed", _marks(CLAIM_SEEDS))
def test_claims_agree(seed: int) -> None:
    """Claims and registry steps only: every decision, line and amount."""
    differential(seed, _engine(seed), claims=CLAIMS)


@pytest.mark.parametrize("seed", _marks(AFTER_SEEDS))
def test_after_the_decision_agrees(seed: int) -> None:
    """Reviews, appeals, settlements, clearings, clawbacks, freezes, contributions too."""
    differential(seed, _engine(seed), claims=CLAIMS, after=True)


@pytest.mark.parametrize("seed", _marks(MALFORMED_SEEDS))
def test_malformed_claims_agree(seed: int) -> None:
    """Malformed claims are refused with the same error names, and store nothing."""
    differential(seed, _engine(seed), claims=CLAIMS, malformed_rate=0.15)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_large_worlds_agree(seed: int) -> None:
    """Larger worlds (1,000 claims each), every other one with the post-decision steps."""
    differential(1000 + seed, _engine(seed), claims=SLOW_CLAIMS, after=seed % 2 == 1)


@pytest.mark.anvil
@pytest.mark.parametrize(("seed", "after"), ANVIL_CASES)
def test_anvil_agrees(
    seed: int, after: bool, anvil_node: AnvilNode, anvil_next_day: Callable[[], dt.date]
) -> None:
    """The same on a real node; each world is set up after the shared node's clock (a world's
    first policy versions start up to 90 days before its ``start``: its set-up day)."""
    differential(
        seed,
        {"rpc": anvil_node.url},
        claims=ANVIL_CLAIMS,
        after=after,
        start=anvil_next_day() + dt.timedelta(days=91),
    )
