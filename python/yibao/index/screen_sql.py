"""The SQL of screening (screening.md): one set-based statement per rule, over the index's tables.

Every statement runs unchanged on SQLite (≥ 3.28: window functions and ``WINDOW``) and
PostgreSQL; only the collation that orders READMIT's tie-break (byte order, as Python
compares strings) differs, and :func:`rule_sql` puts it in. A statement returns one of two
shapes (:data:`PAIR_RULES` the first, the others the second):

* a pair: ``sev, inst, person, a_id, a_fund, a_day, b_id, b_fund, b_day`` — a lead of two
  claims;
* members: ``g1, g2, sev, inst, person, claim_id, fund, day`` — one row per claim of a lead;
  the rows with equal ``(inst, person, g1, g2)`` make one lead.

``{scope}`` restricts the driving claims to one person (``:person``) for a pre-check, so
that every statement reads that person's rows only (the ``person, service_day`` index).
"""

from __future__ import annotations

from yibao.model.screening import Rule
from yibao.model.types import ClaimStatus, Feedback, VisitType

LIVE = f"IN ({ClaimStatus.APPROVED:d}, {ClaimStatus.FLAGGED:d}, {ClaimStatus.SETTLED:d})"
INPATIENT = f"{VisitType.INPATIENT:d}"
VISITS = f"IN ({VisitType.OUTPATIENT:d}, {VisitType.PHARMACY:d})"
DISPUTES = f"{Feedback.NOT_RECEIVED:d}, {Feedback.NOT_AS_BILLED:d}"

PAIR_RULES: frozenset[Rule] = frozenset({Rule.READMIT, Rule.OVERLAP_STAY, Rule.GHOST_BED})
"""Rules whose statements return one row per pair of claims."""

_READMIT = """
WITH s AS (
  SELECT c.claim_id, c.person, c.institution, c.fund, c.service_day,
         COALESCE(c.discharge_day, c.service_day) AS dis,
         LEAD(c.claim_id) OVER w AS n_id, LEAD(c.institution) OVER w AS n_inst,
         LEAD(c.service_day) OVER w AS n_adm, LEAD(c.fund) OVER w AS n_fund
  FROM claims c
  WHERE c.visit = {inpatient} AND c.status {live} {scope}
  WINDOW w AS (PARTITION BY c.person
               ORDER BY c.service_day, COALESCE(c.discharge_day, c.service_day),
                        COALESCE(c.label, ''){coll}, c.claim_id{coll})
)
SELECT CASE WHEN s.n_inst = s.institution THEN 'HIGH' ELSE 'MEDIUM' END AS sev,
       s.n_inst AS inst, s.person, s.claim_id AS a_id, s.fund AS a_fund, s.service_day AS a_day,
       s.n_id AS b_id, s.n_fund AS b_fund, s.n_adm AS b_day
FROM s
WHERE s.n_id IS NOT NULL AND s.n_adm - s.dis <= :readmit_days
  AND (s.n_adm - s.dis >= 1 OR (s.n_adm - s.dis = 0 AND s.n_inst = s.institution))
"""

_OVERLAP_STAY = """
SELECT 'HIGH' AS sev, NULL AS inst, c.person, c.claim_id AS a_id, c.fund AS a_fund,
       c.service_day AS a_day, b.claim_id AS b_id, b.fund AS b_fund, b.service_day AS b_day
FROM claims c
JOIN claims b ON b.person = c.person AND b.visit = {inpatient} AND b.status {live}
  AND b.claim_id > c.claim_id AND b.institution <> c.institution
  AND b.service_day < COALESCE(c.discharge_day, c.service_day)
  AND c.service_day < COALESCE(b.discharge_day, b.service_day)
WHERE c.visit = {inpatient} AND c.status {live} {scope}
"""

_GHOST_BED = """
SELECT 'MEDIUM' AS sev, c.institution AS inst, c.person, c.claim_id AS a_id, c.fund AS a_fund,
       c.service_day AS a_day, v.claim_id AS b_id, v.fund AS b_fund, v.service_day AS b_day
FROM claims c
JOIN claims v ON v.person = c.person AND v.service_day > c.service_day
  AND v.service_day < c.discharge_day AND v.visit {visits} AND v.status {live}
  AND v.institution <> c.institution
WHERE c.visit = {inpatient} AND c.status {live} AND c.discharge_day > c.service_day + 1 {scope}
"""

