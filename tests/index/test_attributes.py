"""Off-chain attributes: the enrolment CSV's sex and birth_date, the catalogue's restrictions;
every bad row named at once; nothing stored from a bad file; ``yibao enrol`` and
``catalogue load`` accept the columns without sending them on chain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from yibao.errors import InputError
from yibao.identity import PseudonymKey, check_digit
from yibao.index import schema
from yibao.index.attributes import read_item_restrictions, read_person_attributes, store_attributes
from yibao.index.database import open_index
from yibao.io.enrolment import read_enrolment_rows
from yibao.io.rules import read_items
from yibao.units import to_day

KEY = PseudonymKey(bytes(range(32)))
HEADER = "national_id,region,scheme,coverage_from,coverage_to"


def nid(n: int) -> str:
    first = f"11010119900101{n:03d}"
    return first + check_digit(first)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_people_attributes_are_read_by_pseudonym(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", f"{HEADER},sex,wallet,birth_date\n"
                 f"{nid(1)},500000,EMPLOYEE,2026-01-01,2026-12-31,f,,1990-01-01\n"
                 f"{nid(2)},500000,EMPLOYEE,2026-01-01,2026-12-31,M,,\n"
                 f"{nid(3)},500000,EMPLOYEE,2026-01-01,2026-12-31,,,\n")
    people = read_person_attributes(path, KEY)
    assert [(p.pseudonym, p.sex, p.birth_date) for p in people] == [
        (KEY.pseudonym(nid(1)), "F", dt.date(1990, 1, 1)), (KEY.pseudonym(nid(2)), "M", None)]
    assert len(read_enrolment_rows(path, KEY)) == 3  # `yibao enrol` reads the same file


def test_every_bad_row_is_named_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", f"{HEADER},sex,birth_date\n"
                 f"{nid(1)},500000,EMPLOYEE,2026-01-01,2026-12-31,X,1990-01-01\n"
                 f"{nid(2)},500000,EMPLOYEE,2026-01-01,2026-12-31,M,1990-02-30\n"
                 f"{nid(3)},500000,EMPLOYEE,2026-01-01,2026-12-31,F,1800-01-01\n"
                 f"{nid(4)},500000,EMPLOYEE,2026-01-01,2026-12-31,Z,2027-01-01\n")
    with pytest.raises(InputError) as e:
        read_person_attributes(path, KEY)
    msg = str(e.value)
    assert "4 problems" in msg and "\n" not in msg
    assert ":2: sex 'X' is not M or F" in e.value.problems[0]
    assert "1990-02-30" in e.value.problems[1] and "before 1900-01-01" in e.value.problems[2]
    assert "sex 'Z'" in e.value.problems[3] and "after coverage_to" in e.value.problems[3]
    with pytest.raises(InputError, match="not M or F"):
        read_enrolment_rows(path, KEY)  # enrol refuses the file as well


@pytest.mark.parametrize(("header", "error"), [
    (f"{HEADER},sex,sex", "column sex given twice"),
    (f"{HEADER},age", "not 'age'"),
    (f"{HEADER}", "no sex or birth_date given"),
])
def test_bad_headers(tmp_path: Path, header: str, error: str) -> None:
    cells = header.count(",") - 4
    row = f"{nid(1)},500000,EMPLOYEE,2026-01-01,2026-12-31" + ",M" * cells
    path = write(tmp_path, "people.csv", f"{header}\n{row}\n")
    with pytest.raises(InputError, match=error):
        read_person_attributes(path, KEY)


def test_item_restrictions(tmp_path: Path) -> None:
    path = write(tmp_path, "items.csv", "region,code,category,sex,min_age,max_age,min_level\n"
                 "500000,XA01,A,F,12,60,\n500000,XB01,B,,,,2\n500000,XC01,C,,,,\n")
    rules = read_item_restrictions(path)
    assert [(r.code, r.sex, r.min_age, r.max_age, r.min_level) for r in rules] == [
        ("XA01", "F", 12, 60, None), ("XB01", None, None, None, 2)]
    items = read_items(path)  # `catalogue load`: the items only, nothing of the restrictions
    assert [it.code for it in items[500000]] == ["XA01", "XB01", "XC01"]


def test_bad_restrictions_are_all_named(tmp_path: Path) -> None:
    path = write(tmp_path, "items.csv", "region,code,category,sex,min_age,max_age,min_level\n"
                 "500000,XA01,A,W,70,60,\n500000,XB01,B,,,200,9\n")
    with pytest.raises(InputError) as e:
        read_item_restrictions(path)
    text = " | ".join(e.value.problems)
    for part in ("sex 'W' is not M or F", "min_age 70 is above max_age 60", "max_age 200 is not an integer 0..150",
                 "min_level 9 is not an integer 0..3"):
        assert part in text, part
    path.write_text("region,code,category,min_age\n500000,XA01,A,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="min_age: 'x' is not an integer"):
        read_item_restrictions(path)


def test_stored_and_replaced(tmp_path: Path, database_url: str) -> None:
    people = write(tmp_path, "people.csv", f"{HEADER},birth_date,sex\n"
                   f"{nid(1)},500000,EMPLOYEE,2026-01-01,2026-12-31,1990-03-04,F\n")
    items = write(tmp_path, "items.csv", "region,code,category,min_age\n500000,XA01,A,18\n")
    engine = open_index(database_url)
    try:
        for _ in range(2):  # storing again replaces
            with engine.begin() as conn:
                assert store_attributes(conn, read_person_attributes(people, KEY), read_item_restrictions(items)) \
                    == (1, 1)
        with engine.connect() as conn:
            row = conn.execute(sa.select(schema.person_attributes)).mappings().one()
            assert dict(row) == {"pseudonym": "0x" + KEY.pseudonym(nid(1)).hex(), "sex": "F",
                                 "birth_day": to_day(dt.date(1990, 3, 4)), "birth_year": 1990, "birth_mmdd": 304}
            assert conn.execute(sa.select(schema.item_restrictions.c.min_age)).scalars().all() == [18]
    finally:
        engine.dispose()
