"""Parity of the engines: the fast engine (anvil started here, :meth:`Chain.local`) and the
embedded reference engine (py-evm) give the same ``yibao simulate`` documents — every
decision, amount, refusal and gas figure — for the scenario files of the tests and for
seeded random worlds (claims only; with reviews, appeals, settlements, clearings,
clawbacks, contributions and supervision cases; with malformed claims), and ``yibao
simulate`` prints the same JSON on both (issue 15: parity tested, not assumed).

The demo's report is held equal on both engines in tests/demo/test_demo.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from docdiff import describe_differences
from worldrun import play
from worlds import random_world
from yibao.cli import run
from yibao.simulate import run_scenario
from yibao.simulate.chain_engine import ChainEngine
from yibao.simulate.scenario import load_scenario

pytestmark = pytest.mark.anvil

DATA = Path(__file__).resolve().parents[1] / "scenario" / "data"
SCENARIOS = ["example.json", "supervision.json", "screening.json", "world.json"]
WORLDS = [  # (seed, world arguments)
    (11, {"claims": 120}),
    (12, {"claims": 120, "after": True}),
    (13, {"claims": 80, "malformed_rate": 0.15}),
]


def _same(pyevm: dict[str, Any], anvil: dict[str, Any], timeline: list[dict[str, Any]]) -> None:
    if pyevm != anvil:
        problems = describe_differences(pyevm, anvil, timeline)
        pytest.fail("anvil and py-evm disagree:\n" + "\n".join(problems[:12]))
    assert pyevm.get("gas"), "the documents carry the gas figures, which must agree too"


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_files_agree(name: str) -> None:
    scenario = load_scenario(DATA / name)
    screen = name == "screening.json"
    docs = {e: run_scenario(scenario, ChainEngine(engine=e), screen=screen) for e in ("pyevm", "anvil")}
    raw = json.loads((DATA / name).read_text(encoding="utf-8"))
    _same(docs["pyevm"], docs["anvil"], raw.get("timeline", []))


@pytest.mark.parametrize(("seed", "world"), WORLDS)
def test_random_worlds_agree(seed: int, world: dict[str, Any]) -> None:
    doc = random_world(seed, **world)
    _same(play(doc, ChainEngine(engine="pyevm")), play(doc, ChainEngine(engine="anvil")), doc["timeline"])


def test_simulate_prints_the_same_json(capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for extra in ([], ["--engine", "pyevm"]):
        assert run(["simulate", str(DATA / "example.json"), *extra]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and json.loads(outs[0])["gas"]