_SAME_DAY_MULTI = """
WITH d AS (
  SELECT c.person, c.service_day FROM claims c
  WHERE c.visit {visits} AND c.status {live} {scope}
  GROUP BY c.person, c.service_day
  HAVING COUNT(DISTINCT c.institution) >= :same_day_institutions
)
SELECT d.service_day AS g1, NULL AS g2, 'MEDIUM' AS sev, NULL AS inst, c.person, c.claim_id,
       c.fund, c.service_day AS day
FROM d JOIN claims c ON c.person = d.person AND c.service_day = d.service_day
WHERE c.visit {visits} AND c.status {live}
"""

#: a filing of the claim's person for the institution's region covering the claim's day, not
#: cancelled by a later removal (an expired removal cancels nothing: it covered its days)
_FILED = """EXISTS (
    SELECT 1 FROM filings f
    WHERE f.pseudonym = c.person AND f.region = i.region AND NOT f.removed
      AND f.from_day <= c.service_day AND f.to_day >= c.service_day
      AND NOT EXISTS (
        SELECT 1 FROM filings r
        WHERE r.pseudonym = f.pseudonym AND r.region = f.region AND r.from_day = f.from_day
          AND r.to_day = f.to_day AND r.removed AND NOT r.expired
          AND (r.block > f.block OR (r.block = f.block AND r.log_index > f.log_index))))"""

_IMPOSSIBLE_TRAVEL = """
WITH d AS (
  SELECT c.person, c.service_day FROM claims c JOIN institutions i ON i.account = c.institution
  WHERE c.status {live} {scope}
  GROUP BY c.person, c.service_day
  HAVING COUNT(DISTINCT i.region / 10000) >= 2
), u AS (
  SELECT DISTINCT c.person, c.service_day
  FROM d
  JOIN claims c ON c.person = d.person AND c.service_day = d.service_day AND c.status {live}
  JOIN institutions i ON i.account = c.institution
  JOIN people p ON p.pseudonym = c.person
  WHERE i.region <> p.region AND NOT {filed}
)
SELECT u.service_day AS g1, NULL AS g2, 'MEDIUM' AS sev, NULL AS inst, c.person, c.claim_id,
       c.fund, c.service_day AS day
FROM u JOIN claims c ON c.person = u.person AND c.service_day = u.service_day
WHERE c.status {live}
"""

_DUP_BILLING = """
WITH d AS (
  SELECT c.person, c.institution, c.service_day FROM claims c
  WHERE c.status {live} {scope}
  GROUP BY c.person, c.institution, c.service_day HAVING COUNT(*) >= 2
), x AS (
  SELECT c.claim_id, c.person, c.institution, c.service_day, c.fund, l.code
  FROM d
  JOIN claims c ON c.person = d.person AND c.service_day = d.service_day
    AND c.institution = d.institution AND c.status {live}
  JOIN claim_lines l ON l.claim_id = c.claim_id
), g AS (
  SELECT x.person, x.institution, x.service_day, x.code FROM x
  GROUP BY x.person, x.institution, x.service_day, x.code HAVING COUNT(DISTINCT x.claim_id) >= 2
)
SELECT x.service_day AS g1, x.code AS g2, 'HIGH' AS sev, x.institution AS inst, x.person,
       x.claim_id, x.fund, x.service_day AS day
FROM g JOIN x ON x.person = g.person AND x.institution = g.institution
  AND x.service_day = g.service_day AND x.code = g.code
"""

#: the catalogue row ``k`` is its item as it stands: no later row for the same region and code
_LAST_ROW = """NOT EXISTS (
      SELECT 1 FROM catalogue k2 WHERE k2.region = k.region AND k2.code = k.code
        AND (k2.block > k.block OR (k2.block = k.block AND k2.log_index > k.log_index)))"""

#: how OVER_SUPPLY reaches the lines of limited items over the whole index: from the codes
#: that carry a limit in some catalogue row (CROSS JOIN fixes SQLite's join order; PostgreSQL
#: plans freely)
_OS_ALL = """lim CROSS JOIN claim_lines l CROSS JOIN claims c
    WHERE l.code = lim.code AND c.claim_id = l.claim_id"""

