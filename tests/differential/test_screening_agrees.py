"""Screening differential: the index's SQL over the chain's events against the reference model.

Each case builds a seeded random world made dense for screening (:func:`worlds.screening.screening_world`:
few people, loosened parameters, person attributes, item restrictions, pre-check steps), plays
it with ``--screen`` through the model and through the contracts, and requires equal output
documents: every claim, every pre-check (decision and warnings) and every lead. The chain side
indexes its own events (:mod:`yibao.index`) and screens them in SQL; the model screens its own
claims in Python (:mod:`yibao.model.screening_rules`): two implementations of screening.md.

Also a law from screening.md itself: a pre-check followed on the same day by the same claim
gives the claim's decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from worldrun import assert_agree
from worlds.screening import announced, screening_world
from yibao.chain.node import AnvilNode
from yibao.simulate import ModelEngine, run_scenario
from yibao.simulate.scenario import parse_scenario

SEEDS = range(4)
AFTER_SEEDS = range(2)
ANVIL_SEEDS = [0]


def _play(doc: dict[str, Any], engine: Any) -> dict[str, Any]:
    out = run_scenario(parse_scenario(doc), engine, screen=True)
    out.pop("gas", None)
    return out


def _differential(seed: int, rpc: str | None = None, **world: Any) -> dict[str, Any]:
    from yibao.simulate.chain_engine import ChainEngine

    doc = screening_world(seed, **world)
    model = _play(doc, ModelEngine())
    chain = _play(doc, ChainEngine(rpc=rpc))
    assert_agree(seed, world, doc, model, chain)
    assert model.get("leads") == chain.get("leads")
    assert model.get("prechecks") == chain.get("prechecks")
    return model


@pytest.mark.parametrize("seed", SEEDS)
def test_screening_agrees(seed: int) -> None:
    out = _differential(seed)
    assert out["leads"], "a screening world should find leads"
    for precheck, claim in announced(screening_world(seed)).items():
        if precheck in out["prechecks"]:
            shown = {k: v for k, v in out["prechecks"][precheck].items() if k != "warnings"}
            assert shown == out["claims"][claim], f"pre-check {precheck} announced another decision"


def test_the_worlds_reach_every_rule() -> None:
    """The seeds together meet every rule, in leads and in pre-check warnings (so the
    agreement above means something), and pre-checks announce claims."""
    from yibao.model.screening import PRECHECK_RULES, RULES

    leads: set[str] = set()
    warned: set[str] = set()
    announcing = 0
    for seed in SEEDS:
        doc = screening_world(seed)
        out = _play(doc, ModelEngine())
        leads |= {lead["rule"] for lead in out["leads"]}
        warned |= {w["rule"] for p in out["prechecks"].values() for w in p["warnings"]}
        announcing += sum(1 for p in announced(doc) if p in out["prechecks"])
    assert leads == set(RULES), f"leads of {sorted(leads)} only"
    assert len(warned) >= len(PRECHECK_RULES) - 2, f"warnings of {sorted(warned)} only"
    assert announcing >= 20


@pytest.mark.parametrize("seed", AFTER_SEEDS)
def test_screening_agrees_after_the_decision(seed: int) -> None:
    """With reviews, appeals, settlements and clawbacks: live claims change as they go."""
    _differential(100 + seed, after=True)


@pytest.mark.anvil
@pytest.mark.parametrize("seed", ANVIL_SEEDS)
def test_screening_agrees_on_anvil(seed: int, anvil_node: AnvilNode, anvil_next_day: Callable[[], dt.date]) -> None:
    _differential(seed, rpc=anvil_node.url, claims=80, after=True, start=anvil_next_day() + dt.timedelta(days=91))
