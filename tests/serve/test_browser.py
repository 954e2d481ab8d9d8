"""The dashboard as a person uses it (issue 16 §4), in Debian's chromium driven by Playwright,
against a real server on 127.0.0.1 over the demo's world: a regulator signs in with their key,
sees the planted alerts, opens a case from a lead, records the finding, decides, finalizes and
sees the institution's score drop; a live alert arrives while the overview is open; a patient
sees their data-use trail; a hospital pre-checks and submits a FHIR claim. The pages are also
looked at a phone's width. Screenshots (JPEG) go to ``$YIBAO_SCREENSHOTS`` (``make screenshots``:
docs/screenshots), else to the test's temporary folder."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from served_world import CQ, GZ, Served

from yibao.index import schema
from yibao.model.types import Feedback
from yibao.units import noon_cst

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (`make chromium`)")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


class Live:
    """The service over ``served``'s world on a real port (:class:`yibao.serve.server.Background`,
    following new blocks), with a browser."""

    def __init__(self, served: Served, shots: Path) -> None:
        from dataclasses import replace

        from yibao.serve.app import create_app
        from yibao.serve.server import Background

        self.s = served
        self.shots = shots
        self.ctx = served.ctx

        def app_for(url: str) -> Any:
            self.ctx = replace(served.ctx, domain=url.removeprefix("http://"), uri=f"{url}/auth")
            return create_app(self.ctx, follow=True)

        self.background = Background(app_for)
        self.url = self.background.__enter__()

    def stop(self) -> None:
        self.background.__exit__()


@pytest.fixture
def live(served: Served, tmp_path: Path) -> Iterator[Live]:
    shots = Path(os.environ.get("YIBAO_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    server = Live(served, shots)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


def sign_in(live: Live, browser: Any, account: Any, viewport: dict[str, int] = DESKTOP) -> Any:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(20_000)
    page.goto(f"{live.url}/signin")
    page.fill("#key", "0x" + bytes(account.key).hex())
    page.click("#signin-form button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)
    return page


def shot(live: Live, page: Any, name: str) -> None:
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(live.shots / f"{name}.jpg"), type="jpeg", quality=80)  # what the screen shows


def test_a_regulator_takes_a_lead_to_a_penalty(live: Live, browser: Any) -> None:
    s = live.s
    page = sign_in(live, browser, s.regulator(GZ))
    assert page.url.endswith("/overview")
    assert page.locator(".fund").count() == 1 and "✓ holds" in page.inner_text(".fund")
    assert page.locator("#live-alerts li").count() > 0  # the demo's planted alerts
    shot(live, page, "overview")
    page.goto(f"{live.url}/leads?status=OPEN")
    h = s.sign_in(s.regulator(GZ))
    leads = s.client.get("/api/leads", params={"status": "OPEN", "limit": 500}, headers=h).json()["leads"]
    biggest = max((ld for ld in leads if ld["institution"]), key=lambda ld: (ld["amount"], -ld["id"]))
    assert biggest["amount"] > 0
    button = page.locator(f'button.open-case[data-lead="{biggest["id"]}"]')
    institution = button.get_attribute("data-institution")
    before = s.client.get(f"/api/institutions/{institution}", headers=h).json()
    shot(live, page, "leads")
    button.click()
    page.wait_for_url(lambda url: "/cases/" in url)
    case_url = page.url
    assert page.inner_text("#case-status").startswith("OPEN")
    page.click("#finding-form button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').dataset.status === 'INVESTIGATING'")
    page.click("#decide-form button[type=submit]")
    page.wait_for_function("document.querySelector('#case-status').dataset.status === 'NOTIFIED'")
    with live.ctx.lock:  # past the institution's 15 days to contest
        live.ctx.ledger.chain.set_clock(noon_cst(live.ctx.ledger.today()) + 17 * 86_400)
    page.goto(case_url)
    page.click("#finalize-case")
    page.wait_for_function("document.querySelector('#case-status').dataset.status === 'CLOSED'")
    assert "PENALIZED" in page.inner_text("#case-status")
    shot(live, page, "case")
    page.goto(f"{live.url}/institutions/{institution}")
    score = int(page.inner_text("#score"))
    assert score < before["credit_now"]["score"] or page.inner_text("#grade") != before["now"]["grade"]
    shot(live, page, "institution")


def test_a_live_alert_arrives_on_the_overview(live: Live, browser: Any) -> None:
    s = live.s
    row = s.patient_row(0)
    page = sign_in(live, browser, s.regulator(row["region"]))
    shown = page.locator("#live-alerts li").count()
    claims = s.client.get("/api/patient/claims", params={"limit": 500}, headers=s.sign_in(s.patient(0))).json()
    other = next(c["claim_id"] for c in claims["claims"] if c["claim_id"] != row["confirmed"])
    with live.ctx.lock:
        relay = live.ctx.ledger.acting_as(s.player.operator[row["region"]])
        relay.give_feedback(s.patient(0), bytes.fromhex(other[2:]), Feedback.NOT_RECEIVED)
    page.wait_for_function(f"document.querySelectorAll('#live-alerts li').length > {shown}", timeout=20_000)
    assert "PATIENT_DISPUTE" in page.inner_text("#live-alerts li.new")


def test_a_patient_sees_the_trail(live: Live, browser: Any) -> None:
    s = live.s
    row = s.patient_row(0)
    page = sign_in(live, browser, s.patient(0))
    assert page.url.endswith("/me")
    trail = page.inner_text("#trail")
    assert "CONSENT" in trail and f"{row['record']} v1" in trail
    assert page.locator("#my-claims tbody tr").count() > 0
    shot(live, page, "patient")
    phone = sign_in(live, browser, s.patient(0), PHONE)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, "the page fits a phone's width (tables scroll inside their box)"
    shot(live, phone, "patient-phone")


def _claim_for(live: Live, hospital: str) -> dict[str, Any]:
    """A FHIR claim of ``hospital`` for a CQ person covered on the day, one class-A item at its cap."""
    s, ctx = live.s, live.ctx
    with s.index().connect() as c:
        cat = schema.catalogue.c
        code, cap = c.execute(sa.select(cat.code, cat.price_cap).where(
            cat.region == CQ, cat.category == 0, cat.removed.is_(False), cat.inpatient_only.is_(False),
            cat.price_cap > 0).order_by(cat.code)).first()
        p = schema.people.c
        person, last = c.execute(sa.select(p.pseudonym, p.coverage_to_day).where(p.region == CQ)
                                 .order_by(p.idx)).first()
    from yibao.units import from_day

    day = min(ctx.ledger.today(), from_day(int(last)))
    ns = ctx.namespace
    return {"resourceType": "Claim", "status": "active", "use": "claim", "created": f"{day}T09:00:00+08:00",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                                 "code": "professional"}]},
            "identifier": [{"system": "urn:hospital:invoice", "value": "INV-BROWSER-1"}],
            "patient": {"identifier": {"system": f"{ns}:person", "value": person}},
            "provider": {"identifier": {"system": "urn:ietf:rfc:3986", "value": ctx.urn(hospital)}},
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basic medical insurance"}}],
            "billablePeriod": {"start": day.isoformat()},
            "item": [{"sequence": 1, "productOrService": {"coding": [{"system": f"{ns}:catalogue", "code": code}]},
                      "quantity": {"value": 1}, "unitPrice": {"value": int(cap) / 100, "currency": "CNY"}}]}


def test_a_hospital_prechecks_and_submits_a_fhir_claim(live: Live, browser: Any) -> None:
    s = live.s
    hospital = s.institution("CQ-YD1")
    page = sign_in(live, browser, hospital)
    assert page.url.endswith("/hospital")
    page.fill("#fhir-claim", json.dumps(_claim_for(live, hospital.address), indent=2))
    page.click("#precheck")
    page.wait_for_function("document.querySelector('#fhir-answer').textContent.length > 0")
    pre = page.inner_text("#fhir-answer")
    assert pre.split("\n")[0].split(":")[0] in ("complete", "queued", "error"), pre
    assert '"use": "preauthorization"' in pre
    shot(live, page, "hospital-precheck")
    page.click("#submit-claim")
    page.wait_for_function("document.querySelector('#fhir-answer').textContent.includes('\"use\": \"claim\"')")
    page.reload()
    assert "INV-BROWSER-1" in page.inner_text("#hospital-claims")
    shot(live, page, "hospital")