#: OVER_SUPPLY for one person (a pre-check): the person's lines, then the home catalogue; a
#: short statement, as planning it is most of its cost
_OVER_SUPPLY_PERSON = """
WITH x AS (
  SELECT c.claim_id, c.person, c.service_month, c.service_day, c.fund, l.code, l.qty
  FROM claims c JOIN claim_lines l ON l.claim_id = c.claim_id
  WHERE c.person = :person AND c.status {live}
), g AS (
  SELECT x.service_month, x.code
  FROM x JOIN people p ON p.pseudonym = x.person JOIN catalogue k ON k.region = p.region AND k.code = x.code
  WHERE NOT k.removed AND k.max_qty > 0 AND {last_row}
  GROUP BY x.service_month, x.code, k.max_qty HAVING SUM(x.qty) > :over_supply_factor * k.max_qty
)
SELECT DISTINCT g.service_month AS g1, g.code AS g2, 'MEDIUM' AS sev, NULL AS inst, x.person, x.claim_id,
       x.fund, x.service_day AS day
FROM g JOIN x ON x.service_month = g.service_month AND x.code = g.code
"""

#: s: each person's quantity of a code in a month, kept where it exceeds the factor times the
#: smallest limit any row of the catalogue ever gave the code (a bound below the limit of the
#: home region's item as it stands, so that only those few sums meet people and catalogue);
#: g: those above the factor times the home region's current limit
_OVER_SUPPLY = """
WITH lim AS (
  SELECT code, MIN(max_qty) AS lo FROM catalogue WHERE max_qty > 0 GROUP BY code
), s AS (
  SELECT c.person, c.service_month, l.code, SUM(l.qty) AS qty
  FROM {os_from} AND c.status {live}
  GROUP BY c.person, c.service_month, l.code, lim.lo
  HAVING SUM(l.qty) > :over_supply_factor * lim.lo
), g AS (
  SELECT s.person, s.service_month, s.code
  FROM s CROSS JOIN people p CROSS JOIN catalogue k
  WHERE p.pseudonym = s.person AND k.region = p.region AND k.code = s.code
    AND NOT k.removed AND k.max_qty > 0 AND s.qty > :over_supply_factor * k.max_qty AND {last_row}
)
SELECT DISTINCT g.service_month AS g1, g.code AS g2, 'MEDIUM' AS sev, NULL AS inst, c.person,
       c.claim_id, c.fund, c.service_day AS day
FROM g CROSS JOIN claims c CROSS JOIN claim_lines l
WHERE c.person = g.person AND c.service_month = g.service_month AND c.status {live}
  AND l.claim_id = c.claim_id AND l.code = g.code
"""

_AGE = "(c.service_year - a.birth_year - CASE WHEN c.service_mmdd < a.birth_mmdd THEN 1 ELSE 0 END)"

#: how RESTRICTED_ITEM reaches the lines of restricted items: from the restricted codes over
#: the whole index, from the person's claims for one person
_RI_ALL = """(SELECT DISTINCT code FROM item_restrictions) rc
  CROSS JOIN claim_lines l CROSS JOIN claims c CROSS JOIN institutions i CROSS JOIN item_restrictions r
  WHERE l.code = rc.code AND c.claim_id = l.claim_id"""
_RI_PERSON = """claims c CROSS JOIN claim_lines l CROSS JOIN institutions i CROSS JOIN item_restrictions r
  WHERE c.person = :person AND l.claim_id = c.claim_id"""

_RESTRICTED_ITEM = """
SELECT c.claim_id AS g1, NULL AS g2,
       CASE WHEN MAX(CASE WHEN i.level < r.min_level THEN 1 ELSE 0 END) = 1
            THEN 'HIGH' ELSE 'MEDIUM' END AS sev,
       c.institution AS inst, c.person, c.claim_id, c.fund, c.service_day AS day
FROM {ri_from}
  AND c.status {live} AND i.account = c.institution AND r.region = i.region AND r.code = l.code
  AND ((r.sex IS NOT NULL AND (SELECT a.sex FROM person_attributes a WHERE a.pseudonym = c.person) <> r.sex)
    OR ((r.min_age IS NOT NULL OR r.max_age IS NOT NULL) AND EXISTS (
          SELECT 1 FROM person_attributes a
          WHERE a.pseudonym = c.person AND a.birth_year IS NOT NULL AND a.birth_mmdd IS NOT NULL
            AND ((r.min_age IS NOT NULL AND {age} < r.min_age) OR (r.max_age IS NOT NULL AND {age} > r.max_age))))
    OR (r.min_level IS NOT NULL AND i.level < r.min_level))
GROUP BY c.claim_id, c.institution, c.person, c.fund, c.service_day
"""

