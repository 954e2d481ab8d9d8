"""A file with several problems is refused with all of them at once (issue 11 §2): the one
error line names each bad row or field (up to ten, then how many more), the error carries the
whole list, and the CLI's JSON error document lists them under ``problems``."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from cli_runner import nid, policy_entry
from yibao.cli import run
from yibao.errors import InputError
from yibao.identity import PseudonymKey
from yibao.inputs import Problems
from yibao.io.claims import read_claims_jsonl
from yibao.io.enrolment import read_enrolment_csv
from yibao.io.rules import read_items, read_policies

KEY = PseudonymKey(b"\x01" * 32)
HEADER = "national_id,region,scheme,coverage_from,coverage_to\n"
ID1, ID2 = nid("11010119900307427"), nid("11010119900307428")


def test_every_bad_row_of_a_people_csv_is_named(tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text(HEADER + f"{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31\n"
                 "123,500000,EMPLOYEE,2026-01-01,2026-12-31\n"  # line 3: bad ID
                 f"{ID2},500000,WORKER,2026-01-01,2026-12-31\n"  # line 4: bad scheme
                 f"{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31\n"  # line 5: line 2 again
                 f"{ID2},500000,EMPLOYEE,2026-01-01\n")  # line 6: 4 fields
    with pytest.raises(InputError) as ei:
        read_enrolment_csv(f, KEY)
    message, problems = str(ei.value), ei.value.problems
    assert message.startswith(f"{f}: 4 problems: 3: ") and "\n" not in message
    assert [p.split(": ", 1)[0] for p in problems] == [f"{f}:{n}" for n in (3, 4, 5, 6)]
    assert "same person as line 2" in problems[2] and "expected 5 fields" in problems[3]


def test_one_problem_reads_as_before(tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text(HEADER + f"{ID1},500000,EMPLOYEE,2026-01-01,2026-13-01\n")
    with pytest.raises(InputError) as ei:
        read_enrolment_csv(f, KEY)
    assert str(ei.value).startswith(f"{f}:2: ") and ei.value.problems == ()


def test_a_policy_file_lists_every_problem_of_every_entry(tmp_path: Path) -> None:
    good = policy_entry(500000, "2026-01-01")
    bad1 = {**good, "op_deductible": -1, "appeal_days": "30", "bogus": 1}
    bad2 = {**good, "effective_from": "2026-02-30"}
    f = tmp_path / "policy.json"
    f.write_text(json.dumps([good, bad1, bad2]))
    with pytest.raises(InputError) as ei:
        read_policies(f)
    problems = ei.value.problems
    assert len(problems) == 4, problems
    assert {p.split(": ", 2)[1] for p in problems} == {"op_deductible", "appeal_days", "bogus", "effective_from"}
    assert all(p.startswith((f"{f}[1]: ", f"{f}[2]: ")) for p in problems)
    assert str(ei.value).startswith(f"{f}: 4 problems: [1]: ")


def test_a_catalogue_csv_names_each_bad_cell_and_row(tmp_path: Path) -> None:
    f = tmp_path / "items.csv"
    f.write_text("region,code,category,price_cap,inpatient_only\n"
                 "500000,A01,A,100,false\n"
                 "500000,A02,A,x,maybe\n"  # line 3: two bad cells
                 "500000,A03\n"  # line 4: too few fields
                 "500000,A01,A,100,false\n")  # line 5: A01 again
    with pytest.raises(InputError) as ei:
        read_items(f)
    problems = ei.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [f"{f}:3", f"{f}:3", f"{f}:4"], problems
    assert "price_cap" in problems[0] and "inpatient_only" in problems[1]


def test_a_claims_file_names_every_bad_line(tmp_path: Path) -> None:
    line = {"invoice": "F-1", "pseudonym": "0x" + "22" * 32, "lines": [{"code": "A01", "qty": 1, "unit_price": 100}]}
    f = tmp_path / "claims.jsonl"
    f.write_text("\n".join([json.dumps(line), "{", json.dumps({**line, "invoice": "F-2", "visit": "NONE"}),
                            json.dumps(line)]) + "\n")
    with pytest.raises(InputError) as ei:
        read_claims_jsonl(f, lambda _: b"\x02" * 32, dt.date(2026, 1, 1), lambda _: b"\x03" * 32)
    problems = ei.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [f"{f}:2", f"{f}:3", f"{f}:4"], problems
    assert "is also on line 1" in problems[2]


def test_more_than_ten_problems_are_summed_up() -> None:
    problems = Problems("f.csv")
    for n in range(2, 15):
        with problems.entry():
            raise InputError(f"f.csv:{n}: bad")
    with pytest.raises(InputError) as ei:
        problems.raise_if_any()
    assert str(ei.value) == "f.csv: 13 problems: " + "; ".join(f"{n}: bad" for n in range(2, 12)) + "; and 3 more"
    assert len(ei.value.problems) == 13


def test_the_cli_prints_one_line_and_lists_the_problems_in_json(tmp_path: Path) -> None:
    f = tmp_path / "policy.json"
    f.write_text(json.dumps({**policy_entry(500000, "2026-01-01"), "op_deductible": -1, "waiting_days": -2}))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["policy", "add", str(f), "--json", "--home", str(tmp_path / "home")])
    assert code == 2 and err.getvalue().count("\n") == 1, err.getvalue()
    doc = json.loads(out.getvalue().strip().splitlines()[-1])
    assert doc["ok"] is False and len(doc["problems"]) == 2
    assert doc["message"].startswith(f"{f}: 2 problems: op_deductible: ")
