"""The fixed terms of the demo's world: the year and its two regions, their economics and the
policies of each region × scheme.

Money is fen, rates basis points, dates CST calendar dates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from yibao.client import ClaimResult
from yibao.model.types import Flag, LineNote, PolicyVersion, Scheme, VisitType

YEAR = 2026
CQ, GZ = 500000, 440100
SETUP_DAY = dt.date(2025, 12, 31)
JAN1 = dt.date(YEAR, 1, 1)
DEC31 = dt.date(YEAR, 12, 31)
MID_YEAR = dt.date(YEAR, 7, 1)
LAST_UPLOAD = dt.date(YEAR + 1, 1, 3)  # year-end deadline: everything of 2026 is uploaded by then
END = dt.date(YEAR + 1, 1, 15)  # the closing settlement (Jan 10) and the last clearing (Jan 15)

REGIONS: dict[int, str] = {CQ: "重庆市", GZ: "广州市"}
REGION_SHORT: dict[int, str] = {CQ: "重庆", GZ: "广州"}
PEOPLE_SHARE = {CQ: 0.6, GZ: 0.4}
#: Of adults 18–75: share insured as employees (职工); children and the rest are residents (居民).
EMPLOYEE_SHARE = {CQ: 0.32, GZ: 0.65}
#: Monthly contribution to the pooled fund (统筹基金) as bps of the wage base (单位缴费部分).
EMPLOYEE_RATE_BPS = {CQ: 700, GZ: 550}
WAGE_MEDIAN = {CQ: 7_000_00, GZ: 9_500_00}
WAGE_FLOOR_CAP = {CQ: (4_300_00, 21_500_00), GZ: (5_300_00, 27_000_00)}
#: Residents' 2027 premium, paid Sep–Dec 2026: individual share + government subsidy (财政补助).
RESIDENT_PREMIUM = {CQ: 400_00 + 700_00, GZ: 480_00 + 760_00}
#: Opening balance per insured person of the region (the fund's reserve, incl. 2026 resident premiums).
OPENING_PER_PERSON = 1_600_00
PRICE_FACTOR = {CQ: 1.0, GZ: 1.12}
CAP_FACTOR = {CQ: 1.2, GZ: 1.35}

#: By scheme: monthly visit limit, 乙类 self-pay share (bps), waiting days of a new member.
SCHEME_TERMS: dict[Scheme, tuple[int, int, int]] = {
    Scheme.EMPLOYEE: (8, 1000, 0),
    Scheme.RESIDENT: (6, 1500, 90),
}
#: Every policy: claims up to 90 days old, appeals within 15 days of the decision.
MAX_CLAIM_AGE_DAYS, APPEAL_DAYS = 90, 15

Levels = tuple[int, int, int, int]
Hospitals = tuple[int, int, int]
#: Each region × scheme from 1 January, in 元 and %: outpatient 起付, 比例 by level 0–3 and 限额;
#: inpatient 起付 and 比例 by level 1–3; 封顶线; the ratio cut of unfiled care in the other
#: region; the fund share above which a claim is reviewed.
FIRST_TERMS: dict[tuple[int, Scheme], tuple[int, Levels, int, Hospitals, Hospitals, int, int, int]] = {
    (CQ, Scheme.EMPLOYEE): (800, (50, 70, 60, 50), 3_500, (200, 500, 800), (90, 87, 85), 400_000, 10, 20_000),
    (CQ, Scheme.RESIDENT): (100, (50, 60, 50, 40), 800, (200, 500, 1_000), (85, 70, 55), 200_000, 10, 15_000),
    (GZ, Scheme.EMPLOYEE): (800, (50, 70, 60, 55), 4_000, (300, 600, 1_000), (92, 90, 88), 600_000, 10, 25_000),
    (GZ, Scheme.RESIDENT): (50, (50, 60, 55, 50), 600, (300, 600, 1_000), (85, 75, 65), 250_000, 15, 15_000),
}


def scaled(values: Levels, by: int) -> Levels:
    a, b, c, d = values
    return a * by, b * by, c * by, d * by


def first_policy(region: int, scheme: Scheme) -> PolicyVersion:
    """A region × scheme's policy from 1 January, of :data:`FIRST_TERMS` and :data:`SCHEME_TERMS`."""
    op_deductible, op_ratio, op_cap, ip_deductible, ip_ratio, annual_cap, cut, review = FIRST_TERMS[(region, scheme)]
    visits, class_b, waiting = SCHEME_TERMS[scheme]
    return PolicyVersion(
        region=region,
        scheme=scheme,
        effective_from=JAN1,
        op_deductible=op_deductible * 100,
        ip_deductible=scaled((0, *ip_deductible), 100),
        op_ratio_bps=scaled(op_ratio, 100),
        ip_ratio_bps=scaled((0, *ip_ratio), 100),
        op_annual_cap=op_cap * 100,
        annual_cap=annual_cap * 100,
        monthly_visit_limit=visits,
        class_b_self_pay_bps=class_b,
        cross_region_cut_bps=cut * 100,
        waiting_days=waiting,
        review_threshold=review * 100,
        max_claim_age_days=MAX_CLAIM_AGE_DAYS,
        appeal_days=APPEAL_DAYS,
    )


