"""Screening differential: the index's SQL over the chain's events against the reference model.

Each case builds a seeded random world made dense for screening (:func:`worlds.screening.screening_world`:
few people, loosened parameters, person attributes, item restrictions, pre-check steps), plays
it with ``--screen`` through the model and through the contracts, and requires equal output
documents: every claim, every pre-check (decision and warnings) and every lead. The chain side
indexes its own events (:mod:`yibao.index`) and screens them in SQL; the model screens its own
claims in Python (:mod:`yibao.model.screening_rules`): two implementations of screening.md.

Some worlds (:data:`DISPUTE_SEEDS`) then get the patients' feedback (records.md): after the
timeline, a seeded choice of the stored claims — live or not — gets CONFIRMED, NOT_RECEIVED or
NOT_AS_BILLED. On chain each person's wallet is bound by the operator and the patient's signed
feedback relayed through the client (``Ledger.give_feedback``); the model gets the same feedback
as its screening input (``ScreeningFacts.feedback``). Screening again, every rule, PATIENT_DISPUTE
among them, gives equal leads.

Also a law from screening.md itself: a pre-check followed on the same day by the same claim
gives the claim's decision.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from worldrun import assert_agree
from worlds.screening import announced, screening_world
from yibao.chain.node import AnvilNode
from yibao.client import claim_id_of
from yibao.model.screening import Lead, Rule, ScreeningParams
from yibao.model.screening_rules import LIVE_STATUSES, screen
from yibao.model.types import ClaimKey, Feedback
from yibao.simulate import ModelEngine, run_scenario
from yibao.simulate.scenario import Scenario, parse_scenario

SEEDS = range(4)
AFTER_SEEDS = range(2)
ANVIL_SEEDS = [0]
DISPUTE_SEEDS = frozenset({0, 2, 100, 101})
"""The worlds that get the patients' feedback after their timeline."""


def _play(doc: dict[str, Any], engine: Any) -> dict[str, Any]:
    out = run_scenario(parse_scenario(doc), engine, screen=True)
    out.pop("gas", None)
    return out


def _feedback(seed: int, scenario: Scenario, model: ModelEngine) -> dict[ClaimKey, Feedback]:
    """A seeded choice of the stored claims (about a third, live or not, each once) and the
    feedback their patients give; at least one live claim disputed."""
    rng = random.Random(f"yibao-tests/disputes/{seed}")
    keys = sorted({s.claim.key for s in scenario.timeline if s.claim is not None
                   and model.ledger.claim(s.claim.key) is not None}, key=lambda k: (k.institution, k.invoice))
    out = {k: rng.choice((Feedback.CONFIRMED, Feedback.NOT_RECEIVED, Feedback.NOT_AS_BILLED))
           for k in keys if rng.random() < 0.35}
    live = [k for k in keys if model.ledger.claim(k).status in LIVE_STATUSES]  # type: ignore[union-attr]
    out[live[0]] = Feedback.NOT_AS_BILLED
    return out


def _wallet(person: str) -> LocalAccount:
    acct: LocalAccount = Account.from_key(keccak(text=f"yibao.tests.disputes:{person}"))
    return acct


def _give_on_chain(chain: Any, model: ModelEngine, feedback: dict[ClaimKey, Feedback]) -> None:
    """Each claim's patient binds a wallet (the operator) and signs the feedback, which the
    operator relays (the patient's app has no gas)."""
    from yibao.simulate.chain_engine import derived_account, pseudonym_of

    relay = chain.operator
    bound: set[str] = set()
    for key, code in feedback.items():
        person = model.ledger.submitted(key).person
        if person not in bound:
            relay.set_person_wallet(pseudonym_of(person), _wallet(person).address)
            bound.add(person)
        relay.give_feedback(_wallet(person), claim_id_of(derived_account("institution", key.institution).address,
                                                          key.invoice), code)


def _shown(leads: list[Lead[ClaimKey]]) -> list[tuple[str, str, str | None, str | None, list[tuple[str, str]]]]:
    return sorted((str(x.rule), str(x.severity), x.institution, x.person,
                   sorted((k.institution, k.invoice) for k in x.claims)) for x in leads)


def _disputed_leads(seed: int, doc: dict[str, Any], model: ModelEngine, chain: Any) -> list[Lead[ClaimKey]]:
    """The feedback given on both sides, then the leads of both, which must be equal."""
    scenario = parse_scenario(doc)
    feedback = _feedback(seed, scenario, model)
    _give_on_chain(chain, model, feedback)
    params: ScreeningParams = scenario.screening
    mine = screen(dataclasses.replace(model.facts(), feedback=feedback), params)
    assert _shown(mine) == _shown(chain.leads(params)), f"seed {seed}: leads differ with the patients' feedback"
    disputed = {k for k, code in feedback.items() if code is not Feedback.CONFIRMED}
    live = {k for k in disputed if model.ledger.claim(k).status in LIVE_STATUSES}  # type: ignore[union-attr]
    assert {x.claims for x in mine if x.rule is Rule.PATIENT_DISPUTE} == {(k,) for k in live}
    return mine


def _differential(seed: int, rpc: str | None = None, **world: Any) -> dict[str, Any]:
    from yibao.simulate.chain_engine import ChainEngine

    doc = screening_world(seed, **world)
    model_engine, chain_engine = ModelEngine(), ChainEngine(rpc=rpc)
    model = _play(doc, model_engine)
    chain = _play(doc, chain_engine)
    assert_agree(seed, world, doc, model, chain)
    assert model.get("leads") == chain.get("leads")
    assert model.get("prechecks") == chain.get("prechecks")
    if seed in DISPUTE_SEEDS:
        model["disputed_leads"] = _disputed_leads(seed, doc, model_engine, chain_engine)
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
    agreement above means something), and pre-checks announce claims; PATIENT_DISPUTE is met
    by the worlds with the patients' feedback only."""
    from yibao.model.screening import PRECHECK_RULES, RULES

    leads: set[str] = set()
    warned: set[str] = set()
    announcing = 0
    for seed in SEEDS:
        doc = screening_world(seed)
        engine = ModelEngine()
        out = _play(doc, engine)
        assert Rule.PATIENT_DISPUTE not in {lead["rule"] for lead in out["leads"]}
        leads |= {lead["rule"] for lead in out["leads"]}
        if seed in DISPUTE_SEEDS:
            scenario = parse_scenario(doc)
            facts = dataclasses.replace(engine.facts(), feedback=_feedback(seed, scenario, engine))
            leads |= {str(lead.rule) for lead in screen(facts, scenario.screening)}
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
