"""The pure adjudication math of adjudication.md §2–§7.

Every function here is pure: it reads its arguments and returns a result, never
touching any state. All arithmetic is on ``int``; every division rounds down (``//``),
so rounding never costs the fund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from yibao.model.types import (
    BPS, CatalogueItem, Category, ClaimLine, Filing, Flag, Grade, LineNote, LineResult, PolicyVersion,
    VisitType
)


def is_outpatient(visit: VisitType) -> bool:
    """Outpatient and pharmacy claims share the annual deductible, op cap and visit limit."""
    return visit is not VisitType.INPATIENT


def select_policy(versions: Iterable[PolicyVersion], day: dt.date) -> PolicyVersion | None:
    """The version with the latest ``effective_from`` ≤ ``day``, or None."""
    best: PolicyVersion | None = None
    for version in versions:
        if version.effective_from <= day and (
            best is None or version.effective_from > best.effective_from
        ):
            best = version
    return best


def filing_covers(filings: Iterable[Filing], region: int, day: dt.date) -> bool:
    """True when some filing for ``region`` covers ``day`` (dates inclusive)."""
    return any(f.covers(region, day) for f in filings)


# ---------------------------------------------------------------------------
# §2 Lines
# ---------------------------------------------------------------------------


def too_soon(last_day: dt.date | None, service_date: dt.date, min_interval_days: int) -> bool:
    """§2 TOO_SOON: the item was last eligible on ``last_day`` less than the interval ago.

    A service dated before ``last_day`` is too soon as well. No interval (0) or no
    earlier service is never too soon.
    """
    if min_interval_days <= 0 or last_day is None:
        return False
    return service_date < last_day + dt.timedelta(days=min_interval_days)


def evaluate_line(line: ClaimLine, item: CatalogueItem | None, visit: VisitType,
        service_date: dt.date, last_day: dt.date | None, class_b_self_pay_bps: int) -> LineResult:
    """§2: evaluate one line.

    The ineligibility checks are taken in order and the first that applies wins:
    NOT_IN_CATALOGUE, CATEGORY_C, INPATIENT_ONLY, TOO_SOON (eligible = 0). Otherwise
    the price is capped (PRICE_CAPPED when ``unit_price > price_cap > 0``), the
    quantity is capped (QTY_CAPPED when ``qty > max_qty > 0``), ``base = q × price``,
    and a class-B line keeps ``floor(base × (10000 − self_pay) / 10000)``.
    """
    billed = line.qty * line.unit_price
    if item is None:
        return LineResult(line.code, billed, 0, LineNote.NOT_IN_CATALOGUE)
    if item.category is Category.C:
        return LineResult(line.code, billed, 0, LineNote.CATEGORY_C)
    if item.inpatient_only and visit is not VisitType.INPATIENT:
        return LineResult(line.code, billed, 0, LineNote.INPATIENT_ONLY)
    if too_soon(last_day, service_date, item.min_interval_days):
        return LineResult(line.code, billed, 0, LineNote.TOO_SOON)
    notes = LineNote.NONE
    price = line.unit_price
    if item.price_cap > 0 and price > item.price_cap:
        price = item.price_cap
        notes |= LineNote.PRICE_CAPPED
    qty = line.qty
    if item.max_qty > 0 and qty > item.max_qty:
        qty = item.max_qty
        notes |= LineNote.QTY_CAPPED
    base = qty * price
    if item.category is Category.A:
        eligible = base
    else:
        eligible = base * (BPS - class_b_self_pay_bps) // BPS
    return LineResult(line.code, billed, eligible, notes)


def evaluate_lines(lines: Sequence[ClaimLine],
        catalogue: Mapping[str, CatalogueItem],
        visit: VisitType, service_date: dt.date,
        last_days: Mapping[str, dt.date],
        class_b_self_pay_bps: int) -> tuple[tuple[LineResult, ...], dict[str, dt.date]]:
    """§2 for a whole claim, lines in order.

    ``last_days`` maps an item code to the person's last eligible service day. Returns
    the line results and the new last service days of the interval-limited items that
    were eligible on this claim (to be recorded only if the claim counts). A second
    line of the same interval-limited item in one claim is therefore TOO_SOON.
    """
    seen: dict[str, dt.date] = dict(last_days)
    recorded: dict[str, dt.date] = {}
    results: list[LineResult] = []
    for line in lines:
        item = catalogue.get(line.code)
        result = evaluate_line(
            line, item, visit, service_date, seen.get(line.code), class_b_self_pay_bps
        )
        results.append(result)
        if (
            item is not None
            and item.min_interval_days > 0
            and result.notes & _INELIGIBLE == LineNote.NONE
        ):
            seen[line.code] = service_date
            recorded[line.code] = service_date
    return tuple(results), recorded


_INELIGIBLE = (
    LineNote.NOT_IN_CATALOGUE | LineNote.CATEGORY_C | LineNote.INPATIENT_ONLY | LineNote.TOO_SOON
)


# ---------------------------------------------------------------------------
# §3 Deductible, §4 Ratio, §5 Fund share
# ---------------------------------------------------------------------------


def deductible(
    visit: VisitType, eligible: int, policy: PolicyVersion, level: int, op_deductible_used: int
) -> int:
    """§3: the part of ``eligible`` the patient bears first.

    Outpatient/pharmacy: ``min(E, max(0, op_deductible − used this year))``;
    inpatient: ``min(E, ip_deductible[level])`` per admission.
    """
    if is_outpatient(visit):
        return min(eligible, max(0, policy.op_deductible - op_deductible_used))
    return min(eligible, policy.ip_deductible[level])


def ratio_bps(visit: VisitType, policy: PolicyVersion, level: int, cut: bool) -> int:
    """§4: the reimbursement ratio, less ``cross_region_cut_bps`` (not below 0) when ``cut``.

    ``cut`` is true when the treating region differs from the home region and no filing
    for the treating region covers the service date.
    """
    ratio = policy.op_ratio_bps[level] if is_outpatient(visit) else policy.ip_ratio_bps[level]
    if cut:
        ratio = max(0, ratio - policy.cross_region_cut_bps)
    return ratio


def cap_fund(
    fund: int, visit: VisitType, policy: PolicyVersion, op_fund_used: int, fund_used: int
) -> int:
    """§5 caps: lower ``fund`` to what the op cap (outpatient/pharmacy) and annual cap leave."""
    if is_outpatient(visit):
        fund = min(fund, max(0, policy.op_annual_cap - op_fund_used))
    return min(fund, max(0, policy.annual_cap - fund_used))


def fund_share(visit: VisitType, eligible: int, deductible_amount: int, ratio: int, policy: PolicyVersion,
        op_fund_used: int, fund_used: int) -> int:
    """§5: ``floor((E − d) × ratio / 10000)``, then capped by :func:`cap_fund`."""
    fund = (eligible - deductible_amount) * ratio // BPS
    return cap_fund(fund, visit, policy, op_fund_used, fund_used)


# ---------------------------------------------------------------------------
# §6 Overclaim, §7 Flags
# ---------------------------------------------------------------------------


def is_overclaim(claimed_fund: int | None, fund: int) -> bool:
    """§6: the institution claimed more than the rules give."""
    return claimed_fund is not None and claimed_fund > fund


def flags(
    visit: VisitType, policy: PolicyVersion, fund: int, grade: Grade, visits_before: int
) -> Flag:
    """§7: why the claim must be held for a reviewer.

    VISIT_LIMIT: outpatient/pharmacy, a limit is set and this claim makes the month's
    count exceed it. REVIEW_THRESHOLD: ``fund > review_threshold``. INSTITUTION_GRADE:
    grade D always; grade C when ``fund > floor(review_threshold / 2)``.
    """
    result = Flag.NONE
    limit = policy.monthly_visit_limit
    if is_outpatient(visit) and limit > 0 and visits_before + 1 > limit:
        result |= Flag.VISIT_LIMIT
    if fund > policy.review_threshold:
        result |= Flag.REVIEW_THRESHOLD
    if grade is Grade.D or (grade is Grade.C and fund > policy.review_threshold // 2):
        result |= Flag.INSTITUTION_GRADE
    return result


__all__ = [
    "cap_fund",
    "deductible",
    "evaluate_line",
    "evaluate_lines",
    "filing_covers",
    "flags",
    "fund_share",
    "is_outpatient",
    "is_overclaim",
    "ratio_bps",
    "select_policy",
    "too_soon",
]
