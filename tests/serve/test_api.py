"""The JSON API over the demo's world (issue 16 §1–2): each role sees what the issue says it sees
and nothing else, the lists agree with the chain and the index, and the regulator's case
actions are signed by the signed-in regulator. The expectations are the issue's rules, written
here from the roles (who regulates which region, which institution submitted, whose claim it
is), not read back from the service's own scoping code."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from served_world import CQ, GZ, STRANGER, Served

from yibao.index import schema
from yibao.model.types import ClaimStatus


def regions_of(s: Served) -> tuple[dict[str, int], dict[str, int]]:
    """Each institution's region and each person's home region, from the index."""
    with s.index().connect() as c:
        inst = {a: int(r) for a, r in c.execute(sa.select(schema.institutions.c.account, schema.institutions.c.region))}
        people = {p: int(r) for p, r in c.execute(sa.select(schema.people.c.pseudonym, schema.people.c.region))}
    return inst, people


def every(s: Served, headers: dict[str, str], path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        r = s.client.get(path, params={**params, "limit": 500, "offset": offset}, headers=headers)
        assert r.status_code == 200, r.text
        rows += r.json()[key]
        offset = r.json()["next_offset"]
    return rows


def test_a_regulator_sees_its_regions_claims_and_only_those(served_db: Served) -> None:
    s = served_db
    inst, people = regions_of(s)
    with s.index().connect() as c:
        all_claims = [(cid, i, p) for cid, i, p in c.execute(sa.select(
            schema.claims.c.claim_id, schema.claims.c.institution, schema.claims.c.person))]
    for region in (CQ, GZ):
        rows = every(s, s.sign_in(s.regulator(region)), "/api/claims", "claims")
        expected = {cid for cid, i, p in all_claims if inst[i] == region or people[p] == region}
        assert {r["claim_id"] for r in rows} == expected and len(rows) == len(expected) > 0
    cross = [cid for cid, i, p in all_claims if inst[i] != people[p]]
    assert cross, "the demo has care outside the home region"


def test_an_institution_sees_its_own_claims(served_db: Served) -> None:
    s = served_db
    hospital = s.institution("CQ-YD1")
    rows = every(s, s.sign_in(hospital), "/api/claims", "claims")
    with s.index().connect() as c:
        own = c.execute(sa.select(sa.func.count()).where(schema.claims.c.institution == hospital.address)).scalar()
    assert len(rows) == own > 0 and {r["institution"] for r in rows} == {hospital.address}
    flagged = every(s, s.sign_in(hospital), "/api/claims", "claims", status="SETTLED")
    assert flagged and all(r["status"] == "SETTLED" for r in flagged)
    assert [r["account"] for r in s.client.get("/api/institutions", headers=s.sign_in(hospital)).json()[
        "institutions"]] == [hospital.address]


def test_a_patient_sees_own_claims_payments_and_trail(served_db: Served) -> None:
    s = served_db
    row = s.patient_row(0)
    h = s.sign_in(s.patient(0))
    me = s.client.get("/auth/me", headers=h).json()
    assert me["roles"] == ["patient"] and me["person"] == row["pseudonym"]
    claims = every(s, h, "/api/patient/claims", "claims")
    assert claims and {r["person"] for r in claims} == {row["pseudonym"]}
    assert every(s, h, "/api/claims", "claims") == claims  # the general list is cut to the same
    pay = s.client.get("/api/patient/payments", headers=h).json()
    assert pay["payments"] and all(p["fund"] > 0 or p["status"] == "CLAWED_BACK" for p in pay["payments"])
    assert sum(c["fund"] for c in claims if c["status"] == "SETTLED") == sum(
        p["fund"] for p in pay["payments"] if p["status"] == "SETTLED")
    trail = s.client.get("/api/patient/trail", headers=h).json()
    assert [(t["reader"], t["basis"], t["record"]) for t in trail["trail"]] == [
        (row["reader"], "CONSENT", row["record"])]
    assert [c["grantee"] for c in trail["consents"]] == [row["reader"]]
    now = s.client.get("/api/patient", headers=h).json()
    assert now["person"] == row["pseudonym"] and now["region"] == row["region"]


def test_a_claim_with_its_story_and_flow_of_money(served: Served) -> None:
    s = served
    row = s.patient_row(0)
    h = s.sign_in(s.patient(0))
    doc = s.client.get(f"/api/claims/{row['confirmed']}", headers=h).json()
    steps = [x["step"] for x in doc["history"]]
    assert steps[0] == "submitted" and doc["lines"] and all(x["tx"].startswith("0x") for x in doc["history"])
    flow = [x["step"] for x in doc["flow"]]
    assert "submitted" in flow and all(isinstance(x["block"], int) for x in doc["flow"])
    if doc["status"] == "SETTLED":
        assert "settled" in flow


def test_regulator_reads(served_db: Served) -> None:
    s = served_db
    h = s.sign_in(s.regulator(GZ))
    over = s.client.get("/api/overview", headers=h).json()
    assert [f["region"] for f in over["funds"]] == [GZ] and over["funds"][0]["law"]["holds"] is True
    alerts = every(s, h, "/api/alerts", "alerts")
    inst, people = regions_of(s)
    assert alerts and all(inst[a["institution"]] == GZ or (a["person"] and people[a["person"]] == GZ)
                          or a["claim_id"] for a in alerts)
    kinds = {a["kind"] for a in alerts}
    one = sorted(kinds)[0]
    assert {a["kind"] for a in every(s, h, "/api/alerts", "alerts", kind=one)} == {one}
    leads = every(s, h, "/api/leads", "leads")
    assert leads and all(inst.get(ld["institution"] or "", GZ) == GZ for ld in leads)
    high = every(s, h, "/api/leads", "leads", severity="HIGH")
    assert all(ld["severity"] == "HIGH" for ld in high)
    lead = s.client.get(f"/api/leads/{leads[0]['id']}", headers=h).json()
    assert len(lead["claims"]) == lead["claim_count"]
    clearing = s.client.get("/api/clearing", headers=h).json()
    assert clearing["pairs"] and all(GZ in (p["home"], p["treating"]) for p in clearing["pairs"])
    cases = every(s, h, "/api/cases", "cases")
    assert cases and all(inst[c["institution"]] == GZ or c["opened_by"] == s.regulator(GZ).address for c in cases)
    story = s.client.get(f"/api/cases/{cases[0]['id']}", headers=h).json()
    assert story["case"]["id"] == cases[0]["id"] and story["steps"]
    with s.index().connect() as c:
        credited = c.execute(sa.select(schema.case_steps.c.institution).where(
            schema.case_steps.c.kind == "credit")).scalars().all()
    penalized = next(a for a in credited if inst[a] == GZ)
    doc = s.client.get(f"/api/institutions/{penalized}", headers=h).json()
    assert doc["now"]["account"] == penalized and doc["credit"] and doc["credit"][-1]["score"] < 100, doc


def test_bad_queries_are_400_with_one_line(served_db: Served) -> None:
    s = served_db
    h = s.sign_in(s.regulator(CQ))
    for path, params, where in (("/api/claims", {"status": "LOST"}, "status"),
                                ("/api/claims", {"limit": 0}, "limit"), ("/api/alerts", {"month": "2026-13"}, "month"),
                                ("/api/leads", {"rule": "NOPE"}, "rule"), ("/api/claims/0x12", {}, "claim id")):
        r = s.client.get(path, params=params, headers=h)
        assert r.status_code == 400, (path, r.text)
        assert where in r.json()["message"] and "\n" not in r.json()["message"]
    assert s.client.get("/api/claims/0x" + "ab" * 32, headers=h).status_code == 404
    assert s.client.get("/api/cases/99999", headers=h).status_code == 404


# --------------------------------------------------------------------- every role × every endpoint


def _targets(s: Served) -> dict[str, Any]:
    """The objects the matrix asks about: the first patient's confirmed claim and its institution,
    a case on a GZ institution, a GZ lead."""
    row = s.patient_row(0)
    with s.index().connect() as c:
        claim = c.execute(sa.select(schema.claims).where(schema.claims.c.claim_id == row["confirmed"])).mappings().one()
        case = c.execute(sa.select(schema.cases.c.case_id, schema.cases.c.institution).join(
            schema.institutions, schema.institutions.c.account == schema.cases.c.institution)
            .where(schema.institutions.c.region == GZ).order_by(schema.cases.c.case_id)).first()
        lead = c.execute(sa.select(schema.leads.c.id).join(
            schema.institutions, schema.institutions.c.account == schema.leads.c.institution)
            .where(schema.institutions.c.region == GZ).order_by(schema.leads.c.id)).scalar()
    assert case is not None and lead is not None
    return {"claim": claim, "case": int(case[0]), "case_institution": case[1], "lead": int(lead)}


def test_every_role_on_every_endpoint(served_db: Served) -> None:
    s = served_db
    t = _targets(s)
    inst, people = regions_of(s)
    claim = t["claim"]
    patient = s.patient(0)
    hospital_cq = s.institution("CQ-YD1")
    roles = {"regulator CQ": s.regulator(CQ), "regulator GZ": s.regulator(GZ), "hospital CQ-YD1": hospital_cq,
             "claim's institution": next(a for k, a in s.player.inst_acct.items() if a.address == claim["institution"]),
             "patient": patient, "stranger": STRANGER}

    def sees_claim(name: str, acct: Any) -> bool:
        if name.startswith("regulator"):
            region = CQ if name.endswith("CQ") else GZ
            return region in (inst[claim["institution"]], people[claim["person"]])
        return acct.address == claim["institution"] or acct is patient

    for name, acct in roles.items():
        regulator = name.startswith("regulator")
        region = (CQ if name.endswith("CQ") else GZ) if regulator else None
        institution = acct.address in inst
        expect = {
            "/auth/me": 200,
            "/api/claims": 200 if (regulator or institution or acct is patient) else 403,
            f"/api/claims/{claim['claim_id']}": 200 if sees_claim(name, acct) else 403,
            "/api/institutions": 200 if regulator or institution else 403,
            f"/api/institutions/{claim['institution']}":
                200 if (region == inst[claim["institution"]] or acct.address == claim["institution"]) else 403,
            "/api/settlements": 200 if regulator or institution else 403,
            "/api/cases": 200 if regulator or institution else 403,
            f"/api/cases/{t['case']}": 200 if region == GZ or acct.address == t["case_institution"] else 403,
            "/api/overview": 200 if regulator else 403, "/api/funds": 200 if regulator else 403,
            "/api/alerts": 200 if regulator else 403, "/api/leads": 200 if regulator else 403,
            f"/api/leads/{t['lead']}": 200 if region == GZ else 403, "/api/clearing": 200 if regulator else 403,
            "/api/patient": 200 if acct is patient else 403, "/api/patient/claims": 200 if acct is patient else 403,
            "/api/patient/payments": 200 if acct is patient else 403,
            "/api/patient/trail": 200 if acct is patient else 403,
        }
        h = s.sign_in(acct)
        for path, status in expect.items():
            r = s.client.get(path, headers=h)
            assert r.status_code == status, (name, path, r.status_code, r.text[:200])
            if status == 403:
                assert r.json()["error"] == "Forbidden" and "\n" not in r.json()["message"]
    for path in ("/auth/me", "/api/claims", "/api/overview", "/api/patient/trail", f"/api/cases/{t['case']}"):
        r = s.client.get(path)
        assert r.status_code == 401 and r.json()["error"] == "NotSignedIn", path


POSTS = ("/api/cases", "/api/cases/1/finding", "/api/cases/1/decide", "/api/cases/1/finalize", "/api/cases/1/close")


@pytest.mark.parametrize("path", POSTS)
def test_only_a_regulator_acts_on_cases(served: Served, path: str) -> None:
    s = served
    bodies: dict[str, Any] = {"/api/cases": {"lead": 1},
                              "/api/cases/1/finding": {"claims": ["0x" + "11" * 32], "code": "PHANTOM"},
                              "/api/cases/1/decide": {"article": 38, "fine_bps": 10_000}}
    body = bodies.get(path, {})
    for acct in (s.institution("CQ-YD1"), s.patient(0), STRANGER):
        r = s.client.post(path, json=body, headers=s.sign_in(acct))
        assert r.status_code == 403 and r.json()["error"] == "Forbidden", (acct.address, r.text)
    assert s.client.post(path, json=body).status_code == 401


def test_a_regulator_opens_a_case_from_a_lead_and_finalizes_it(served: Served) -> None:
    s = served
    reg = s.regulator(GZ)
    h = s.sign_in(reg)
    open_leads = every(s, h, "/api/leads", "leads", status="OPEN")
    lead = next(ld for ld in open_leads if ld["institution"])
    before = s.client.get(f"/api/institutions/{lead['institution']}", headers=h).json()
    opened = s.client.post("/api/cases", json={"lead": lead["id"], "institution": lead["institution"]}, headers=h)
    assert opened.status_code == 200, opened.text
    case = opened.json()["case"]
    assert s.client.get(f"/api/leads/{lead['id']}", headers=h).json()["status"] == "CASE"
    again = s.client.post("/api/cases", json={"lead": lead["id"], "institution": lead["institution"]}, headers=h)
    assert again.status_code == 400 and "taken up" in again.json()["message"]
    claims = opened.json()["claims"]
    found = s.client.post(f"/api/cases/{case}/finding", json={"claims": claims, "code": lead["rule"]}, headers=h)
    assert found.status_code == 200, found.text
    decided = s.client.post(f"/api/cases/{case}/decide", json={"article": 38, "fine_bps": 10_000}, headers=h)
    assert decided.status_code == 200, decided.text
    early = s.client.post(f"/api/cases/{case}/finalize", headers=h)
    assert early.status_code == 422 and early.json()["error"] == "LedgerRefused"  # the contest window is open
    from yibao.units import noon_cst

    chain = s.ctx.ledger.chain
    chain.set_clock(noon_cst(s.ctx.ledger.today()) + 17 * 86_400)
    done = s.client.post(f"/api/cases/{case}/finalize", headers=h)
    assert done.status_code == 200, done.text
    story = s.client.get(f"/api/cases/{case}", headers=h).json()
    assert story["case"]["status"] == "CLOSED" and story["case"]["outcome"] == "PENALIZED"
    after = s.client.get(f"/api/institutions/{lead['institution']}", headers=h).json()
    assert after["credit_now"]["score"] < before["credit_now"]["score"] or after["now"]["grade"] != before["now"][
        "grade"] or len(after["credit"]) > len(before["credit"])
    statuses = {r["claim_id"]: r["status"] for r in every(s, h, "/api/claims", "claims")}
    assert all(statuses[c] in (ClaimStatus.CLAWED_BACK.name, ClaimStatus.REJECTED.name) for c in claims)


def test_another_regions_regulator_is_refused(served: Served) -> None:
    s = served
    h = s.sign_in(s.regulator(CQ))
    t = _targets(s)
    r = s.client.post("/api/cases", json={"lead": t["lead"]}, headers=h)
    assert r.status_code == 403  # a GZ lead is not the CQ regulator's to see
    with s.index().connect() as c:
        gz_claim = c.execute(sa.select(schema.claims.c.claim_id, schema.claims.c.institution).join(
            schema.institutions, schema.institutions.c.account == schema.claims.c.institution).where(
            schema.institutions.c.region == GZ)).first()
    assert gz_claim is not None
    r = s.client.post("/api/cases", json={"institution": gz_claim[1], "claims": [gz_claim[0]], "source": "TIP"},
                      headers=h)
    assert r.status_code == 403 and r.json()["error"] == "Forbidden", r.text  # the ledger's role check, named
    assert f"lacks the role regulator of {GZ}" in r.json()["message"] and "\n" not in r.json()["message"]


def test_the_index_follows_new_blocks_in_the_background(served: Served) -> None:
    import time

    from fastapi.testclient import TestClient
    from yibao.serve.app import create_app

    s = served
    app = create_app(s.ctx, follow=True)
    hospital = s.institution("CQ-YD1").address
    with TestClient(app):  # the lifespan starts the follower, and stops it at the end
        follower = app.state.follower
        follower.catch_up()
        before = follower.generation
        with s.ctx.lock:
            s.ctx.ledger.acting_as(s.regulator(CQ)).set_institution_grade(hospital, "C")
        deadline = time.monotonic() + 20
        while follower.generation == before and time.monotonic() < deadline:
            time.sleep(0.1)  # no request is made: only the background thread can index it
        assert follower.generation > before and follower.last_error is None
    with s.index().connect() as c:
        last = c.execute(sa.select(schema.institution_changes.c.to_value).where(
            schema.institution_changes.c.account == hospital).order_by(schema.institution_changes.c.id.desc())).first()
    assert last is not None and last[0] == 2  # Grade.C
    assert not follower.running  # stopped with the application


def _events(lines: Any, n: int) -> list[dict[str, Any]]:
    import json

    got: list[dict[str, Any]] = []
    event: dict[str, str] = {}
    for line in lines:
        if line == "" and event.get("event") == "alert":
            got.append({"id": int(event["id"]), **json.loads(event["data"])})
            if len(got) == n:
                break
        if line == "":
            event = {}
        elif not line.startswith(":") and ":" in line:
            key, _, value = line.partition(":")
            event[key] = value.strip()
    return got


def test_the_live_alert_feed_sends_a_dispute_as_it_is_mined(served: Served) -> None:
    import threading
    import time

    from yibao.model.types import Feedback

    s = served
    row = s.patient_row(0)
    h = s.sign_in(s.regulator(row["region"]))  # the patient's region's regulator
    first = s.client.get("/api/alerts", params={"limit": 2}, headers=h).json()["alerts"]
    with s.client.stream("GET", "/api/alerts/stream", params={"after": 0, "count": 2}, headers=h) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        assert [e["id"] for e in _events(r.iter_lines(), 2)] == [a["id"] for a in first]
    claims = every(s, s.sign_in(s.patient(0)), "/api/patient/claims", "claims")
    other = next(c["claim_id"] for c in claims if c["claim_id"] != row["confirmed"] and c["status"] == "SETTLED")
    newest = s.client.get("/api/overview", headers=h).json()["recent_alerts"][0]["id"]

    failed: list[BaseException] = []

    def dispute() -> None:
        time.sleep(1.5)  # the feed has started, from the newest alert
        try:
            with s.ctx.lock:
                relay = s.ctx.ledger.acting_as(s.player.operator[row["region"]])
                relay.give_feedback(s.patient(0), bytes.fromhex(other[2:]), Feedback.NOT_RECEIVED)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failed.append(exc)

    t = threading.Thread(target=dispute)
    t.start()
    with s.client.stream("GET", "/api/alerts/stream", params={"count": 1, "max_seconds": 30}, headers=h) as r:
        got = _events(r.iter_lines(), 1)
    t.join()
    assert not failed, failed
    [live] = got
    assert live["id"] > newest and live["kind"] == "PATIENT_DISPUTE" and live["claim_id"] == other
    assert s.client.get("/api/alerts/stream", headers=s.sign_in(s.institution("CQ-YD1"))).status_code == 403
