"""Off-chain attributes in the index: people's sex and birth date, and items' restrictions.

Neither ever goes on chain. People's come from the enrolment CSV's optional ``sex`` (``M``/``F``)
and ``birth_date`` (``YYYY-MM-DD``) columns, joined to claims by pseudonym: the national IDs
become pseudonyms with the operator's key (:class:`yibao.identity.PseudonymKey`), as
``yibao enrol`` computes them. Items' restrictions (限定支付) come from the catalogue file's
optional ``sex``, ``min_age``, ``max_age`` and ``min_level`` columns
(:func:`yibao.io.rules.read_items`).

Every row of a file is checked before anything is written (all problems at once, see
:class:`yibao.inputs.Problems`); storing replaces the rows of the same people and items in
one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from yibao.errors import InputError
from yibao.identity import PseudonymKey
from yibao.index import schema
from yibao.io.enrolment import read_enrolment_table
from yibao.io.rules import RestrictionEntry, read_items
from yibao.units import to_day


@dataclass(frozen=True)
class AttributeEntry:
    """A person's off-chain attributes (None where unknown)."""

    pseudonym: bytes
    sex: str | None
    birth_date: dt.date | None


def read_person_attributes(path: Path, key: PseudonymKey) -> list[AttributeEntry]:
    """The attributes of every person of an enrolment CSV that has ``sex`` or ``birth_date``
    (the whole file checked first; a file with neither column is refused)."""
    rows = read_enrolment_table(path, key)
    with_columns = [r for r in rows if r.sex is not None or r.birth_date is not None]
    if not with_columns:
        raise InputError(f"{path}: no sex or birth_date given (optional columns of the enrolment CSV)")
    return [AttributeEntry(r.enrolment.person, r.sex, r.birth_date) for r in with_columns]


def read_item_restrictions(path: Path) -> list[RestrictionEntry]:
    """The restrictions of a catalogue file's items (the whole file checked first; a file
    without any is refused)."""
    found: dict[tuple[int, str], RestrictionEntry] = {}
    read_items(path, restrictions=found)
    if not found:
        raise InputError(f"{path}: no item restrictions (optional columns sex, min_age, max_age, min_level)")
    return list(found.values())


def person_row(p: AttributeEntry) -> dict[str, object]:
    """A ``person_attributes`` row."""
    b = p.birth_date
    return {"pseudonym": "0x" + p.pseudonym.hex(), "sex": p.sex, "birth_day": to_day(b) if b else None,
            "birth_year": b.year if b else None, "birth_mmdd": b.month * 100 + b.day if b else None}


def restriction_row(r: RestrictionEntry) -> dict[str, object]:
    """An ``item_restrictions`` row."""
    return {"region": r.region, "code": r.code, "sex": r.sex, "min_age": r.min_age, "max_age": r.max_age,
            "min_level": r.min_level}


def store_attributes(conn: Connection, people: list[AttributeEntry],
                     restrictions: list[RestrictionEntry]) -> tuple[int, int]:
    """Replace the rows of these people and items; returns (people, items) stored."""
    t = schema.person_attributes
    keys = ["0x" + p.pseudonym.hex() for p in people]
    for i in range(0, len(keys), 500):
        conn.execute(t.delete().where(t.c.pseudonym.in_(keys[i:i + 500])))
    if people:
        conn.execute(t.insert(), [person_row(p) for p in people])
    r = schema.item_restrictions
    for x in restrictions:
        conn.execute(r.delete().where(sa.and_(r.c.region == x.region, r.c.code == x.code)))
    if restrictions:
        conn.execute(r.insert(), [restriction_row(x) for x in restrictions])
    return len(people), len(restrictions)


__all__ = [
    "AttributeEntry",
    "person_row",
    "read_item_restrictions",
    "read_person_attributes",
    "restriction_row",
    "store_attributes",
]
