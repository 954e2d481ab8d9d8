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
from sqlalchemy.engine import Connection, Engine

from yibao.client import ClaimInput, ClaimResult, Ledger
from yibao.index import schema
from yibao.index.attributes import AttributeEntry, store_attributes
from yibao.index.database import open_index
from yibao.index.ingest import index_ledger
from yibao.index.precheck import warnings_for
from yibao.index.screen import screen
from yibao.model.screening import ItemRestriction, Lead, PersonAttributes, ScreeningParams
from yibao.model.screening_rules import claim_name
from yibao.model.types import ClaimKey
from yibao.io.rules import RestrictionEntry


_Facts = tuple[dict[str, str], dict[str, PersonAttributes], dict[tuple[int, str], ItemRestriction]]
"""People (scenario id → pseudonym), their attributes, item restrictions."""


class ChainScreening:
    """The index of one chain engine's ledger, and the names to translate its leads."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._facts: _Facts | None = None  # the off-chain facts last written

    def _index(self, ledger: Ledger) -> Engine:
        if self._engine is None:
            self._engine = open_index("sqlite://")  # one connection per thread: the same database
        index_ledger(ledger, self._engine)
        return self._engine

    def refresh(self, ledger: Ledger, claims: Mapping[str, ClaimKey], people: Mapping[str, str],
                attributes: Mapping[str, PersonAttributes],
                restrictions: Mapping[tuple[int, str], ItemRestriction]) -> Engine:
        """The index brought up to date: events, labels (``claims``: claim id → key), and the
        off-chain tables when they changed (``people``: scenario id → pseudonym)."""
        engine = self._index(ledger)
        with engine.begin() as conn:
            c = schema.claims.c
            unlabelled = conn.execute(sa.select(c.claim_id).where(c.label.is_(None))).scalars().all()
            labels = [{"cid": cid, "name": claim_name(claims[cid])} for cid in unlabelled if cid in claims]
            if labels:
                conn.execute(schema.claims.update().where(c.claim_id == sa.bindparam("cid"))
                             .values(label=sa.bindparam("name")), labels)
            facts = (dict(people), dict(attributes), dict(restrictions))
            if facts != self._facts:  # the off-chain facts are set up once: written when they change
                self._write_facts(conn, *facts)
                self._facts = facts
        return engine

    @staticmethod
    def _write_facts(conn: Connection, people: dict[str, str], attributes: dict[str, PersonAttributes],
                     restrictions: dict[tuple[int, str], ItemRestriction]) -> None:
        """The off-chain tables: exactly these attributes (by scenario id) and restrictions."""
        conn.execute(schema.person_attributes.delete())
        conn.execute(schema.item_restrictions.delete())
        store_attributes(
            conn,
            [AttributeEntry(bytes.fromhex(pid[2:]), a.sex, a.birth_date)
             for name, pid in people.items() if (a := attributes.get(name)) is not None],
            [RestrictionEntry(region, code, r.sex, r.min_age, r.max_age, r.min_level)
             for (region, code), r in restrictions.items()])

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
