"""The JSON API: every read the CLI has, for the signed-in account and cut to what it may see
(:mod:`yibao.serve.viewer`), with OpenAPI docs at ``/docs``. The documents are
:class:`yibao.serve.views.Views`'s, the same the dashboard's pages show.

Lists come from the index (caught up first, :mod:`yibao.serve.follower`) and page with
``limit`` (1..500) and ``offset``; what is current (balances, grades, scores, a case's or a
claim's story with block numbers and transaction hashes) is read from the chain. Money is
integer fen, dates ISO dates, months ``YYYY-MM``, times CST.

- everyone with a role: ``GET /api/claims``, ``GET /api/claims/{id}`` (with its fund flow,
  资金流向), ``GET /api/cases``, ``GET /api/cases/{id}``, ``GET /api/institutions``,
  ``GET /api/institutions/{account}``, ``GET /api/settlements`` — each cut to the viewer;
- a regulator: ``GET /api/overview``, ``/api/funds``, ``/api/alerts`` (and the live feed
  ``/api/alerts/stream``, server-sent events), ``/api/leads``, ``/api/leads/{id}``, ``/api/clearing``;
- a patient: ``GET /api/patient``, ``/api/patient/claims``, ``/api/patient/payments``,
  ``/api/patient/trail``.

The regulator's case actions are in :mod:`yibao.serve.actions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from yibao.client.queries import PAGE_MAX, Page
from yibao.serve.auth import signed_in
from yibao.serve.context import Sessions
from yibao.serve.stream import alert_stream
from yibao.serve.viewer import Viewer
from yibao.serve.views import Views, alert_filter, claim_filter, lead_filter, require_role

Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"rows to return, 1..{PAGE_MAX}")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Day = Annotated[dt.date | None, Query(description="YYYY-MM-DD")]
Many = Annotated[list[str] | None, Query()]


def api_router(views: Views, sessions: Sessions) -> APIRouter:
    """The ``/api`` endpoints (module docstring)."""
    router = APIRouter(prefix="/api", tags=["JSON API"])

    def viewer(request: Request) -> Viewer:
        return require_role(signed_in(sessions, request))

    @router.get("/claims")
    def claims(request: Request, status: Many = None, institution: str | None = None, person: str | None = None,
               start: Day = None, end: Day = None, month: Month = None, limit: Limit = 50,
               offset: Offset = 0) -> dict[str, Any]:
        """Claims by current status (FLAGGED: the review queue), institution, person and service
        date or month, oldest first."""
        v = viewer(request)
        return views.claims(v, claim_filter(status, institution, person, start, end, month), Page(limit, offset))

    @router.get("/claims/{claim_id}")
    def claim(request: Request, claim_id: str) -> dict[str, Any]:
        """A claim with its lines, its case, and its story on the chain: decision, review,
        settlement, clawback (each with block and transaction); with the flow of money."""
        return views.claim(viewer(request), claim_id)

    @router.get("/institutions")
    def institutions(request: Request) -> dict[str, Any]:
        """The institutions of the regulator's regions (an institution: itself)."""
        return views.institutions(viewer(request))

    @router.get("/institutions/{account}")
    def institution(request: Request, account: str) -> dict[str, Any]:
        """An institution now and over time: grade, status, credit, fines, suspensions, settlements."""
        return views.institution(viewer(request), account)

    @router.get("/settlements")
    def settlements(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Settlements of the regulator's regions (an institution: its own), oldest first."""
        return views.settlements(viewer(request), Page(limit, offset))

    @router.get("/cases")
    def cases(request: Request, institution: str | None = None, limit: Limit = 50,
              offset: Offset = 0) -> dict[str, Any]:
        """Cases on the regulator's regions' institutions and those it opened (referrals); an
        institution's own."""
        return views.cases(viewer(request), Page(limit, offset), institution)

    @router.get("/cases/{case_id}")
    def case(request: Request, case_id: int) -> dict[str, Any]:
        """A case as it stands and its whole story from the chain's events."""
        return views.case(viewer(request), case_id)

    _regulator_and_patient_routes(router, views, viewer)
    return router


def _regulator_and_patient_routes(router: APIRouter, views: Views, viewer: Callable[[Request], Viewer]) -> None:
    """The regulator's reads and the patient's (module docstring)."""
    @router.get("/overview")
    def overview(request: Request) -> dict[str, Any]:
        """Per region regulated: the fund and its law (chain); today's claims and alerts (index)."""
        return views.overview(viewer(request))

    @router.get("/funds")
    def funds(request: Request) -> dict[str, Any]:
        """Each regulated region's fund, the fund law, and the cross-region debts to and from it."""
        return {"funds": views.funds(viewer(request))}

    @router.get("/alerts")
    def alerts(request: Request, kind: Many = None, institution: str | None = None, month: Month = None,
               after: Annotated[int | None, Query(ge=0)] = None, limit: Limit = 50,
               offset: Offset = 0) -> dict[str, Any]:
        """The alerts of the regulator's regions by kind (DUPLICATE, OVERCLAIM …), institution and
        month; ``after``: only those after alert id N."""
        return views.alerts(viewer(request), alert_filter(kind, institution, month, after), Page(limit, offset))

    @router.get("/alerts/stream")
    def alerts_stream(request: Request, after: Annotated[int | None, Query(ge=0)] = None,
                      count: Annotated[int | None, Query(ge=1)] = None,
                      max_seconds: Annotated[float | None, Query(gt=0, le=86_400)] = None) -> StreamingResponse:
        """New alerts of the regulator's regions as they are mined (server-sent events ``alert``,
        each the alert's JSON; ``after``: start after alert id N, default: from now; ``count``,
        ``max_seconds``: end after N alerts, or so many seconds)."""
        v = viewer(request)
        v.regulator()
        return alert_stream(views, v, request, after, count, max_seconds)

    @router.get("/leads")
    def leads(request: Request, rule: Many = None, severity: str | None = None, institution: str | None = None,
              status: str | None = None, month: Month = None, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Screening's leads in the regulator's regions by rule, severity, institution, status
        (OPEN, CASE) and month of their claims."""
        f = lead_filter(rule, severity, institution, status, month)
        return views.leads(viewer(request), f, Page(limit, offset))

    @router.get("/leads/{lead_id}")
    def lead(request: Request, lead_id: int) -> dict[str, Any]:
        """A lead with its claims."""
        return views.lead(viewer(request), lead_id)

    @router.get("/clearing")
    def clearing(request: Request) -> dict[str, Any]:
        """Cross-region clearing (异地清算) of the regulator's regions: who owes whom."""
        return views.clearing(viewer(request))

    @router.get("/patient")
    def patient(request: Request) -> dict[str, Any]:
        """The patient's coverage now and this year's deductible and caps used."""
        return views.patient(viewer(request))

    @router.get("/patient/claims")
    def patient_claims(request: Request, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """The patient's own claims: billed, paid by the fund, paid by them; totals of the valid ones."""
        return views.patient_claims(viewer(request), Page(limit, offset))

    @router.get("/patient/payments")
    def patient_payments(request: Request) -> dict[str, Any]:
        """What the fund paid for the patient, and the contributions paid in."""
        return views.patient_payments(viewer(request))

    @router.get("/patient/trail")
    def patient_trail(request: Request) -> dict[str, Any]:
        """Who read the patient's records, when, why and on what basis; the consents given."""
        return views.patient_trail(viewer(request))


__all__ = ["api_router"]
