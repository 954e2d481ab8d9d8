"""The SQL of screening against the reference model: random small worlds, loaded as facts into
the model (:mod:`yibao.model.screening_rules`) and as rows into the index, must give equal
leads and equal pre-check warnings. Some claims get their patient's feedback (records.md):
``claim_feedback`` rows in the index, ``ScreeningFacts.feedback`` in the model."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from screenrows import D0, Rows, rows_in
from yibao.index import schema
from yibao.index.screen import Candidate, precheck_warnings, screen
from yibao.model import screening_rules as model
from yibao.model.screening import ItemRestriction, Lead, PersonAttributes, Rule, ScreeningParams, Severity
from yibao.model.types import ClaimStatus, Feedback, Filing, VisitType
from yibao.units import to_day

REGIONS = (500100, 500200, 510100)
CODES = ("A", "B", "C", "D")
SEEDS = 16


def _params(rng: random.Random) -> ScreeningParams:
    return ScreeningParams(readmit_days=rng.choice((3, 15)), same_day_institutions=rng.choice((2, 3)),
                           over_supply_factor=rng.choice((1, 3)), surge_min_fund=rng.choice((0, 5_000)),
                           surge_yellow_bps=15_000, surge_red_bps=rng.choice((15_000, 20_000)))


@dataclasses.dataclass
class _World:
    rows: Rows
    rng: random.Random
    institutions: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # region, level
    homes: dict[str, int] = dataclasses.field(default_factory=dict)
    claims: list[model.ClaimFacts[str]] = dataclasses.field(default_factory=list)
    filings: dict[str, list[Filing]] = dataclasses.field(default_factory=dict)
    attributes: dict[str, PersonAttributes] = dataclasses.field(default_factory=dict)
    max_qty: dict[tuple[int, str], int] = dataclasses.field(default_factory=dict)
    restrictions: dict[tuple[int, str], ItemRestriction] = dataclasses.field(default_factory=dict)
    feedback: dict[str, Feedback] = dataclasses.field(default_factory=dict)

    def facts(self, seen: list[model.ClaimFacts[str]] | None = None) -> model.ScreeningFacts[str]:
        return model.ScreeningFacts(tuple(self.claims if seen is None else seen),
                                    {p: tuple(f) for p, f in self.filings.items()}, self.attributes,
                                    self.max_qty, self.restrictions, self.feedback)


def _registry(w: _World, seed: int) -> None:
    rng, rows = w.rng, w.rows
    for n in range(4):
        name = f"H{seed}-{n}"
        region, level = rng.choice(REGIONS), rng.randint(1, 3)
        rows.institution(name, region, level)
        w.institutions[rows.ids[name]] = (region, level)
    for n in range(3):
        name = f"P{seed}-{n}"
        home = rng.choice(REGIONS)
        sex = rng.choice(("M", "F", None))
        birth = rng.choice((None, dt.date(2000, 2, 29), dt.date(1990, D0.month, D0.day + 1), dt.date(1965, 3, 1)))
        rows.person(name, home, sex, birth)
        w.homes[rows.ids[name]] = home
        if sex is not None or birth is not None:
            w.attributes[rows.ids[name]] = PersonAttributes(sex, birth)
        for _ in range(rng.randint(0, 2)):
            region, lo = rng.choice(REGIONS), rng.randint(-30, 120)
            hi = lo + rng.randint(0, 40)
            rows.filing(name, region, lo, hi)
            fate = rng.random()
            if fate < 0.3:
                rows.filing(name, region, lo, hi, removed=True, expired=fate < 0.15)
            if fate >= 0.15:
                w.filings.setdefault(rows.ids[name], []).append(
                    Filing(region, D0 + dt.timedelta(days=lo), D0 + dt.timedelta(days=hi)))


def _catalogue(w: _World) -> None:
    rng, rows = w.rng, w.rows
    for region in REGIONS:
        for code in CODES:
            last: int | None = None
            for _ in range(rng.randint(0, 2)):
                if rng.random() < 0.2:
                    rows.item(region, code, removed=True)
                    last = None
                else:
                    last = rng.choice((0, 1, 2, 5))
                    rows.item(region, code, last)
            if last:
                w.max_qty[(region, code)] = last
            if rng.random() < 0.3:
                r = ItemRestriction(rng.choice(("M", "F", None)), rng.choice((None, 18, 30)),
                                    rng.choice((None, 50, 70)), rng.choice((None, 2, 3)))
                rows.restriction(region, code, sex=r.sex, min_age=r.min_age, max_age=r.max_age,
                                 min_level=r.min_level)
                if not r.empty:
                    w.restrictions[(region, code)] = r


def _claim(w: _World, name: str, day: int) -> tuple[dict[str, Any], model.ClaimFacts[str]]:
    rng, rows = w.rng, w.rows
    inst, person = rng.choice(sorted(w.institutions)), rng.choice(sorted(w.homes))
    visit = rng.choice((VisitType.OUTPATIENT, VisitType.OUTPATIENT, VisitType.PHARMACY, VisitType.INPATIENT))
    discharge = day + rng.randint(0, 6) if visit is VisitType.INPATIENT else None
    status = rng.choice((ClaimStatus.APPROVED, ClaimStatus.SETTLED, ClaimStatus.FLAGGED, ClaimStatus.REJECTED,
                         ClaimStatus.CLAWED_BACK, ClaimStatus.APPEALED))
    lines = tuple((rng.choice(CODES), rng.randint(1, 4)) for _ in range(rng.randint(1, 2)))
    fund = rng.choice((100, 2_000, 9_000, 30_000))
    region, level = w.institutions[inst]
    date = D0 + dt.timedelta(days=day)
    kw = {"inst": rows.names[inst], "person": rows.names[person], "day": day, "visit": visit,
          "discharge": discharge, "fund": fund, "lines": lines, "status": status}
    facts = model.ClaimFacts(rows.ids.get(name, ""), name, status, person, w.homes[person], inst, region, level,
                             visit, date, None if discharge is None else D0 + dt.timedelta(days=discharge), fund,
                             lines)
    return kw, facts


def _day(rng: random.Random) -> int:
    """Days bunched on a few hot days (so that same-day and adjacent-stay rules meet), some spread
    over months (so that SURGE has a history)."""
    roll = rng.random()
    if roll < 0.75:
        return rng.choice((-95, 0, 10, 40)) + (rng.randint(0, 3) if roll > 0.4 else 0)
    return rng.randint(-120, 100)


def _world(rows: Rows, seed: int) -> _World:
    w = _World(rows, random.Random(seed))
    _registry(w, seed)
    _catalogue(w)
    for n in range(w.rng.randint(10, 50)):
        name = f"c{seed}-{n:02d}"
        kw, facts = _claim(w, name, _day(w.rng))
        cid = rows.claim(name, kw.pop("inst"), kw.pop("person"), kw.pop("day"), **kw)
        w.claims.append(dataclasses.replace(facts, ref=cid))
        if w.rng.random() < 0.3:
            code = w.rng.choice((Feedback.CONFIRMED, Feedback.NOT_RECEIVED, Feedback.NOT_AS_BILLED))
            rows.feedback(name, int(code))
            w.feedback[cid] = code
    return w


def _normal(leads: list[Lead[str]]) -> list[tuple[Rule, Severity, str | None, str | None, tuple[str, ...], int]]:
    return sorted((x.rule, x.severity, x.institution, x.person, tuple(sorted(x.claims)), x.amount) for x in leads)


def _clear(conn: sa.Connection) -> None:
    for table in reversed(schema.metadata.sorted_tables):
        conn.execute(table.delete())


def test_the_sql_agrees_with_the_model(engine: sa.Engine) -> None:
    fired: set[Rule] = set()
    for seed in range(SEEDS):
        with rows_in(engine) as rows:
            _clear(rows.conn)
            w = _world(rows, seed)
            params = _params(w.rng)
            sql = screen(rows.conn, params)
            assert _normal(sql) == _normal(model.screen(w.facts(), params)), f"seed {seed}"
            fired |= {x.rule for x in sql}
            for k in range(3):
                name = f"cand{seed}-{k}"
                _, facts = _claim(w, name, _day(w.rng))
                facts = dataclasses.replace(facts, ref=f"0x{seed:032x}{k:032x}", status=ClaimStatus.APPROVED)
                cand = Candidate(facts.ref, facts.institution, facts.person, facts.visit,
                                 to_day(facts.service_date),
                                 None if facts.discharge is None else to_day(facts.discharge),
                                 facts.fund, facts.lines, label=name)
                got = precheck_warnings(rows.conn, cand, params)
                assert _normal(got) == _normal(model.precheck_warnings(w.facts(), facts, params)), f"seed {seed}"
    assert fired >= set(Rule) - {Rule.SURGE}, fired
