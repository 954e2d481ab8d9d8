"""The reference model's speed-ups change nothing (issue 15 §3): the line memo of
:func:`rules.evaluate_lines` gives what the lines give without it, line by line as §2 of
adjudication.md defines them (:func:`rules.evaluate_line` of each line alone when no interval
applies), and :func:`direct_init` records are the dataclasses they were."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.model import rules
from yibao.model.fastinit import direct_init
from yibao.model.types import CatalogueItem, Category, Claim, ClaimKey, ClaimLine, LineResult, VisitType

CODES = ["A1", "B1", "C1", "I1", "T1", "Q1", "P1", "X9"]
CATALOGUE = {
    "A1": CatalogueItem("A1", Category.A),
    "B1": CatalogueItem("B1", Category.B, price_cap=900),
    "C1": CatalogueItem("C1", Category.C),
    "I1": CatalogueItem("I1", Category.A, inpatient_only=True),
    "T1": CatalogueItem("T1", Category.B, min_interval_days=7),
    "Q1": CatalogueItem("Q1", Category.A, max_qty=3, price_cap=500),
    "P1": CatalogueItem("P1", Category.B, max_qty=2),
}  # X9 is not in the catalogue

lines_st = st.lists(st.builds(ClaimLine, st.sampled_from(CODES), st.integers(1, 6), st.integers(0, 2_000)),
                    min_size=1, max_size=6)
claims_st = st.lists(st.tuples(lines_st, st.sampled_from(list(VisitType)), st.integers(0, 30),
                               st.sampled_from([0, 1000, 3000])), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(claims_st)
def test_the_line_memo_changes_no_result(claims: list[tuple[list[ClaimLine], VisitType, int, int]]) -> None:
    memo: dict[Any, LineResult] = {}
    last: dict[str, dt.date] = {}
    start = dt.date(2026, 3, 1)
    for lines, visit, offset, self_pay in claims:
        day = start + dt.timedelta(days=offset)
        plain = rules.evaluate_lines(lines, CATALOGUE, visit, day, last, self_pay)
        memoized = rules.evaluate_lines(lines, CATALOGUE, visit, day, last, self_pay, memo)
        assert memoized == plain
        results, recorded = plain
        for line, result in zip(lines, results, strict=True):
            if CATALOGUE.get(line.code, CatalogueItem(line.code, Category.A)).min_interval_days == 0:
                alone = rules.evaluate_line(line, CATALOGUE.get(line.code), visit, day, None, self_pay)
                assert result == alone
        last = {**last, **recorded}


def test_direct_init_records_are_the_dataclasses_they_were() -> None:
    line = ClaimLine("A1", 2, 300)
    assert line == ClaimLine(code="A1", qty=2, unit_price=300) and hash(line) == hash(ClaimLine("A1", 2, 300))
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.qty = 3  # type: ignore[misc]
    claim = Claim("H1", "I1", "P1", VisitType.OUTPATIENT, dt.date(2026, 1, 2), (line,))
    assert claim.discharge is None and claim.documents_hash == bytes(32) and claim.key == ClaimKey("H1", "I1")
    assert dataclasses.replace(claim, invoice="I2").key == ClaimKey("H1", "I2")
    assert repr(line) == "ClaimLine(code='A1', qty=2, unit_price=300)"
    with pytest.raises(TypeError):
        ClaimLine("A1", 2)  # type: ignore[call-arg]


def test_direct_init_runs_post_init_and_refuses_what_it_cannot_do() -> None:
    seen = []

    @direct_init
    @dataclasses.dataclass(frozen=True)
    class Checked:
        n: int
        m: int = 5

        def __post_init__(self) -> None:
            seen.append((self.n, self.m))

    assert Checked(1) == Checked(1, 5) and seen == [(1, 5), (1, 5)]

    @dataclasses.dataclass
    class Loose:
        n: int

    with pytest.raises(TypeError, match="not a frozen dataclass"):
        direct_init(Loose)

    @dataclasses.dataclass(frozen=True)
    class Listed:
        items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="plain fields only"):
        direct_init(Listed)
