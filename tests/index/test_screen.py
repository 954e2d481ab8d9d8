"""Screening over the index as a whole: the order of leads, storing them once, pre-checks that
leave nothing behind, the rules file and ``yibao screen``."""

from __future__ import annotations


import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from screenrows import IN, Rows, day_of
from yibao.cli.main import run
from yibao.errors import InputError
from yibao.index import schema
from yibao.index.screen import Candidate, claims_key, precheck_warnings, screen, store_leads
from yibao.io.screening import read_screening
from yibao.model.screening import Rule, ScreeningParams, sort_leads


def _history(rows: Rows) -> None:
    rows.institution("H1")
    rows.institution("H2")
    rows.person("p")
    rows.person("q")
    rows.claim("s1", "H1", "p", 0, visit=IN, discharge=5, fund=800)
    rows.claim("s2", "H1", "p", 10, visit=IN, discharge=12, fund=200)  # READMIT
    rows.claim("v1", "H2", "p", 11, fund=30)  # GHOST_BED in s2? no: 10 < 11 < 12, yes
    rows.claim("d1", "H1", "q", 3, lines=(("X", 1),), fund=5)
    rows.claim("d2", "H1", "q", 3, lines=(("X", 2),), fund=6)  # DUP_BILLING


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_leads_are_sorted_and_stored_once(rows: Rows) -> None:
    _history(rows)
    leads = screen(rows.conn)
    assert leads == sort_leads(leads)
    assert [str(x.rule) for x in leads] == ["DUP_BILLING", "GHOST_BED", "READMIT"]
    assert [x.amount for x in leads] == [11, 230, 1000]
    assert all(list(x.claims) == sorted(x.claims) for x in leads)
    new, known = store_leads(rows.conn, leads, 1_700_000_000)
    assert (new, known) == (leads, [])
    again, known = store_leads(rows.conn, screen(rows.conn), 1_700_000_100)
    assert again == [] and known == leads
    assert _count(rows.conn, schema.leads) == 3 and _count(rows.conn, schema.lead_claims) == 6
    stored = rows.conn.execute(sa.select(schema.leads).where(schema.leads.c.rule == "READMIT")).one()
    assert stored.claims_key == claims_key(reversed(leads[2].claims)) == claims_key(leads[2].claims)
    assert (stored.amount, stored.claim_count, stored.first_day, stored.last_day, stored.found_at,
            stored.status, stored.severity, stored.institution, stored.person) == (
        1000, 2, day_of(0), day_of(10), 1_700_000_000, "OPEN", "HIGH", rows.ids["H1"], rows.ids["p"])
    # a lead with a new claim set is new; one in the same call twice is stored once
    rows.claim("d3", "H1", "q", 3, lines=(("X", 1),), fund=7)
    more = screen(rows.conn, ScreeningParams(rules=(Rule.DUP_BILLING,)))
    new, known = store_leads(rows.conn, more + more, 1_700_000_200)
    assert len(new) == 1 and len(known) == 1 and new[0].claims == tuple(sorted(rows.ids[c] for c in ("d1", "d2", "d3")))


def _candidate(rows: Rows, name: str, inst: str, day: int, **kw: object) -> Candidate:
    from screenrows import OUT, hexid

    args: dict[str, object] = {"visit": OUT, "discharge_day": None, "fund": 100, "lines": (("X", 1),)}
    args.update(kw)
    return Candidate(hexid("claim", name), rows.ids[inst], rows.ids["p"], service_day=day_of(day),
                     **args)  # type: ignore[arg-type]


def test_precheck_warnings_leave_nothing_behind(rows: Rows) -> None:
    _history(rows)
    before = (_count(rows.conn, schema.claims), _count(rows.conn, schema.claim_lines))
    stay = _candidate(rows, "s3", "H1", 20, visit=IN, discharge_day=day_of(22), fund=500)
    warnings = precheck_warnings(rows.conn, stay)
    assert [(str(x.rule), str(x.severity), x.claims, x.amount) for x in warnings] == [
        ("READMIT", "HIGH", tuple(sorted((rows.ids["s2"], stay.claim_id))), 700)]
    visit = _candidate(rows, "v2", "H2", 4, lines=(("X", 1),))  # GHOST_BED in s1
    assert [str(x.rule) for x in precheck_warnings(rows.conn, visit)] == ["GHOST_BED"]
    quiet = _candidate(rows, "v3", "H1", 300)
    assert precheck_warnings(rows.conn, quiet) == []
    assert precheck_warnings(rows.conn, visit, ScreeningParams(rules=(Rule.READMIT, Rule.SURGE))) == []
    assert (_count(rows.conn, schema.claims), _count(rows.conn, schema.claim_lines)) == before
    assert rows.conn.execute(sa.select(schema.claims.c.claim_id).where(
        schema.claims.c.claim_id.in_([stay.claim_id, visit.claim_id]))).all() == []
    with pytest.raises(InputError, match="already in the index"):
        precheck_warnings(rows.conn, _candidate(rows, "s1", "H1", 0))
    # the history's own leads that do not include the candidate are not warnings
    assert {str(x.rule) for x in screen(rows.conn)} == {"READMIT", "GHOST_BED", "DUP_BILLING"}


