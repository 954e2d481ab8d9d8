"""The pure adjudication math of adjudication.md §2–§7.

Every function here is pure: it reads its arguments and returns a result, never
touching any state. All arithmetic is on ``int``; every division rounds down (``//``),
so rounding never costs the fund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import TypeAlias

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
    """§2: evaluate one line (:func:`evaluate_lines` of a claim of this one line).

    The ineligibility checks are taken in order and the first that applies wins:
    NOT_IN_CATALOGUE, CATEGORY_C, INPATIENT_ONLY, TOO_SOON (eligible = 0). Otherwise
    the price is capped (PRICE_CAPPED when ``unit_price > price_cap > 0``), the
    quantity is capped (QTY_CAPPED when ``qty > max_qty > 0``), ``base = q × price``,
    and a class-B line keeps ``floor(base × (10000 − self_pay) / 10000)``.
    """
    catalogue = {} if item is None else {line.code: item}
    last_days = {} if last_day is None else {line.code: last_day}
    return evaluate_lines((line,), catalogue, visit, service_date, last_days, class_b_self_pay_bps)[0][0]


LineKey: TypeAlias = tuple[str, int, int, bool, int]
"""What the result of a line of an item without an interval depends on, under one catalogue:
code, quantity, unit price, whether the claim is inpatient, the share a class-B line keeps
(bps)."""

_CAP_NOTES = (LineNote.NONE, LineNote.PRICE_CAPPED, LineNote.QTY_CAPPED, LineNote.PRICE_CAPPED | LineNote.QTY_CAPPED)
"""The notes of an eligible line, indexed by ``price capped + 2 × quantity capped``."""
_NOT_IN_CATALOGUE, _CATEGORY_C, _INPATIENT_ONLY, _TOO_SOON = (
    LineNote.NOT_IN_CATALOGUE, LineNote.CATEGORY_C, LineNote.INPATIENT_ONLY, LineNote.TOO_SOON)


def evaluate_lines(lines: Sequence[ClaimLine],
        catalogue: Mapping[str, CatalogueItem],
        visit: VisitType, service_date: dt.date,
        last_days: Mapping[str, dt.date],
        class_b_self_pay_bps: int,
        memo: MutableMapping[LineKey, LineResult] | None = None) -> tuple[tuple[LineResult, ...], dict[str, dt.date]]:
    """§2 for a whole claim, lines in order (each as :func:`evaluate_line` describes).

    ``last_days`` maps an item code to the person's last eligible service day. Returns
    the line results and the new last service days of the interval-limited items that
    were eligible on this claim (to be recorded only if the claim counts). A second
    line of the same interval-limited item in one claim is therefore TOO_SOON.

    This is the model's hot path (a city's year is millions of lines): the checks are
    written out here, in §2's order, with the line notes precomputed. ``memo``, when given,
    keeps the results of lines of items without an interval, by :data:`LineKey`: such a
    result depends on nothing else, so the caller may keep one memo per catalogue for as long
    as the catalogue does not change (a city bills the same items at its price lists' prices).
    """
    recorded: dict[str, dt.date] = {}
    results: list[LineResult] = []
    inpatient = visit is VisitType.INPATIENT
    keep_b = BPS - class_b_self_pay_bps
    for line in lines:
        code, qty, price = line.code, line.qty, line.unit_price
        if memo is not None:
            known = memo.get((code, qty, price, inpatient, keep_b))
            if known is not None:
                results.append(known)
                continue
        billed = qty * price
        item = catalogue.get(code)
        if item is None:
            results.append(LineResult(code, billed, 0, _NOT_IN_CATALOGUE))
            continue
        category = item.category
        if category is Category.C:
            results.append(LineResult(code, billed, 0, _CATEGORY_C))
            continue
        if item.inpatient_only and not inpatient:
            results.append(LineResult(code, billed, 0, _INPATIENT_ONLY))
            continue
        interval = item.min_interval_days
        if interval > 0:
            last = recorded.get(code) or last_days.get(code)
            if too_soon(last, service_date, interval):
                results.append(LineResult(code, billed, 0, _TOO_SOON))
                continue
            recorded[code] = service_date
        capped = 0
        cap = item.price_cap
        if cap > 0 and price > cap:
            price, capped = cap, 1
        most = item.max_qty
        if most > 0 and qty > most:
            qty, capped = most, capped + 2
        base = qty * price
        eligible = base if category is Category.A else base * keep_b // BPS
        result = LineResult(code, billed, eligible, _CAP_NOTES[capped])
        results.append(result)
        if memo is not None and interval <= 0:
            memo[(line.code, line.qty, line.unit_price, inpatient, keep_b)] = result
    return tuple(results), recorded


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
    "LineKey",
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
