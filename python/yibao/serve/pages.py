"""The dashboard: server-rendered pages (Jinja2) over the same documents as the JSON API
(:class:`yibao.serve.views.Views`), in Chinese and English, at a phone's width too.

- a regulator: ``/overview`` (funds and the fund law, claims and alerts today, live alerts),
  ``/alerts`` and ``/leads`` (filtered by rule or kind, severity, institution, month), ``/cases``
  and ``/cases/{id}`` (the lifecycle and its actions, each signed by the signed-in regulator),
  ``/institutions`` and ``/institutions/{account}`` (grade and score over time, suspensions,
  fines, settlements), ``/clearing`` (who owes whom);
- everyone with a role: ``/claims/{id}``, the flow of one claim's money (资金流向) with block
  numbers and transaction hashes;
- a patient: ``/me`` (own claims, payments, data-use trail and consents);
- an institution: ``/hospital`` (submit or pre-check a FHIR claim, its claims and settlements).

``/signin`` signs in in the browser: the challenge is signed by a wallet (``window.ethereum``)
or by a key typed into the page, with ethers, and the key never leaves the page. A page asked
for without a session goes to ``/signin``; one the account may not see is a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from yibao.client.queries import Page
from yibao.demo.font import FONT_PATH
from yibao.demo.labels import (
    ALERT_LABELS, INSTITUTION_STATUS_LABELS, LEAD_SEVERITY_LABELS, SCREENING_LABELS, STATUS_LABELS, Label,
)
from yibao.errors import InputError
from yibao.model.screening import Rule, Severity
from yibao.model.types import AlertKind, ClaimStatus, InstitutionStatus
from yibao.serve.auth import signed_in
from yibao.serve.charts import score_chart, share_bars
from yibao.serve.context import Sessions
from yibao.serve.viewer import NotSignedIn, Refused, Viewer
from yibao.serve.views import Views, alert_filter, claim_filter, lead_filter, require_role
from yibao.units import yuan

HERE = Path(__file__).parent
PAGE_ROWS = 50
Many = Annotated[list[str] | None, Query()]
Text = str | None


def _label(table: dict[Any, Label], key: Any) -> str:
    found = table.get(key)
    return f"{found.zh} {found.en}" if found else str(key)


def _enum_label(cls: Any, table: dict[Any, Label]) -> Callable[[str], str]:
    def show(name: str) -> str:
        return _label(table, cls[name]) if name in cls.__members__ else name
    return show


def _money(fen: int | None) -> str:
    return "—" if fen is None else f"¥{yuan(int(fen))}"


def _short(text: str | None, n: int = 10) -> str:
    return "—" if not text else (text if len(text) <= n + 2 else f"{text[:n]}…")


def _replace_offset(params: Any, offset: int) -> str:
    """A page's query string with ``offset`` set (the pager's links)."""
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in params.multi_items() if k != "offset"]
    return urlencode([*kept, ("offset", str(max(0, offset)))])


def templates() -> Jinja2Templates:
    """The pages' templates, with the filters they share."""
    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters.update({
        "money": _money, "short": _short,
        "alert_label": _enum_label(AlertKind, dict(ALERT_LABELS)),
        "status_label": _enum_label(ClaimStatus, dict(STATUS_LABELS)),
        "rule_label": _enum_label(Rule, dict(SCREENING_LABELS)),
        "severity_label": _enum_label(Severity, dict(LEAD_SEVERITY_LABELS)),
        "institution_status_label": _enum_label(InstitutionStatus, dict(INSTITUTION_STATUS_LABELS)),
    })
    t.env.filters["replace_offset"] = _replace_offset
    t.env.globals.update({
        "ALERT_KINDS": [(k.name, _label(dict(ALERT_LABELS), k), ALERT_LABELS[k].severity) for k in AlertKind],
        "RULES": [(r.value, _label(dict(SCREENING_LABELS), r)) for r in Rule],
        "SEVERITIES": [s.value for s in Severity],
    })
    return t