@pytest.mark.parametrize(("doc", "message"), [
    ({"readmit_days": 7, "rules": ["READMIT", "SURGE"]}, None),
    ({"readmit_dayz": 7}, "unknown parameter 'readmit_dayz'"),
    ({"rules": ["READMIT", "NOPE"]}, "rules: unknown rule 'NOPE'"),
    ({"surge_min_fund": -1}, "surge_min_fund: must not be negative"),
    ({"over_supply_factor": 1.5}, "over_supply_factor: must be a whole number"),
    ([1, 2], "must be a JSON object"),
])
def test_rules_file(tmp_path: Path, doc: object, message: str | None) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    if message is None:
        params = read_screening(path)
        assert params.readmit_days == 7 and params.rules == (Rule.READMIT, Rule.SURGE)
        return
    with pytest.raises(InputError) as info:
        read_screening(path)
    assert str(path) in str(info.value) and message in str(info.value) and "\n" not in str(info.value)


def test_rules_file_not_json(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"rules\.json: not valid JSON"):
        read_screening(path)
    with pytest.raises(InputError, match="cannot read"):
        read_screening(tmp_path / "missing.json")


def test_cli_screen(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from yibao.index.database import open_index

    engine = open_index(database_url)  # the migrated schema, as `yibao index` leaves it
    with engine.begin() as conn:
        rows = Rows(conn)
        _history(rows)
    url = database_url
    assert run(["screen", "--db", url, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["count"], doc["new"]) == (3, 3)
    assert [(x["rule"], x["new"], x["amount"]) for x in doc["leads"]] == [
        ("DUP_BILLING", True, 11), ("GHOST_BED", True, 230), ("READMIT", True, 1000)]
    assert doc["leads"][2]["claims"] == sorted([rows.ids["s1"], rows.ids["s2"]])
    assert doc["leads"][2]["person"] == rows.ids["p"] and doc["leads"][2]["institution"] == rows.ids["H1"]
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": ["READMIT"], "readmit_days": 4}), encoding="utf-8")
    assert run(["screen", "--db", url, "--json", "--rules", str(rules)]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 0
    since = day_of(10)
    from yibao.units import from_day

    assert run(["screen", "--db", url, "--since", from_day(since).isoformat()]) == 0
    human = capsys.readouterr().out
    assert "GHOST_BED" in human and "READMIT" in human and "DUP_BILLING" not in human and "2.30" in human
    assert "0 new" in human
    rules.write_text(json.dumps({"readmit_days": -1}), encoding="utf-8")
    assert run(["screen", "--db", url, "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "rules.json" in err and "readmit_days" in err and err.count("\n") == 1
    with engine.connect() as conn:
        assert _count(conn, schema.leads) == 3
    engine.dispose()


def test_cli_screen_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["screen", "--db", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    assert "no index at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
    assert run(["screen", "--home", str(tmp_path)]) == 2
    assert "index.db" in capsys.readouterr().err
    assert run(["screen", "--db", "nonsense://x"]) == 2
    assert capsys.readouterr().err.startswith("error: cannot open the index at nonsense://x")
    assert run(["screen", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--since", "2026-13-01"]) == 2


def test_a_synthetic_world_has_every_rule(engine: sa.Engine) -> None:
    from yibao.index.synthetic import analyze, generate

    with engine.begin() as conn:
        world = generate(conn, claims=3_000, seed=3)
        analyze(conn)
    assert len(world.claims) == 3_000
    assert set(world.planted) == {str(r) for r in Rule}
    with engine.connect() as conn:
        assert _count(conn, schema.claims) == 3_000
        assert _count(conn, schema.claim_lines) == len(world.lines)
        found = {x.rule for x in screen(conn)}
    assert found == set(Rule)
