"""The demo world's planted screening patterns (no chain): every rule planted at small sizes
and several seeds, the truth made of the world's own claims, the off-chain facts complete."""

from __future__ import annotations

import pytest

from yibao.demo.generator import build_world
from yibao.demo.planted import PLANTED_TAG, RESTRICTIONS
from yibao.demo.planted import PLANTED_RULES
from yibao.model.screening import Rule
from yibao.model.types import VisitType


@pytest.mark.parametrize("seed", [1, 2, 3, 7, 11])
def test_every_rule_is_planted(seed: int) -> None:
    world = build_world(seed, 60, 400)
    invoices = {c.invoice for c in world.claims if c.tag == PLANTED_TAG}
    planted = world.planted
    for rule in PLANTED_RULES:
        instances = planted.instances[rule]
        assert len(instances) >= (2 if rule is Rule.SURGE else 3), rule
        assert all(inst and inst <= invoices for inst in instances), rule
    assert {p.pid for p in world.people} == set(planted.attributes)
    assert all(a.sex in ("M", "F") and a.birth_date for a in planted.attributes.values())
    assert {code for _, code in planted.restrictions} <= set(RESTRICTIONS)
    for c in world.claims:
        if c.tag == PLANTED_TAG:
            assert c.claimed_fund is None and c.inst != "GZ-KH"
            assert (c.discharge is not None) == (c.visit == VisitType.INPATIENT)


def test_the_ordinary_world_is_unchanged_by_planting() -> None:
    world = build_world(7, 60, 400)
    ordinary = [c for c in world.claims if c.tag != PLANTED_TAG]
    assert world.claims[: len(ordinary)] == ordinary  # planted last, after the whole year is planned
