"""adjudication.md §2–§7 as pure functions, with hand-computed figures (fen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from worlds.model_world import POLICY
from yibao.model import rules
from yibao.model.types import (
    CatalogueItem, Category, ClaimLine, Filing, Flag, Grade, LineNote, LineResult, Scheme, VisitType
)

D = dt.date
OP, IP, PH = VisitType.OUTPATIENT, VisitType.INPATIENT, VisitType.PHARMACY
DAY = D(2026, 3, 10)


def line(item: CatalogueItem | None, qty: int, price: int, visit: VisitType = OP,
        last: dt.date | None = None, day: dt.date = DAY, self_pay: int = 1000) -> LineResult:
    code = item.code if item else "ZZ99"
    return rules.evaluate_line(ClaimLine(code, qty, price), item, visit, day, last, self_pay)


A = CatalogueItem("A1", Category.A)


# ---------------------------------------------------------------- §2 lines


def test_billed_is_qty_times_unit_price() -> None:
    assert line(A, 3, 1234) == LineResult("A1", 3702, 3702, LineNote.NONE)


def test_not_in_catalogue() -> None:
    assert line(None, 3, 1000) == LineResult("ZZ99", 3000, 0, LineNote.NOT_IN_CATALOGUE)


def test_category_c_is_not_eligible() -> None:
    c = CatalogueItem("C1", Category.C)
    assert line(c, 2, 500) == LineResult("C1", 1000, 0, LineNote.CATEGORY_C)


def test_inpatient_only_item_on_outpatient_and_pharmacy() -> None:
    i = CatalogueItem("I1", Category.A, inpatient_only=True)
    assert line(i, 1, 800, OP) == LineResult("I1", 800, 0, LineNote.INPATIENT_ONLY)
    assert line(i, 1, 800, PH) == LineResult("I1", 800, 0, LineNote.INPATIENT_ONLY)
    assert line(i, 1, 800, IP) == LineResult("I1", 800, 800, LineNote.NONE)


def test_too_soon_boundaries() -> None:
    t = CatalogueItem("T1", Category.A, min_interval_days=7)
    last = D(2026, 3, 1)
    # 03-01 + 7 days = 03-08: 03-07 is too soon, 03-08 is not
    assert line(t, 1, 500, last=last, day=D(2026, 3, 7)).notes == LineNote.TOO_SOON
    assert line(t, 1, 500, last=last, day=D(2026, 3, 7)).eligible == 0
    assert line(t, 1, 500, last=last, day=D(2026, 3, 8)) == LineResult("T1", 500, 500)
    # a service dated before the last one is too soon as well
    assert line(t, 1, 500, last=last, day=D(2026, 2, 20)).notes == LineNote.TOO_SOON
    # no earlier service, or no interval: never too soon
    assert line(t, 1, 500, last=None).eligible == 500
    assert line(A, 1, 500, last=DAY).eligible == 500


def test_price_capped() -> None:
    p = CatalogueItem("P1", Category.A, price_cap=3000)
    # 2 × min(5000, 3000) = 6000 eligible of 10000 billed
    assert line(p, 2, 5000) == LineResult("P1", 10000, 6000, LineNote.PRICE_CAPPED)
    # at the cap: not capped
    assert line(p, 2, 3000) == LineResult("P1", 6000, 6000, LineNote.NONE)


def test_qty_capped() -> None:
    q = CatalogueItem("Q1", Category.A, max_qty=2)
    assert line(q, 5, 1000) == LineResult("Q1", 5000, 2000, LineNote.QTY_CAPPED)
    assert line(q, 2, 1000) == LineResult("Q1", 2000, 2000, LineNote.NONE)


def test_price_and_qty_capped_together() -> None:
    both = CatalogueItem("PQ", Category.A, price_cap=3000, max_qty=2)
    # billed 5 × 5000 = 25000; base 2 × 3000 = 6000
    assert line(both, 5, 5000) == LineResult(
        "PQ", 25000, 6000, LineNote.PRICE_CAPPED | LineNote.QTY_CAPPED
    )


def test_class_b_self_pay_rounds_down() -> None:
    b = CatalogueItem("B1", Category.B)
    # 12345 × 9000 / 10000 = 11110.5 → 11110
    assert line(b, 1, 12345) == LineResult("B1", 12345, 11110)
    # class B with price cap: 3 × 3000 = 9000 → 8100
    bp = CatalogueItem("B2", Category.B, price_cap=3000)
    assert line(bp, 3, 4000) == LineResult("B2", 12000, 8100, LineNote.PRICE_CAPPED)
    # 100 % self-pay leaves nothing
    assert line(b, 1, 12345, self_pay=10000).eligible == 0


def test_first_line_check_wins() -> None:
    ci = CatalogueItem("CI", Category.C, inpatient_only=True, min_interval_days=5)
    assert line(ci, 1, 100, OP, last=DAY).notes == LineNote.CATEGORY_C
    it = CatalogueItem("IT", Category.A, inpatient_only=True, min_interval_days=5)
    assert line(it, 1, 100, OP, last=DAY).notes == LineNote.INPATIENT_ONLY
    # an ineligible line gets no cap notes
    cp = CatalogueItem("CP", Category.C, price_cap=10)
    assert line(cp, 1, 100).notes == LineNote.CATEGORY_C


def test_evaluate_lines_second_interval_line_in_one_claim_is_too_soon() -> None:
    t = CatalogueItem("T1", Category.A, min_interval_days=7)
    lines, recorded = rules.evaluate_lines(
        [ClaimLine("T1", 1, 500), ClaimLine("A1", 2, 100), ClaimLine("T1", 1, 500)],
        {"T1": t, "A1": A},
        OP,
        DAY,
        {},
        1000,
    )
    assert [x.eligible for x in lines] == [500, 200, 0]
    assert lines[2].notes == LineNote.TOO_SOON
    assert recorded == {"T1": DAY}  # only interval items, only eligible ones


def test_evaluate_lines_too_soon_does_not_restart_interval() -> None:
    t = CatalogueItem("T1", Category.A, min_interval_days=7)
    last = D(2026, 3, 5)
    lines, recorded = rules.evaluate_lines(
        [ClaimLine("T1", 1, 500)], {"T1": t}, OP, DAY, {"T1": last}, 1000
    )
    assert lines[0].notes == LineNote.TOO_SOON
    assert recorded == {}


# ---------------------------------------------------------------- §3 deductible


def test_outpatient_deductible_uses_what_is_left_this_year() -> None:
    # op deductible 10000
    assert rules.deductible(OP, 5000, POLICY, 3, 0) == 5000
    assert rules.deductible(OP, 20000, POLICY, 3, 3000) == 7000
    assert rules.deductible(PH, 20000, POLICY, 0, 10000) == 0
    # a later version lowered it below what was used: not negative
    assert rules.deductible(OP, 20000, POLICY, 3, 12000) == 0


def test_inpatient_deductible_per_admission_by_level() -> None:
    assert rules.deductible(IP, 80000, POLICY, 1, 0) == 20000
    assert rules.deductible(IP, 80000, POLICY, 2, 999_999) == 50000  # annual use ignored
    assert rules.deductible(IP, 30000, POLICY, 3, 0) == 30000  # at most E


# ---------------------------------------------------------------- §4 ratio


def test_ratio_by_visit_and_level() -> None:
    assert [rules.ratio_bps(OP, POLICY, lv, False) for lv in (0, 1, 2, 3)] == [
        5000,
        7000,
        6000,
        5000,
    ]
    assert rules.ratio_bps(PH, POLICY, 0, False) == 5000
    assert [rules.ratio_bps(IP, POLICY, lv, False) for lv in (1, 2, 3)] == [9000, 8500, 8000]


def test_cross_region_cut_not_below_zero() -> None:
    assert rules.ratio_bps(OP, POLICY, 2, True) == 5000  # 6000 − 1000
    assert rules.ratio_bps(IP, POLICY, 1, True) == 8000  # 9000 − 1000
    deep = replace(POLICY, cross_region_cut_bps=6000)
    assert rules.ratio_bps(OP, deep, 0, True) == 0  # 5000 − 6000 → 0


def test_filing_covers_inclusive_dates_and_region() -> None:
    f = [Filing(440100, D(2026, 3, 1), D(2026, 3, 31))]
    assert rules.filing_covers(f, 440100, D(2026, 3, 1))
    assert rules.filing_covers(f, 440100, D(2026, 3, 31))
    assert not rules.filing_covers(f, 440100, D(2026, 4, 1))
    assert not rules.filing_covers(f, 310000, D(2026, 3, 15))


# ---------------------------------------------------------------- §5 fund share


def test_fund_share_rounds_down() -> None:
    # (27800 − 10000) × 5000 / 10000 = 8900
    assert rules.fund_share(OP, 27800, 10000, 5000, POLICY, 0, 0) == 8900
    # 333 × 7000 / 10000 = 233.1 → 233
    assert rules.fund_share(OP, 333, 0, 7000, POLICY, 0, 0) == 233


def test_fund_share_op_cap() -> None:
    # op cap 500000, 499900 used: 100 left of 5000
    assert rules.fund_share(OP, 10000, 0, 5000, POLICY, 499_900, 499_900) == 100
    # used beyond the cap (a lowered version): 0, not negative
    assert rules.fund_share(PH, 10000, 0, 5000, POLICY, 600_000, 600_000) == 0
    # inpatient ignores the op cap
    assert rules.fund_share(IP, 10000, 0, 8000, POLICY, 500_000, 500_000) == 8000


def test_fund_share_annual_cap() -> None:
    # annual cap 1000000, 999000 used: 1000 left of 8000
    assert rules.fund_share(IP, 10000, 0, 8000, POLICY, 0, 999_000) == 1000
    # op: min(op left 300, annual left 1000) = 300
    assert rules.fund_share(OP, 10000, 0, 5000, POLICY, 499_700, 999_000) == 300
    # op: min(op left 5000, annual left 200) = 200
    assert rules.fund_share(OP, 10000, 0, 5000, POLICY, 0, 999_800) == 200


def test_select_policy_latest_in_force() -> None:
    v1 = POLICY
    v2 = replace(POLICY, effective_from=D(2026, 7, 1), op_deductible=5000)
    assert rules.select_policy([v1, v2], D(2026, 6, 30)) is v1
    assert rules.select_policy([v1, v2], D(2026, 7, 1)) is v2
    assert rules.select_policy([v2, v1], D(2026, 8, 1)) is v2
    assert rules.select_policy([v1, v2], D(2025, 12, 31)) is None
    assert POLICY.scheme is Scheme.EMPLOYEE


# ---------------------------------------------------------------- §6 / §7


def test_overclaim() -> None:
    assert rules.is_overclaim(8901, 8900)
    assert not rules.is_overclaim(8900, 8900)
    assert not rules.is_overclaim(None, 0)


def test_visit_limit_flag() -> None:
    # limit 3: the 4th claim of the month exceeds it
    assert rules.flags(OP, POLICY, 0, Grade.A, 3) == Flag.VISIT_LIMIT
    assert rules.flags(PH, POLICY, 0, Grade.A, 3) == Flag.VISIT_LIMIT
    assert rules.flags(OP, POLICY, 0, Grade.A, 2) == Flag.NONE
    assert rules.flags(IP, POLICY, 0, Grade.A, 99) == Flag.NONE
    unlimited = replace(POLICY, monthly_visit_limit=0)
    assert rules.flags(OP, unlimited, 0, Grade.A, 99) == Flag.NONE


def test_review_threshold_flag() -> None:
    assert rules.flags(IP, POLICY, 100_001, Grade.A, 0) == Flag.REVIEW_THRESHOLD
    assert rules.flags(IP, POLICY, 100_000, Grade.A, 0) == Flag.NONE


def test_institution_grade_flag() -> None:
    assert rules.flags(IP, POLICY, 0, Grade.D, 0) == Flag.INSTITUTION_GRADE
    # grade C: fund > floor(100000 / 2) = 50000
    assert rules.flags(IP, POLICY, 50_001, Grade.C, 0) == Flag.INSTITUTION_GRADE
    assert rules.flags(IP, POLICY, 50_000, Grade.C, 0) == Flag.NONE
    odd = replace(POLICY, review_threshold=100_001)  # floor(100001 / 2) = 50000
    assert rules.flags(IP, odd, 50_001, Grade.C, 0) == Flag.INSTITUTION_GRADE
    assert rules.flags(IP, POLICY, 10**9, Grade.B, 0) == Flag.REVIEW_THRESHOLD


def test_all_flags_together() -> None:
    assert rules.flags(OP, POLICY, 200_000, Grade.D, 3) == (
        Flag.VISIT_LIMIT | Flag.REVIEW_THRESHOLD | Flag.INSTITUTION_GRADE
    )


# ---------------------------------------------------------------- properties

money = st.integers(min_value=0, max_value=10**9)
bps = st.integers(min_value=0, max_value=10_000)
items = st.builds(
    CatalogueItem,
    code=st.just("X"),
    category=st.sampled_from(list(Category)),
    price_cap=st.integers(0, 10**6),
    inpatient_only=st.booleans(),
    max_qty=st.integers(0, 50),
    min_interval_days=st.integers(0, 30),
)


@given(
    lines=st.lists(
        st.tuples(st.integers(1, 100), st.integers(0, 10**6), st.one_of(st.none(), items)),
        min_size=1,
        max_size=6,
    ),
    visit=st.sampled_from(list(VisitType)),
    level=st.integers(1, 3),
    self_pay=bps,
    ratio_cut=st.booleans(),
    cut=bps,
    op_ded=money,
    op_used=money,
    op_cap=money,
    annual_cap=money,
    op_fund_used=money,
    fund_used=money,
)
def test_money_is_conserved_and_capped(lines: list[tuple[int, int, CatalogueItem | None]], visit: VisitType,
        level: int, self_pay: int, ratio_cut: bool, cut: int, op_ded: int, op_used: int, op_cap: int,
        annual_cap: int, op_fund_used: int, fund_used: int) -> None:
    policy = replace(
        POLICY,
        class_b_self_pay_bps=self_pay,
        cross_region_cut_bps=cut,
        op_deductible=op_ded,
        op_annual_cap=op_cap,
        annual_cap=annual_cap,
    )
    claim_lines = [ClaimLine(f"L{i}", q, p) for i, (q, p, _) in enumerate(lines)]
    catalogue = {
        f"L{i}": replace(item, code=f"L{i}") for i, (_, _, item) in enumerate(lines) if item
    }
    results, _ = rules.evaluate_lines(claim_lines, catalogue, visit, DAY, {}, self_pay)
    billed = sum(x.billed for x in results)
    eligible = sum(x.eligible for x in results)
    assert billed == sum(q * p for q, p, _ in lines)
    assert all(0 <= x.eligible <= x.billed for x in results)
    d = rules.deductible(visit, eligible, policy, level, op_used)
    assert 0 <= d <= eligible
    ratio = rules.ratio_bps(visit, policy, level, ratio_cut)
    assert 0 <= ratio <= 10_000
    fund = rules.fund_share(visit, eligible, d, ratio, policy, op_fund_used, fund_used)
    patient = billed - fund
    assert patient + fund == billed
    assert 0 <= fund <= eligible - d
    assert patient >= 0
    assert fund_used + fund <= max(fund_used, annual_cap)
    if visit is not VisitType.INPATIENT:
        assert op_fund_used + fund <= max(op_fund_used, op_cap)
    assert isinstance(fund, int) and isinstance(patient, int)


@given(eligible=money, ratio=bps, d=money)
def test_rounding_never_costs_the_fund(eligible: int, ratio: int, d: int) -> None:
    d = min(d, eligible)
    fund = rules.fund_share(VisitType.INPATIENT, eligible, d, ratio, replace(
        POLICY, annual_cap=10**12), 0, 0)
    # fund × 10000 ≤ (E − d) × ratio < (fund + 1) × 10000
    assert fund * 10_000 <= (eligible - d) * ratio < (fund + 1) * 10_000
