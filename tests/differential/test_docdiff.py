"""The differential test's diff helper: short, and pointing at the first difference."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from docdiff import MISSING, describe_differences, leaf_differences
from worldrun import assert_agree, model_report
from worlds import random_world


@pytest.fixture(scope="module")
def world() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = random_world(2, 60, after=True)
    return doc, model_report(doc)


def test_equal_documents_have_no_differences(world: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, report = world
    assert describe_differences(report, copy.deepcopy(report)) == []
    assert list(leaf_differences(report, copy.deepcopy(report))) == []


def test_first_claim_and_field_in_timeline_order(world: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, report = world
    chain = copy.deepcopy(report)
    ids = list(report["claims"])
    chain["claims"][ids[30]]["fund"] += 1
    chain["claims"][ids[30]]["patient"] -= 1
    chain["claims"][ids[5]]["lines"] = chain["claims"][ids[5]]["lines"][:-1] or [{"code": "X"}]
    chain["steps"][12]["ok"] = not chain["steps"][12]["ok"]
    lines = describe_differences(report, chain)
    assert lines[0].startswith(f"first differing claim {ids[5]}.lines[")
    assert lines[1].startswith("    model: status=") and lines[2].startswith("    chain: status=")
    assert lines[3].startswith("first differing step steps[12]: ")
    assert lines[-1].endswith("differing value(s) in all")
    assert len(lines) <= 6 and all(len(line) < 400 for line in lines)


def test_types_matter_as_in_json() -> None:
    assert list(leaf_differences({"frozen": False}, {"frozen": 0})) == [("frozen", False, 0)]
    assert list(leaf_differences({"a": [1, 2]}, {"a": [1]})) == [("a[1]", 2, MISSING)]
    assert list(leaf_differences({"a": 1}, {"b": 1})) == [("a", 1, MISSING), ("b", MISSING, 1)]


def test_missing_claims_sections_and_order(world: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, report = world
    chain = copy.deepcopy(report)
    first = next(iter(chain["claims"]))
    chain["claims"][first] = chain["claims"].pop(first)  # same claims, another order
    chain["funds"] = dict(reversed(list(chain["funds"].items())))
    chain["gas"] = {"total": 1, "per_claim_mean": 1}
    lines = describe_differences(report, chain)
    assert "claims: same claims in a different order" in lines
    assert "funds: same entries in a different order" in lines
    assert any(line.startswith("gas: model <missing>") for line in lines)

    del chain["claims"][first]
    assert describe_differences(report, chain)[0].startswith(f"first differing claim {first}: model {{")


def test_assert_agree_fails_with_the_seed(world: tuple[dict[str, Any], dict[str, Any]]) -> None:
    doc, report = world
    chain = copy.deepcopy(report)
    chain["institutions"][next(iter(chain["institutions"]))]["paid"] += 7
    with pytest.raises(pytest.fail.Exception) as info:
        assert_agree(2, {"claims": 60, "after": True}, doc, report, chain)
    message = str(info.value)
    assert message.startswith("seed 2 (claims=60, after=True; 60 claims, ")
    assert "institutions." in message and ".paid: model " in message
    assert "random_world_file(2, 'world.json', claims=60, after=True)" in message
    assert len(message) < 2000
    assert_agree(2, {}, doc, report, copy.deepcopy(report))
