"""The dashboard's pages over the demo's world (issue 16 §3), rendered on the server: each role
sees its pages with the figures of the index and the chain, every other page is a 403 page, a
page without a session sends to /signin, and nothing is fetched from elsewhere."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from served_world import CQ, GZ, STRANGER, Served

from yibao.index import schema
from yibao.units import yuan


def get(s: Served, path: str, h: dict[str, str], status: int = 200) -> str:
    r = s.client.get(path, headers=h, follow_redirects=False)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    return r.text


def test_pages_without_a_session_go_to_sign_in(served_db: Served) -> None:
    s = served_db
    for path in ("/", "/overview", "/alerts", "/me", "/hospital", "/cases/1"):
        r = s.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin"), path
    page = s.client.get("/signin").text
    assert "/static/vendor/ethers.umd.min.js" in page and 'id="signin-form"' in page
    assert s.client.get("/static/vendor/ethers.umd.min.js").status_code == 200
    assert s.client.get("/static/app.js").status_code == 200


def test_a_regulators_pages(served_db: Served) -> None:
    s = served_db
    h = s.sign_in(s.regulator(GZ))
    assert s.client.get("/", headers=h, follow_redirects=False).headers["location"] == "/overview"
    over = get(s, "/overview", h)
    doc = s.client.get("/api/overview", headers=h).json()
    fund = doc["funds"][0]
    assert f"¥{yuan(fund['balance'])}" in over and "✓ holds" in over and 'id="live-alerts"' in over
    assert 'name="viewport"' in over and "<svg" in over
    alerts = get(s, "/alerts?severity=high", h)
    rows = re.findall(r"<tr><td>(\d+)</td>", alerts)
    api = s.client.get("/api/alerts", params={"kind": ["DUPLICATE", "OVERCLAIM"], "limit": 50}, headers=h).json()
    assert rows == [str(a["id"]) for a in api["alerts"]]
    leads = get(s, "/leads?status=OPEN", h)
    assert "立案 Open case" in leads
    cases = get(s, "/cases", h)
    first_case = re.search(r'<a href="/cases/(\d+)">', cases)
    assert first_case is not None
    case = get(s, f"/cases/{first_case.group(1)}", h)
    assert "经过 The story" in case and "block" in case
    inst = get(s, "/institutions", h)
    with s.index().connect() as c:
        i = schema.institutions.c
        gz = c.execute(sa.select(i.account).where(i.region == GZ)).scalars().all()
    assert all(a in inst for a in gz)
    one = get(s, f"/institutions/{gz[0]}", h)
    assert "信用分 score" in one and "结算 Settlements" in one
    clearing = get(s, "/clearing", h)
    assert "who owes whom" in clearing and "<td" in clearing


def test_a_patients_page_and_a_claims_flow(served_db: Served) -> None:
    s = served_db
    row = s.patient_row(0)
    h = s.sign_in(s.patient(0))
    assert s.client.get("/", headers=h, follow_redirects=False).headers["location"] == "/me"
    me = get(s, "/me", h)
    trail = me.split('id="trail"')[1].split("</table>")[0]
    assert row["reader"][:10] in trail or "CONSENT" in trail
    assert "CONSENT" in trail and f"{row['record']} v1" in trail
    claim = get(s, f"/claims/{row['confirmed']}", h)
    assert "资金流向" in claim and 'class="block"' in claim and "submitted" in claim
    for path in ("/overview", "/alerts", "/hospital", "/institutions"):
        get(s, path, h, 403)


def test_a_hospitals_page(served_db: Served) -> None:
    s = served_db
    hospital = s.institution("CQ-YD1")
    h = s.sign_in(hospital)
    page = get(s, "/hospital", h)
    assert f'data-urn="urn:ethereum:{s.ctx.ledger.chain.chain_id}:{hospital.address}"' in page
    assert 'id="precheck"' in page and 'id="submit-claim"' in page
    with s.index().connect() as c:
        n = c.execute(sa.select(sa.func.count()).where(schema.claims.c.institution == hospital.address)).scalar()
    assert f"{n} claims" in page
    for path in ("/overview", "/me", "/clearing"):
        get(s, path, h, 403)


def test_a_stranger_and_other_regions_get_403_pages(served_db: Served) -> None:
    s = served_db
    h = s.sign_in(STRANGER)
    page = get(s, "/overview", h, 403)
    assert "无权查看" in page and "no role" in page
    h = s.sign_in(s.regulator(CQ))
    with s.index().connect() as c:
        gz = c.execute(sa.select(schema.institutions.c.account).where(schema.institutions.c.region == GZ)).scalar()
    get(s, f"/institutions/{gz}", h, 403)


def test_no_page_loads_anything_from_elsewhere(served_db: Served) -> None:
    s = served_db
    h = s.sign_in(s.regulator(CQ))
    pages: list[Any] = [get(s, p, h) for p in ("/overview", "/alerts", "/leads", "/cases", "/institutions",
                                               "/clearing")]
    pages.append(s.client.get("/signin").text)
    for text in pages:
        assert not re.search(r'(src|href)="(https?:)?//', text), text[:200]


def test_every_chinese_character_of_the_pages_is_in_the_served_font(served_db: Served) -> None:
    from pathlib import Path

    from yibao.demo.font import cjk_chars, font_chars

    folder = Path(__import__("yibao.serve", fromlist=["x"]).__file__).parent
    text = "".join(p.read_text(encoding="utf-8") for p in [*(folder / "templates").glob("*.html"),
                                                           folder / "pages.py", folder / "charts.py"])
    assert cjk_chars(text) and cjk_chars(text) <= font_chars(), sorted(cjk_chars(text) - font_chars())
    r = served_db.client.get("/font/yibao-sans.woff2")
    assert r.status_code == 200 and r.headers["content-type"] == "font/woff2" and r.content[:4] == b"wOF2"


def test_the_alerts_filters_combine(served_db: Served) -> None:
    s = served_db
    h = s.sign_in(s.regulator(GZ))
    both = get(s, "/alerts?kind=INSTITUTION_GRADE&severity=low", h)
    ids = re.findall(r"<tr><td>(\d+)</td>", both)
    api = s.client.get("/api/alerts", params={"kind": "INSTITUTION_GRADE", "limit": 50}, headers=h).json()
    assert ids == [str(a["id"]) for a in api["alerts"]] and ids
    assert re.findall(r"<tr><td>(\d+)</td>", get(s, "/alerts?kind=INSTITUTION_GRADE&severity=high", h)) == []
    assert "high, medium or low" in get(s, "/alerts?severity=urgent", h, 400)


def test_every_role_on_every_page(served_db: Served) -> None:
    """Each page for each role, the expectation from the issue's rules: a regulator's pages for
    regulators, the hospital's for institutions, the patient's for patients; a claim for those
    who may see it; another region's institution or case a 403; no session, the sign-in page."""
    s = served_db
    row = s.patient_row(0)
    with s.index().connect() as c:
        claim = c.execute(sa.select(schema.claims).where(schema.claims.c.claim_id == row["confirmed"])).mappings().one()
        inst = {a: int(r) for a, r in c.execute(sa.select(schema.institutions.c.account,
                                                            schema.institutions.c.region))}
        people = {p: int(r) for p, r in c.execute(sa.select(schema.people.c.pseudonym, schema.people.c.region))}
        case_id, case_inst = c.execute(sa.select(schema.cases.c.case_id, schema.cases.c.institution)
                                       .order_by(schema.cases.c.case_id)).first()
    hospital = s.institution("CQ-YD1")
    roles = {"regulator CQ": (s.regulator(CQ), CQ), "regulator GZ": (s.regulator(GZ), GZ),
             "hospital": (hospital, None), "patient": (s.patient(0), None), "stranger": (STRANGER, None)}
    for name, (acct, region) in roles.items():
        regulator = region is not None
        institution = acct.address in inst
        patient = acct is s.patient(0)
        anyone = regulator or institution or patient
        expect = {
            "/overview": regulator, "/alerts": regulator, "/leads": regulator, "/cases": regulator or institution,
            "/institutions": regulator or institution, "/clearing": regulator, "/hospital": institution,
            "/me": patient,
            f"/claims/{claim['claim_id']}": (region in (inst[claim["institution"]], people[claim["person"]])
                                            if regulator else acct.address == claim["institution"] or patient),
            f"/institutions/{claim['institution']}": region == inst[claim["institution"]]
            or acct.address == claim["institution"],
            f"/cases/{case_id}": region == inst[case_inst] or acct.address == case_inst,
        }
        h = s.sign_in(acct)
        for path, ok in expect.items():
            status = 200 if ok and anyone else 403
            r = s.client.get(path, headers=h, follow_redirects=False)
            assert r.status_code == status, (name, path, r.status_code)
            if status == 403:
                assert "无权查看" in r.text
        home = s.client.get("/", headers=h, follow_redirects=False)
        assert home.status_code == (303 if anyone else 403), name  # to the role's first page, or "no role"
    for path in ("/overview", "/me", "/hospital", f"/claims/{claim['claim_id']}"):
        r = s.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/signin?next={path}"
