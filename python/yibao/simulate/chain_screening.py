"""Screening and pre-checks for the chain engine: the index's SQL over the chain's own events.

:class:`ChainScreening` keeps an in-memory SQLite index of the engine's ledger
(:mod:`yibao.index`), brought up to date from the chain's events before each use (the
indexer reads only the new blocks, and rolls back what a revert of the engine took away). The
scenario's off-chain facts (person attributes, item restrictions) go into its off-chain
tables, and each claim gets the model's ordering name (:func:`~yibao.model.screening_rules.claim_name`)
as its label, so both engines break READMIT's ties alike. Leads come back with claim ids,
pseudonyms and accounts, and are named again by the scenario's ids.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao.client import ClaimInput, ClaimResult, Ledger
from yibao.index import schema
from yibao.index.database import open_index
from yibao.index.ingest import index_ledger
from yibao.index.precheck import warnings_for
from yibao.index.screen import screen
from yibao.model.screening import ItemRestriction, Lead, PersonAttributes, ScreeningParams
from yibao.model.screening_rules import claim_name
from yibao.model.types import ClaimKey
from yibao.units import to_day


class ChainScreening:
    """The index of one chain engine's ledger, and the names to translate its leads."""

    def __init__(self) -> None:
        self._engine: Engine | None = None

    def _index(self, ledger: Ledger) -> Engine:
        if self._engine is None:
            self._engine = open_index("sqlite://")  # one connection per thread: the same database
        index_ledger(ledger, self._engine)
        return self._engine

    def refresh(self, ledger: Ledger, claims: Mapping[str, ClaimKey], people: Mapping[str, str],
                attributes: Mapping[str, PersonAttributes],
                restrictions: Mapping[tuple[int, str], ItemRestriction]) -> Engine:
        """The index brought up to date: events, labels (``claims``: claim id → key), and the
        off-chain tables (``people``: pseudonym → scenario id)."""
        engine = self._index(ledger)
        names = {pid: name for name, pid in people.items()}
        with engine.begin() as conn:
            c = schema.claims.c
            for cid in conn.execute(sa.select(c.claim_id).where(c.label.is_(None))).scalars().all():
                key = claims.get(cid)
                if key is not None:
                    conn.execute(schema.claims.update().where(c.claim_id == cid).values(label=claim_name(key)))
            conn.execute(schema.person_attributes.delete())
            rows = [{"pseudonym": pid, "sex": a.sex,
                     "birth_day": to_day(a.birth_date) if a.birth_date else None,
                     "birth_year": a.birth_date.year if a.birth_date else None,
                     "birth_mmdd": a.birth_date.month * 100 + a.birth_date.day if a.birth_date else None}
                    for pid, name in names.items() if (a := attributes.get(name)) is not None]
            if rows:
                conn.execute(schema.person_attributes.insert(), rows)
            conn.execute(schema.item_restrictions.delete())
            kept = [{"region": region, "code": code, "sex": r.sex, "min_age": r.min_age, "max_age": r.max_age,
                     "min_level": r.min_level} for (region, code), r in restrictions.items()]
            if kept:
                conn.execute(schema.item_restrictions.insert(), kept)
        return engine

    @staticmethod
    def named(leads: list[Lead[str]], claims: Mapping[str, ClaimKey], people: Mapping[str, str],
              institutions: Mapping[str, str]) -> list[Lead[ClaimKey]]:
        """Leads with the scenario's names: claim ids → keys, pseudonyms and accounts → ids."""
        return [Lead(x.rule, x.severity,
                     None if x.institution is None else institutions[x.institution.lower()],
                     None if x.person is None else people[x.person],
                     tuple(claims[c] for c in x.claims), x.amount) for x in leads]

    def leads(self, engine: Engine, params: ScreeningParams) -> list[Lead[str]]:
        """Every lead of the index now (claim ids, pseudonyms, accounts)."""
        with engine.connect() as conn:
            return screen(conn, params)

    def warnings(self, engine: Engine, key: ClaimKey, claim: ClaimInput, result: ClaimResult,
                 params: ScreeningParams) -> list[Lead[str]]:
        """The pre-check warnings of ``claim`` decided as ``result`` (none unless it would be live)."""
        return warnings_for(engine, claim, result, params, label=claim_name(key))


__all__ = ["ChainScreening"]
