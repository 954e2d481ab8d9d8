"""The regulator's case actions (监管闭环), each signed with the signed-in regulator's key, which
the service holds (as the CLI's ``--as``): the contract checks that the signer regulates the
institution's region, and a refusal is a 422 naming the contract's error.

- ``POST /api/cases`` ``{"lead": N, "institution"?}``: open a case from a stored screening lead
  (source LEAD; the lead is marked taken up in the index), or ``{"institution", "claims",
  "source", "by_region"?}`` on given claims (TIP, INSPECTION, or REFERRAL from another region);
- ``POST /api/cases/{id}/finding`` ``{"claims", "code"}``: the claims found, with a finding code;
- ``POST /api/cases/{id}/decide`` ``{"article", "fine_bps", "suspend_days"?}``;
- ``POST /api/cases/{id}/finalize``: execute the decision (clawbacks, fine, suspension, credit);
- ``POST /api/cases/{id}/close``: close with no violation.

Each answers ``{"case", "step", "tx", "gas_used", …}`` with what the step did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from yibao.client.types import TxResult
from yibao.errors import AccessDenied, ContractError, InputError
from yibao.model.types import CaseSource
from yibao.serve.auth import signed_in
from yibao.serve.context import ServeContext, Sessions
from yibao.serve.follower import IndexFollower
from yibao.serve.viewer import Forbidden, NotFound, Refused, Viewer

HEX32 = r"^0x[0-9a-fA-F]{64}$"


class LedgerRefused(Refused):
    """The ledger refused the step (422): the contract's error by name, with its arguments."""

    status = 422
    code = "processing"


class OpenCase(BaseModel):
    """A case from a lead (``lead``) or on given claims (``claims`` with ``source``)."""

    lead: int | None = Field(default=None, ge=1)
    institution: str | None = None
    claims: list[str] = Field(default_factory=list, max_length=256)
    source: str | None = None
    by_region: int | None = Field(default=None, ge=1)
    evidence: str | None = Field(default=None, pattern=HEX32)


class Finding(BaseModel):
    claims: list[str] = Field(min_length=1, max_length=256)
    code: str = Field(pattern=r"^[A-Z0-9_]{1,32}$")
    evidence: str | None = Field(default=None, pattern=HEX32)


class Decision(BaseModel):
    article: int
    fine_bps: int = Field(ge=0)
    suspend_days: int = Field(default=0, ge=0)


def _ids(claims: list[str]) -> list[bytes]:
    out = []
    for c in claims:
        t = c.lower().removeprefix("0x")
        if len(t) != 64 or any(ch not in "0123456789abcdef" for ch in t):
            raise Refused(f"claims: {c[:70]!r} is not a claim id (0x and 64 hex digits)", expression="claims")
        out.append(bytes.fromhex(t))
    return out


def _evidence(text: str | None) -> bytes:
    return bytes.fromhex(text[2:]) if text else bytes(32)


def _done(case_id: int, step: str, result: TxResult, **more: Any) -> dict[str, Any]:
    return {"ok": True, "case": case_id, "step": step, "tx": result.tx_hash, "gas_used": result.gas_used, **more}


