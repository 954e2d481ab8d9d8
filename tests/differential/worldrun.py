"""Helpers of the differential tests: play a world, compare two output documents."""

from __future__ import annotations

from typing import Any

import pytest
from docdiff import describe_differences
from yibao.simulate.scenario import parse_scenario
from yibao.simulate import Engine, ModelEngine, run_scenario


def play(doc: dict[str, Any], engine: Engine) -> dict[str, Any]:
    """Load a world document and play it through ``engine``."""
    return run_scenario(parse_scenario(doc), engine)


def model_report(doc: dict[str, Any]) -> dict[str, Any]:
    """The reference model's output document for a world."""
    return play(doc, ModelEngine())


def reproduce_hint(seed: int, kwargs: dict[str, Any]) -> str:
    """Shell lines that rebuild the world and run both sides."""
    args = ", ".join([str(seed), "'world.json'", *(f"{k}={v!r}" for k, v in kwargs.items())])
    return (
        "  python -c \"import datetime; from worlds import random_world_file; "
        f"random_world_file({args})\"\n"
        "  yibao simulate world.json > chain.json; yibao simulate --model world.json > model.json"
    )


def assert_agree(seed: int, kwargs: dict[str, Any], doc: dict[str, Any], model: dict[str, Any],
        chain: dict[str, Any]) -> None:
    """Fail with a short description of the first differences unless the documents match.

    ``chain`` must already be without ``gas``. Values must match in type too (``1`` is
    not ``True``), as they would in the JSON ``yibao simulate`` prints.
    """
    problems = describe_differences(model, chain, doc["timeline"])
    if problems or model != chain:
        claims = sum(1 for step in doc["timeline"] if "claim" in step)
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        pytest.fail(
            f"seed {seed} ({shown}; {claims} claims, {len(doc['timeline'])} steps): "
            "the contracts and the reference model disagree\n  "
            + "\n  ".join(problems or ["(documents differ)"])
            + "\nreproduce:\n"
            + reproduce_hint(seed, kwargs),
            pytrace=False,
        )