def policies() -> list[PolicyVersion]:
    """Each region × scheme from 2026-01-01; 广州 changes both schemes from 2026-07-01."""
    cq_emp, cq_res, gz_emp, gz_res = (first_policy(region, scheme) for region, scheme in FIRST_TERMS)
    # 2026-07-01 in 广州: employees' outpatient deductible 800 → 500 元, community ratio up,
    # outpatient pooling limit up; residents' outpatient limit 600 → 1,000 元, community ratio up.
    gz_emp2 = dataclasses.replace(
        gz_emp,
        effective_from=MID_YEAR,
        op_deductible=500_00,
        op_ratio_bps=(5000, 8000, 6000, 5500),
        op_annual_cap=6_000_00,
    )
    gz_res2 = dataclasses.replace(
        gz_res, effective_from=MID_YEAR, op_annual_cap=1_000_00, op_ratio_bps=(5000, 7000, 5500, 5000)
    )
    return [cq_emp, cq_res, gz_emp, gz_res, gz_emp2, gz_res2]


# ------------------------------------------------------------------------------------ the parties' rules


def review_rule(res: ClaimResult) -> tuple[bool, str]:
    """The reviewers' fixed policy for a FLAGGED claim, on the chain's own decision only.

    Reject when the monthly visit limit was exceeded (超次就诊), when less than half of the bill
    is eligible (大量目录外/超标准收费), or — for a grade-D institution — when a line was
    billed too soon or above the maximum quantity; approve otherwise."""
    notes = LineNote.NONE
    for ln in res.lines:
        notes |= ln.notes
    if res.flags & Flag.VISIT_LIMIT:
        return False, "VISIT_LIMIT_EXCEEDED"
    if res.billed and res.eligible * 2 < res.billed:
        return False, "LOW_ELIGIBLE_SHARE"
    if res.flags & Flag.INSTITUTION_GRADE and notes & (LineNote.TOO_SOON | LineNote.QTY_CAPPED):
        return False, "GRADE_D_IRREGULAR_LINES"
    return True, "OK"


def appeals_rule(res: ClaimResult) -> bool:
    """An institution appeals a reviewer's rejection when the fund share was at least 200 元."""
    return res.fund >= 200_00


def appeal_decision_rule(res: ClaimResult) -> tuple[bool, str]:
    """The second reviewer approves an appeal for an admission whose bill is at least 40 %
    eligible (necessity documented in the case file); otherwise the rejection stands."""
    if res.visit == VisitType.INPATIENT and res.eligible * 10 >= res.billed * 4:
        return True, "APPEAL_ADMISSION_JUSTIFIED"
    return False, "APPEAL_REJECTED"



__all__ = [
    "APPEAL_DAYS",
    "CAP_FACTOR",
    "CQ",
    "DEC31",
    "EMPLOYEE_RATE_BPS",
    "EMPLOYEE_SHARE",
    "END",
    "FIRST_TERMS",
    "GZ",
    "JAN1",
    "LAST_UPLOAD",
    "MAX_CLAIM_AGE_DAYS",
    "MID_YEAR",
    "OPENING_PER_PERSON",
    "PEOPLE_SHARE",
    "PRICE_FACTOR",
    "REGIONS",
    "REGION_SHORT",
    "RESIDENT_PREMIUM",
    "SCHEME_TERMS",
    "SETUP_DAY",
    "WAGE_FLOOR_CAP",
    "WAGE_MEDIAN",
    "YEAR",
    "Hospitals",
    "Levels",
    "appeal_decision_rule",
    "appeals_rule",
    "first_policy",
    "policies",
    "review_rule",
    "scaled",
]
