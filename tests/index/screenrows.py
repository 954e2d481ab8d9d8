"""Hand-built index rows for the screening tests (test_screen*.py): a small world written straight
into the tables."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from yibao.index import schema
from yibao.model.screening import Lead
from yibao.model.types import ClaimStatus, VisitType
from yibao.units import to_day

OUT, IN, PH = VisitType.OUTPATIENT, VisitType.INPATIENT, VisitType.PHARMACY
D0 = dt.date(2026, 3, 1)


def hexid(kind: str, name: str) -> str:
    return "0x" + hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()


def day_of(d: dt.date | int) -> int:
    """A day given as a date, or as an offset in days from D0."""
    return to_day(d) if isinstance(d, dt.date) else to_day(D0) + d


class Rows:
    """Writes rows by name; ``names`` maps ids, accounts and pseudonyms back to names."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.names: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.block = 10
        self._regions: set[int] = set()
        self._n = 0

    def _next(self) -> int:
        self.block += 1
        return self.block

    def region(self, code: int) -> None:
        if code not in self._regions:
            self._regions.add(code)
            self.conn.execute(schema.regions.insert(), [{"code": code, "name": str(code), "opening": 0, "block": 1}])

    def institution(self, name: str, region: int = 500100, level: int = 3) -> str:
        self.region(region)
        account = "0x" + hexid("inst", name)[2:42]
        self._n += 1
        self.conn.execute(schema.institutions.insert(), [{"account": account, "idx": self._n, "region": region,
                                                           "level": level, "grade": 1, "block": 1}])
        self.names[account] = name
        self.ids[name] = account
        return account

    def person(self, name: str, region: int = 500100, sex: str | None = None,
               birth: dt.date | None = None) -> str:
        self.region(region)
        p = hexid("person", name)
        self._n += 1
        self.conn.execute(schema.people.insert(), [{"pseudonym": p, "idx": self._n, "region": region, "scheme": 0,
                                                     "coverage_from_day": 0, "coverage_to_day": 99999, "block": 1}])
        if sex is not None or birth is not None:
            self.conn.execute(schema.person_attributes.insert(), [{
                "pseudonym": p, "sex": sex, "birth_day": to_day(birth) if birth else None,
                "birth_year": birth.year if birth else None,
                "birth_mmdd": birth.month * 100 + birth.day if birth else None}])
        self.names[p] = name
        self.ids[name] = p
        return p

    def filing(self, person: str, region: int, lo: int, hi: int, *, removed: bool = False,
               expired: bool = False) -> None:
        self.conn.execute(schema.filings.insert(), [{
            "pseudonym": self.ids[person], "region": region, "from_day": day_of(lo), "to_day": day_of(hi),
            "removed": removed, "expired": expired, "block": self._next(), "log_index": 0}])

    def item(self, region: int, code: str, max_qty: int | None = None, *, removed: bool = False) -> None:
        self.conn.execute(schema.catalogue.insert(), [{
            "region": region, "code": code, "removed": removed, "category": None if removed else 0,
            "price_cap": None if removed else 10_000, "inpatient_only": None if removed else False,
            "max_qty": None if removed else max_qty, "min_interval_days": None if removed else 0,
            "block": self._next(), "log_index": 0}])

    def restriction(self, region: int, code: str, *, sex: str | None = None, min_age: int | None = None,
                    max_age: int | None = None, min_level: int | None = None) -> None:
        self.conn.execute(schema.item_restrictions.insert(), [{
            "region": region, "code": code, "sex": sex, "min_age": min_age, "max_age": max_age,
            "min_level": min_level}])

    def claim(self, name: str, inst: str, person: str, day: dt.date | int, *, visit: VisitType = OUT,
              discharge: dt.date | int | None = None, fund: int = 1_000,
              lines: Sequence[tuple[str, int]] = (("X", 1),), status: ClaimStatus = ClaimStatus.APPROVED,
              label: str | None = None) -> str:
        cid = hexid("claim", name)
        d = day_of(day)
        date = D0 + dt.timedelta(days=d - to_day(D0))
        self.conn.execute(schema.claims.insert(), [{
            "claim_id": cid, "institution": self.ids[inst], "person": self.ids[person], "invoice": None,
            "label": name if label is None else label, "visit": int(visit), "service_day": d,
            "discharge_day": day_of(discharge) if discharge is not None else None,
            "service_month": date.year * 12 + date.month - 1, "service_year": date.year,
            "service_mmdd": date.month * 100 + date.day, "documents": None, "claimed_fund": fund,
            "decided_status": int(status), "decided_reason": 0, "flags": 0, "billed": fund, "eligible": fund,
            "deductible": 0, "decided_fund": fund, "status": int(status), "reason": 0, "fund": fund, "epoch": 0,
            "block": self._next(), "log_index": 0, "tx": cid}])
        self.conn.execute(schema.claim_lines.insert(), [{
            "claim_id": cid, "line_no": n, "code": code, "qty": qty, "unit_price": 100, "billed": 100 * qty,
            "eligible": 100 * qty, "notes": 0} for n, (code, qty) in enumerate(lines)])
        self.names[cid] = name
        self.ids[name] = cid
        return cid

    def feedback(self, claim: str, code: int, person: str | None = None) -> None:
        """The patient's feedback on a claim (``claim_feedback``; the person the claim's unless given)."""
        cid = self.ids[claim]
        who = self.ids[person] if person is not None else self.conn.execute(
            sa.select(schema.claims.c.person).where(schema.claims.c.claim_id == cid)).scalar_one()
        self.conn.execute(schema.claim_feedback.insert(), [{
            "claim_id": cid, "person": who, "code": code, "relayer": "0x" + "00" * 20, "block": self._next(),
            "log_index": 0, "tx": cid}])

    def named(self, leads: list[Lead[str]]) -> list[tuple[Any, ...]]:
        """Leads as (rule, severity, institution name, person name, sorted claim names)."""
        n = self.names
        return [(str(x.rule), str(x.severity), n.get(x.institution or "", None), n.get(x.person or "", None),
                 tuple(sorted(n[c] for c in x.claims))) for x in leads]


def open_engine(database_url: str) -> sa.Engine:
    """An engine on the test database with the index's tables (``schema.metadata``)."""
    eng = sa.create_engine(database_url)
    if eng.dialect.name == "sqlite":  # a test database: no fsync per statement
        sa.event.listen(eng, "connect", lambda dbapi, _: dbapi.execute("PRAGMA synchronous = OFF"))
    schema.metadata.create_all(eng)
    return eng


@contextmanager
def rows_in(engine: sa.Engine) -> Iterator[Rows]:
    """A :class:`Rows` writing in one transaction (committed at the end)."""
    with engine.begin() as conn:
        yield Rows(conn)