def actions_router(ctx: ServeContext, sessions: Sessions, follower: IndexFollower | None) -> APIRouter:
    """The case actions (module docstring)."""
    router = APIRouter(prefix="/api/cases", tags=["case actions"])

    def signed(request: Request, act: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        v = signed_in(sessions, request)
        v.regulator()
        regulator = ctx.ledger.acting_as(ctx.signer(v))
        try:
            with ctx.lock:
                return act(regulator)
        except AccessDenied as exc:  # not its region's: the ledger's own check, a 403 like the service's
            raise Forbidden(str(exc)) from None
        except ContractError as exc:
            raise LedgerRefused(str(exc)) from None
        except InputError as exc:
            raise Refused(str(exc)) from None

    @router.post("")
    def open_case(request: Request, body: OpenCase) -> dict[str, Any]:
        """Open a case from a lead or on given claims."""
        if (body.lead is None) == (not body.claims):
            raise Refused("give a lead, or claims with a source (TIP, INSPECTION, REFERRAL)", expression="lead")
        if body.lead is not None:
            viewer = signed_in(sessions, request)
            return _from_lead(follower, viewer, body, lambda act: signed(request, act))
        return _on_claims(body, lambda act: signed(request, act))

    @router.post("/{case_id}/finding")
    def finding(request: Request, case_id: int, body: Finding) -> dict[str, Any]:
        """Record the claims found on an open case."""
        claims = _ids(body.claims)

        def act(reg: Any) -> dict[str, Any]:
            result = reg.add_finding(case_id, claims, body.code, _evidence(body.evidence))
            (e,) = result.named("CaseFinding")
            return _done(case_id, "finding", result, code=body.code, newly_found=int(e["newlyFound"]))

        return signed(request, act)

    @router.post("/{case_id}/decide")
    def decide(request: Request, case_id: int, body: Decision) -> dict[str, Any]:
        """Decide the penalty (Art. 38 or 40, the fine in bps of the loss, days of suspension)."""
        def act(reg: Any) -> dict[str, Any]:
            result = reg.decide(case_id, body.article, body.fine_bps, body.suspend_days)
            (e,) = result.named("CaseDecided")
            return _done(case_id, "decide", result, loss=int(e["loss"]), fine=int(e["fine"]))

        return signed(request, act)

    @router.post("/{case_id}/finalize")
    def finalize(request: Request, case_id: int) -> dict[str, Any]:
        """Execute the decided case: found claims clawed back or rejected, fine, suspension, credit."""
        def act(reg: Any) -> dict[str, Any]:
            result = reg.finalize(case_id)
            return _done(case_id, "finalize", result,
                         clawed_back=[{"claim_id": "0x" + bytes(e["claimId"]).hex(), "amount": int(e["amount"])}
                                      for e in result.named("ClaimClawedBack")],
                         rejected=["0x" + bytes(e["claimId"]).hex() for e in result.named("CaseClaimRejected")],
                         fine=sum(int(e["amount"]) for e in result.named("FineOwed")))

        return signed(request, act)

    @router.post("/{case_id}/close")
    def close(request: Request, case_id: int) -> dict[str, Any]:
        """Close an open case with no violation."""
        return signed(request, lambda reg: _done(case_id, "close", reg.close_case(case_id)))

    return router


def _on_claims(body: OpenCase, signed: Callable[[Callable[[Any], dict[str, Any]]], dict[str, Any]]
               ) -> dict[str, Any]:
    """A case on given claims of one institution (TIP, INSPECTION, or REFERRAL from another region)."""
    if body.source is None or body.source.upper() not in CaseSource.__members__:
        raise Refused(f"source: one of {', '.join(CaseSource.__members__)}", expression="source")
    if body.institution is None:
        raise Refused("institution: the institution whose claims these are", expression="institution")
    kind = CaseSource[body.source.upper()]
    if (kind is CaseSource.REFERRAL) != (body.by_region is not None):
        raise Refused("by_region goes with source REFERRAL, and REFERRAL needs it", expression="by_region")
    claims = _ids(body.claims)
    institution = body.institution

    def act(reg: Any) -> dict[str, Any]:
        people = _people(reg, claims) if kind is CaseSource.REFERRAL else []
        case_id, result = reg.open_case(institution, claims, kind, _evidence(body.evidence),
                                        by_region=body.by_region, people=people)
        return _done(case_id, "open", result, institution=institution, source=kind.name)

    return signed(act)


def _people(reg: Any, claims: list[bytes]) -> list[bytes]:
    from yibao.client.history import claim_details

    people = []
    for c in claims:
        person = claim_details(reg, c).get("person")
        if person is None:
            raise Refused(f"the person of claim 0x{c.hex()} cannot be read from its submission (a referral needs it)")
        people.append(bytes.fromhex(str(person)[2:]))
    return people


def _from_lead(follower: IndexFollower | None, viewer: Viewer, body: OpenCase,
               signed: Callable[[Callable[[Any], dict[str, Any]]], dict[str, Any]]) -> dict[str, Any]:
    from yibao.index.cases import read_lead, take_up
    from yibao.serve.reads import lead_detail

    if follower is None:
        raise NotFound("this service has no index, so no leads: start it with --db")
    assert body.lead is not None
    follower.catch_up()
    with follower.engine.connect() as conn:
        lead_detail(conn, viewer, body.lead)  # 404, or 403 outside the regions it regulates
        lead = read_lead(conn, body.lead)
    try:
        institution, claims, _ = lead.case_claims(body.institution, "lead")
    except InputError as exc:
        raise Refused(str(exc), expression="lead") from None
    lead_id = lead.id

    def act(reg: Any) -> dict[str, Any]:
        case_id, result = reg.open_case(institution, _ids(claims), CaseSource.LEAD, _evidence(body.evidence))
        with follower.engine.begin() as conn:
            take_up(conn, lead_id, case_id)
        return _done(case_id, "open", result, institution=institution, source="LEAD", lead=lead_id, claims=claims)

    return signed(act)


__all__ = ["Decision", "Finding", "LedgerRefused", "OpenCase", "actions_router"]
