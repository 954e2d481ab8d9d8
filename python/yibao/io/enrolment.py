"""An enrolment list from a CSV file: one person a row, every row checked before any is used.

The header is ``national_id,region,scheme,coverage_from,coverage_to`` followed by any of the
optional columns ``wallet``, ``sex`` (``M`` or ``F``) and ``birth_date`` (``YYYY-MM-DD``). Only
the wallet goes on chain; sex and birth date are the operator's off-chain attributes, read by
:func:`read_enrolment_table` for the event index (:mod:`yibao.index.attributes`), and checked
on every read so that a bad file is refused as a whole. National IDs are turned into
pseudonyms with the operator's key as they are read; the bad rows are one
:class:`~yibao.errors.InputError` naming the file and each row's line (all of them, see :class:`yibao.inputs.Problems`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from yibao import inputs
from yibao.client import Enrolment
from yibao.errors import InputError
from yibao.identity import PseudonymKey
from yibao.model.types import Scheme, parse_enum
from yibao.units import parse_date

#: The columns every enrolment CSV starts with.
CSV_COLUMNS = ("national_id", "region", "scheme", "coverage_from", "coverage_to")
#: The optional columns that may follow them, in any order.
OPTIONAL_COLUMNS = ("wallet", "sex", "birth_date")
SEXES = ("M", "F")
#: The earliest birth date accepted.
BIRTH_MIN = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class EnrolmentRow:
    """One row of an enrolment CSV: its label ``FILE:LINE``, the enrolment, and the off-chain
    attributes (None where the column is missing or the cell empty)."""

    label: str
    enrolment: Enrolment
    sex: str | None = None
    birth_date: dt.date | None = None


def parse_sex(text: str) -> str | None:
    """``M`` or ``F`` (either case), None when empty; else an InputError."""
    t = text.strip().upper()
    if not t:
        return None
    if t not in SEXES:
        raise InputError(f"sex {text.strip()!r} is not M or F")
    return t


def parse_birth_date(text: str) -> dt.date | None:
    """A birth date ``YYYY-MM-DD`` from 1900-01-01, None when empty; else an InputError."""
    if not text.strip():
        return None
    d = parse_date(text, "birth_date")
    if d < BIRTH_MIN:
        raise InputError(f"birth_date {text.strip()!r} is before {BIRTH_MIN.isoformat()}")
    return d


def _enrolment(row: list[str], columns: dict[str, int], key: PseudonymKey) -> Enrolment:
    """One row as an enrolment; an InputError (or a ValueError for a bad region) if it is bad."""
    pid = key.pseudonym(row[0])
    region = int(row[1])
    if not 100000 <= region <= 999999:
        raise InputError(f"region {row[1]!r} is not a 6-digit code")
    scheme = parse_enum(Scheme, row[2], "scheme")
    start = parse_date(row[3], "coverage_from")
    end = parse_date(row[4], "coverage_to")
    if start < dt.date(1970, 1, 1):
        raise InputError(f"coverage_from {row[3].strip()!r} is before 1970-01-01 (the chain counts days from then)")
    if end < start:
        raise InputError("coverage_to is before coverage_from")
    at = columns.get("wallet")
    wallet = row[at].strip() if at is not None and len(row) > at and row[at].strip() else None
    if wallet and not Web3.is_address(wallet):
        raise InputError(f"wallet {wallet!r} is not an address")
    return Enrolment(pid, region, scheme, start, end, wallet)


def read_enrolment_table(path: Path, key: PseudonymKey) -> list[EnrolmentRow]:
    """Parse and validate a whole enrolment CSV, the optional columns included; a bad row is
    named by its line number (every bad row at once)."""
    people: list[EnrolmentRow] = []
    with io.StringIO(inputs.read_text(path), newline="") as f:
        _read_rows(path, f, key, people)
    if not people:
        raise InputError(f"{path}: no rows")
    return people


def read_enrolment_rows(path: Path, key: PseudonymKey) -> list[tuple[str, Enrolment]]:
    """Parse and validate a whole enrolment CSV: each person with its label ``FILE:LINE``
    (which later checks name); a bad row is named by its line number."""
    return [(r.label, r.enrolment) for r in read_enrolment_table(path, key)]


def _columns(path: Path, header: list[str] | None) -> dict[str, int]:
    """The optional columns of a header by position; an InputError for a bad header."""
    usage = f"{path}:1: header must be {','.join(CSV_COLUMNS)} then any of {','.join(OPTIONAL_COLUMNS)}"
    if header is None or tuple(h.strip() for h in header[:5]) != CSV_COLUMNS:
        raise InputError(usage)
    columns: dict[str, int] = {}
    for i, h in enumerate(header[5:], start=5):
        name = h.strip()
        if name not in OPTIONAL_COLUMNS:
            raise InputError(f"{usage} (not {name!r})")
        if name in columns:
            raise InputError(f"{path}:1: column {name} given twice")
        columns[name] = i
    return columns


def _row(path: Path, line: int, row: list[str], columns: dict[str, int], key: PseudonymKey) -> EnrolmentRow:
    where = f"{path}:{line}"
    try:
        person = _enrolment(row, columns, key)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except ValueError:
        raise InputError(f"{where}: region {row[1]!r} is not a number") from None
    problems = inputs.Problems(where)
    sex: str | None = None
    birth: dt.date | None = None
    with problems.entry():
        sex = parse_sex(row[columns["sex"]]) if "sex" in columns and len(row) > 5 else None
    with problems.entry():
        birth = parse_birth_date(row[columns["birth_date"]]) if "birth_date" in columns and len(row) > 5 else None
        if birth is not None and birth > person.coverage_to:
            raise InputError(f"birth_date {birth.isoformat()} is after coverage_to")
    if problems.found:
        raise InputError(f"{where}: {'; '.join(problems.found)}")
    return EnrolmentRow(where, person, sex, birth)


def _read_rows(path: Path, f: Iterable[str], key: PseudonymKey, people: list[EnrolmentRow]) -> None:
    reader = csv.reader(f)
    columns = _columns(path, next(reader, None))
    want = 5 + len(columns)
    seen: dict[bytes, int] = {}
    problems = inputs.Problems(str(path))
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        with problems.entry():
            if len(row) not in (5, want):
                raise InputError(f"{path}:{line}: expected {want} fields, got {len(row)}")
            r = _row(path, line, row, columns, key)
            if r.enrolment.person in seen:
                raise InputError(f"{path}:{line}: same person as line {seen[r.enrolment.person]}")
            seen[r.enrolment.person] = line
            people.append(r)
    problems.raise_if_any()


def read_enrolment_csv(path: Path, key: PseudonymKey) -> list[Enrolment]:
    """Parse and validate a whole enrolment CSV; a bad row is named by its line number."""
    return [e for _, e in read_enrolment_rows(path, key)]


__all__ = [
    "BIRTH_MIN",
    "CSV_COLUMNS",
    "OPTIONAL_COLUMNS",
    "SEXES",
    "EnrolmentRow",
    "parse_birth_date",
    "parse_sex",
    "read_enrolment_csv",
    "read_enrolment_rows",
    "read_enrolment_table",
]
