"""An enrolment list from a CSV file: one person a row, every row checked before any is used.

The header is ``national_id,region,scheme,coverage_from,coverage_to`` with an optional
``wallet`` column. National IDs are turned into pseudonyms with the operator's key as they
are read; the bad rows are one :class:`~yibao.errors.InputError` naming the file and each
row's line (all of them, see :class:`yibao.inputs.Problems`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from web3 import Web3

from yibao import inputs
from yibao.client import Enrolment
from yibao.errors import InputError
from yibao.identity import PseudonymKey
from yibao.model.types import Scheme, parse_enum
from yibao.units import parse_date

#: The columns every enrolment CSV starts with (a sixth, ``wallet``, is optional).
CSV_COLUMNS = ("national_id", "region", "scheme", "coverage_from", "coverage_to")


def _enrolment(row: list[str], has_wallet: bool, key: PseudonymKey) -> Enrolment:
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
    wallet = row[5].strip() if has_wallet and len(row) > 5 and row[5].strip() else None
    if wallet and not Web3.is_address(wallet):
        raise InputError(f"wallet {wallet!r} is not an address")
    return Enrolment(pid, region, scheme, start, end, wallet)


def read_enrolment_rows(path: Path, key: PseudonymKey) -> list[tuple[str, Enrolment]]:
    """Parse and validate a whole enrolment CSV: each person with its label ``FILE:LINE``
    (which later checks name); a bad row is named by its line number."""
    people: list[tuple[str, Enrolment]] = []
    with io.StringIO(inputs.read_text(path), newline="") as f:
        _read_rows(path, f, key, people)
    if not people:
        raise InputError(f"{path}: no rows")
    return people


def _read_rows(path: Path, f: Iterable[str], key: PseudonymKey, people: list[tuple[str, Enrolment]]) -> None:
    reader = csv.reader(f)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header[:5]) != CSV_COLUMNS:
        raise InputError(f"{path}:1: header must be {','.join(CSV_COLUMNS)}[,wallet]")
    has_wallet = len(header) > 5 and header[5].strip() == "wallet"
    want = 6 if has_wallet else 5
    seen: dict[bytes, int] = {}
    problems = inputs.Problems(str(path))
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        with problems.entry():
            if len(row) not in (5, want):
                raise InputError(f"{path}:{line}: expected {want} fields, got {len(row)}")
            try:
                person = _enrolment(row, has_wallet, key)
            except InputError as exc:
                raise InputError(f"{path}:{line}: {exc}") from None
            except ValueError:
                raise InputError(f"{path}:{line}: region {row[1]!r} is not a number") from None
            if person.person in seen:
                raise InputError(f"{path}:{line}: same person as line {seen[person.person]}")
            seen[person.person] = line
            people.append((f"{path}:{line}", person))
    problems.raise_if_any()


def read_enrolment_csv(path: Path, key: PseudonymKey) -> list[Enrolment]:
    """Parse and validate a whole enrolment CSV; a bad row is named by its line number."""
    return [e for _, e in read_enrolment_rows(path, key)]


__all__ = ["CSV_COLUMNS", "read_enrolment_csv", "read_enrolment_rows"]