_SURGE = """
WITH m AS (
  SELECT c.institution, c.service_month AS mo, CAST(SUM(c.fund) AS BIGINT) AS tot
  FROM claims c WHERE c.status {live}
  GROUP BY c.institution, c.service_month
), f AS (
  SELECT m.institution, MIN(m.mo) AS first_mo FROM m GROUP BY m.institution
), b AS (
  SELECT m.institution, m.mo, m.tot,
         (COALESCE(m1.tot, 0) + COALESCE(m2.tot, 0) + COALESCE(m3.tot, 0)) / 3 AS base
  FROM m
  JOIN f ON f.institution = m.institution AND f.first_mo <= m.mo - 3
  LEFT JOIN m m1 ON m1.institution = m.institution AND m1.mo = m.mo - 1
  LEFT JOIN m m2 ON m2.institution = m.institution AND m2.mo = m.mo - 2
  LEFT JOIN m m3 ON m3.institution = m.institution AND m3.mo = m.mo - 3
  WHERE m.tot >= :surge_min_fund
), h AS (
  SELECT b.institution, b.mo,
         CASE WHEN b.tot * 10000 > b.base * :surge_red_bps THEN 'HIGH' ELSE 'MEDIUM' END AS sev
  FROM b WHERE b.tot * 10000 > b.base * :surge_yellow_bps
)
SELECT h.mo AS g1, NULL AS g2, h.sev, h.institution AS inst, NULL AS person, c.claim_id, c.fund,
       c.service_day AS day
FROM h JOIN claims c ON c.institution = h.institution AND c.service_month = h.mo
WHERE c.status {live}
"""

#: a live claim its patient disputed (records.md: ClaimFeedback 2 NOT_RECEIVED, 3 NOT_AS_BILLED)
_PATIENT_DISPUTE = """
SELECT c.claim_id AS g1, NULL AS g2, 'HIGH' AS sev, c.institution AS inst, c.person, c.claim_id,
       c.fund, c.service_day AS day
FROM claim_feedback f JOIN claims c ON c.claim_id = f.claim_id
WHERE f.code IN ({disputes}) AND c.status {live} {scope}
"""

_RULES: dict[Rule, str] = {
    Rule.READMIT: _READMIT, Rule.OVERLAP_STAY: _OVERLAP_STAY, Rule.GHOST_BED: _GHOST_BED,
    Rule.SAME_DAY_MULTI: _SAME_DAY_MULTI, Rule.IMPOSSIBLE_TRAVEL: _IMPOSSIBLE_TRAVEL,
    Rule.DUP_BILLING: _DUP_BILLING, Rule.OVER_SUPPLY: _OVER_SUPPLY,
    Rule.RESTRICTED_ITEM: _RESTRICTED_ITEM, Rule.SURGE: _SURGE, Rule.PATIENT_DISPUTE: _PATIENT_DISPUTE,
}


def rule_sql(rule: Rule, dialect: str, *, per_person: bool = False) -> str:
    """The statement of ``rule`` for a dialect (``"sqlite"``, ``"postgresql"``); with
    ``per_person`` it reads the claims of ``:person`` only (SURGE is never per person)."""
    if per_person and rule is Rule.SURGE:
        raise ValueError("SURGE is not a per-person rule")
    coll = ' COLLATE "C"' if dialect == "postgresql" else ""
    sql = _OVER_SUPPLY_PERSON if per_person and rule is Rule.OVER_SUPPLY else _RULES[rule]
    return sql.format(
        live=LIVE, inpatient=INPATIENT, disputes=DISPUTES, visits=VISITS, coll=coll, filed=_FILED, age=_AGE,
        last_row=_LAST_ROW, os_from=_OS_ALL, ri_from=_RI_PERSON if per_person else _RI_ALL,
        scope="AND c.person = :person" if per_person else "")


__all__ = ["DISPUTES", "INPATIENT", "LIVE", "PAIR_RULES", "VISITS", "rule_sql"]