NAV = (("regulator", "/overview", "总览 Overview"), ("regulator", "/alerts", "预警 Alerts"),
       ("regulator", "/leads", "线索 Leads"), ("regulator", "/cases", "案件 Cases"),
       ("regulator", "/institutions", "机构 Institutions"), ("regulator", "/clearing", "异地清算 Clearing"),
       ("institution", "/hospital", "医院 Hospital"), ("patient", "/me", "我的 My records"))


def pages_router(views: Views, sessions: Sessions) -> APIRouter:
    """The dashboard's pages (module docstring)."""
    router = APIRouter(include_in_schema=False)
    tpl = templates()

    def page(request: Request, name: str, build: Callable[[Viewer], dict[str, Any]], status: int = 200) -> Response:
        try:
            v = require_role(signed_in(sessions, request))
            doc = build(v)
        except NotSignedIn:
            return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
        except Refused as exc:
            return _refused(request, exc)
        except InputError as exc:  # a query the documents refuse (a page size, a date)
            return _refused(request, Refused(str(exc)))
        nav = [(href, text) for role, href, text in NAV if role in v.roles]
        return tpl.TemplateResponse(request, name, {"v": v, "nav": nav, "path": request.url.path, **doc},
                                    status_code=status)

    def _refused(request: Request, exc: Refused) -> Response:
        return tpl.TemplateResponse(request, "error.html", {"v": None, "nav": [], "path": request.url.path,
                                                            "status": exc.status, "message": str(exc)},
                                    status_code=exc.status)

    @router.get("/font/yibao-sans.woff2")
    def font() -> Response:
        """The CJK glyphs the pages use (the demo report's font), so that Chinese renders on a
        machine with no CJK font; cached for a day."""
        return FileResponse(FONT_PATH, media_type="font/woff2", headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        try:
            v = signed_in(sessions, request)
        except NotSignedIn:
            return RedirectResponse("/signin", status_code=303)
        first = next((href for role, href, _ in NAV if role in v.roles), None)
        if first is None:
            try:
                require_role(v)
            except Refused as exc:
                return _refused(request, exc)
        return RedirectResponse(first or "/signin", status_code=303)

    @router.get("/signin", response_class=HTMLResponse)
    def signin(request: Request, next_page: Annotated[str, Query(alias="next")] = "/") -> Response:
        target = next_page if next_page.startswith("/") and not next_page.startswith("//") else "/"
        return tpl.TemplateResponse(request, "signin.html", {"v": None, "nav": [], "path": "/signin",
                                                             "next": target})

    _dashboard_pages(router, views, page)
    return router


def _alerts_doc(views: Views, v: Viewer, kind: list[str] | None, severity: str | None, institution: str | None,
                month: str | None, offset: int) -> dict[str, Any]:
    """The alerts page's rows: by kind and by severity (the kinds of that severity, and of the
    kind asked for, if any), institution and month."""
    q = {"kind": (kind or [""])[0], "severity": severity or "", "institution": institution or "",
         "month": month or ""}
    kinds = [k for k in kind or [] if k]
    if severity:
        if severity not in ("high", "medium", "low"):
            raise Refused(f"severity {severity[:20]!r}: high, medium or low", expression="severity")
        wanted = {k.upper() for k in kinds}
        kinds = [k.name for k in AlertKind if ALERT_LABELS[k].severity == severity and (not wanted or k.name in wanted)]
        if not kinds:  # that kind is not of that severity: nothing to show
            return {"doc": {**Page(PAGE_ROWS, 0).doc(0), "alerts": []}, "q": q}
    f = alert_filter(kinds, institution or None, month or None)
    return {"doc": views.alerts(v, f, Page(PAGE_ROWS, max(0, offset))), "q": q}


PageFn = Callable[[Request, str, Callable[[Viewer], dict[str, Any]]], Response]


def _dashboard_pages(router: APIRouter, views: Views, page: PageFn) -> None:
    """The pages of the signed-in roles (module docstring)."""
    @router.get("/overview", response_class=HTMLResponse)
    def overview(request: Request) -> Response:
        def build(v: Viewer) -> dict[str, Any]:
            doc = views.overview(v)
            doc["kinds_chart"] = share_bars(doc["alerts_by_kind"], _enum_label(AlertKind, dict(ALERT_LABELS)),
                                            "预警 alerts by kind")
            return doc
        return page(request, "overview.html", build)

    @router.get("/alerts", response_class=HTMLResponse)
    def alerts(request: Request, kind: Many = None, severity: Text = None, institution: Text = None,
               month: Text = None, offset: int = 0) -> Response:
        return page(request, "alerts.html",
                    lambda v: _alerts_doc(views, v, kind, severity, institution, month, offset))

    @router.get("/leads", response_class=HTMLResponse)
    def leads(request: Request, rule: Many = None, severity: Text = None, institution: Text = None,
              month: Text = None, status: Text = None, offset: int = 0) -> Response:
        def build(v: Viewer) -> dict[str, Any]:
            f = lead_filter([r for r in rule or [] if r], severity or None, institution or None, status or None,
                            month or None)
            doc = views.leads(v, f, Page(PAGE_ROWS, max(0, offset)))
            return {"doc": doc, "q": {"rule": (rule or [""])[0], "severity": severity or "",
                                 "institution": institution or "", "month": month or "", "status": status or ""}}
        return page(request, "leads.html", build)

    @router.get("/cases", response_class=HTMLResponse)
    def cases(request: Request, offset: int = 0) -> Response:
        return page(request, "cases.html", lambda v: {"doc": views.cases(v, Page(PAGE_ROWS, max(0, offset)))})

    @router.get("/cases/{case_id}", response_class=HTMLResponse)
    def case(request: Request, case_id: int) -> Response:
        return page(request, "case.html", lambda v: {"doc": views.case(v, case_id)})

    @router.get("/institutions", response_class=HTMLResponse)
    def institutions(request: Request) -> Response:
        return page(request, "institutions.html", views.institutions)

    @router.get("/institutions/{account}", response_class=HTMLResponse)
    def institution(request: Request, account: str) -> Response:
        def build(v: Viewer) -> dict[str, Any]:
            doc = views.institution(v, account)
            return {"doc": doc, "chart": score_chart(doc["credit"], doc["credit_now"])}
        return page(request, "institution.html", build)

    @router.get("/claims/{claim_id}", response_class=HTMLResponse)
    def claim(request: Request, claim_id: str) -> Response:
        return page(request, "claim.html", lambda v: {"doc": views.claim(v, claim_id)})

    @router.get("/clearing", response_class=HTMLResponse)
    def clearing(request: Request) -> Response:
        return page(request, "clearing.html", views.clearing)

    @router.get("/me", response_class=HTMLResponse)
    def me(request: Request) -> Response:
        def build(v: Viewer) -> dict[str, Any]:
            return {"me": views.patient(v), "claims": views.patient_claims(v, Page(500, 0)),
                    "payments": views.patient_payments(v), "trail": views.patient_trail(v)}
        return page(request, "patient.html", build)

    @router.get("/hospital", response_class=HTMLResponse)
    def hospital(request: Request, offset: int | None = None) -> Response:
        def build(v: Viewer) -> dict[str, Any]:
            account = v.as_institution()
            mine = Viewer(v.account, institution_region=v.institution_region)
            start = offset  # default: the newest page
            if start is None:
                start = max(0, views.claims(mine, claim_filter(), Page(1, 0))["total"] - PAGE_ROWS)
            return {"account": account, "urn": views.ctx.urn(account), "namespace": views.ctx.namespace,
                    "claims": views.claims(mine, claim_filter(), Page(PAGE_ROWS, max(0, start))),
                    "settlements": views.settlements(mine, Page(PAGE_ROWS, 0))}
        return page(request, "hospital.html", build)


__all__ = ["NAV", "pages_router", "templates"]
