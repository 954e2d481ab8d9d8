"""The FHIR R4B endpoints (docs/fhir.md "Endpoints").

- ``POST /fhir/Claim``: a FHIR ``Claim`` of the signed-in institution (``Claim.provider`` must be
  its account): ``use = claim`` submits it and answers its ``ClaimResponse`` at once;
  ``use = preauthorization`` is the pre-check, the same answer with nothing recorded.
- ``POST /fhir``: a ``batch`` Bundle of such Claims, all of the signed-in institution's, decided
  in one transaction (or one pre-check) and answered with a ``batch-response`` Bundle, one entry
  per Claim in order (:mod:`yibao.serve.fhir_batch`).
- ``GET /fhir/ClaimResponse/{claim id}``: a stored claim's ``ClaimResponse`` as it stands now.
- ``GET /fhir/Coverage?patient=0x…``, ``GET /fhir/AuditEvent?patient=0x…``,
  ``GET /fhir/Consent?patient=0x…``: a person's coverage, data-use trail and consents as
  ``searchset`` Bundles (:mod:`yibao.serve.fhir_reads`, which also says who may read what).

The service signs an institution's submissions with that institution's key, which it must hold
(``ServeContext.signer_of``; as the CLI's ``--as``): signing in proves who asks, the held key
sends. A refusal is an ``OperationOutcome`` (400 unreadable, 401 not signed in, 403 not this
account's, 404 not found, 422 refused by the ledger) and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from yibao.client.ledger import Ledger
from yibao.client.types import ClaimResult
from yibao.errors import ContractError, YibaoError
from yibao.serve.auth import signed_in
from yibao.serve.context import ServeContext, Sessions
from yibao.serve.fhir_batch import batch_response, read_batch
from yibao.serve.fhir_claims import (
    FhirClaim, FhirInputError, claim_response, ledger_identifier, operation_outcome, outcome_text, parse_claim,
)
from yibao.serve.fhir_reads import audit_event_search, claim_ref, claim_response_now, consent_search, coverage_search
from yibao.serve.viewer import Forbidden, Viewer

FHIR_JSON = "application/fhir+json"


def fhir(body: str, status: int = 200) -> Response:
    """A FHIR resource's JSON text as the answer."""
    return Response(body, status_code=status, media_type=FHIR_JSON)


def outcome(status: int, code: str, message: str, expression: str | None = None) -> Response:
    """An ``OperationOutcome`` of one issue as the answer."""
    return fhir(outcome_text(code, message, expression), status)


class Search(Protocol):
    """A FHIR search of :mod:`yibao.serve.fhir_reads`: the searchset Bundle's JSON text."""

    def __call__(self, ledger: Ledger, viewer: Viewer, patient: str | None, *, self_url: str,
                 now: dt.datetime) -> str: ...


def fhir_router(ctx: ServeContext, sessions: Sessions) -> APIRouter:
    """The ``/fhir`` endpoints (module docstring)."""
    router = APIRouter(prefix="/fhir", tags=["FHIR R4B"])

    @router.post("/Claim")
    async def post_claim(request: Request) -> Response:
        """A hospital's FHIR Claim: submitted (``use = claim``) or pre-checked (``preauthorization``)."""
        viewer = await run_in_threadpool(signed_in, sessions, request)  # may read roles from the chain
        text = await request.body()
        return await run_in_threadpool(_claim, ctx, viewer, text)  # the chain calls block: off the event loop

    @router.post("")
    async def post_batch(request: Request) -> Response:
        """A batch Bundle of the hospital's Claims, decided in one transaction (or one pre-check)."""
        viewer = await run_in_threadpool(signed_in, sessions, request)  # may read roles from the chain
        text = await request.body()
        return await run_in_threadpool(_batch, ctx, viewer, text)

    @router.get("/ClaimResponse/{claim_id}")
    async def get_claim_response(claim_id: str, request: Request) -> Response:
        """A stored claim's ClaimResponse as it stands now (its id: the claim id, with or without 0x)."""
        viewer = await run_in_threadpool(signed_in, sessions, request)  # may read roles from the chain
        cid = claim_ref(claim_id)
        return await run_in_threadpool(_read, ctx, lambda: claim_response_now(ctx.ledger, viewer, cid))

    async def search(request: Request, patient: str | None, find: Search) -> Response:
        viewer = await run_in_threadpool(signed_in, sessions, request)  # may read roles from the chain
        url, now = str(request.url), ctx.now()
        return await run_in_threadpool(_read, ctx, lambda: find(ctx.ledger, viewer, patient, self_url=url, now=now))

    @router.get("/Coverage")
    async def search_coverage(request: Request, patient: str | None = None) -> Response:
        """The person's Coverage (a searchset Bundle of 0 or 1): the signed-in patient's own without ``patient``."""
        return await search(request, patient, coverage_search)

    @router.get("/AuditEvent")
    async def search_audit_events(request: Request, patient: str | None = None) -> Response:
        """The patient's data-use trail as AuditEvents (a searchset Bundle)."""
        return await search(request, patient, audit_event_search)

    @router.get("/Consent")
    async def search_consents(request: Request, patient: str | None = None) -> Response:
        """The patient's consents as Consents (a searchset Bundle)."""
        return await search(request, patient, consent_search)

    return router


def _read(ctx: ServeContext, read: Callable[[], str]) -> Response:
    with ctx.lock:
        return fhir(read())


def _decide(ctx: ServeContext, viewer: Viewer, claims: Sequence[FhirClaim],
            paths: Sequence[str]) -> list[ClaimResult] | Response:
    """The decisions of ``claims`` (all pre-checks or all submissions), in one call as the
    signed-in institution: every one's provider must be it (``paths`` name them in a refusal).
    A refusal of the whole call is its ``OperationOutcome``."""
    mine = ctx.urn(viewer.account)
    for claim, path in zip(claims, paths, strict=True):
        if claim.provider != mine:
            raise Forbidden(f"{path}.provider is {claim.provider}, not the signed-in {mine}",
                            expression=f"{path}.provider.identifier")
    institution = ctx.ledger.acting_as(ctx.signer(viewer))
    inputs = [c.claim for c in claims]
    try:
        with ctx.lock:
            if claims[0].precheck:
                return institution.precheck_claims(inputs)
            return institution.submit_claims(inputs)
    except ContractError as exc:
        return outcome(422, "processing", str(exc))
    except YibaoError as exc:
        return outcome(400, "invalid", str(exc))


def _claim(ctx: ServeContext, viewer: Viewer, text: bytes) -> Response:
    ns = ctx.namespace
    try:
        claim = parse_claim(text, ctx.pseudonym_of, ns)
    except FhirInputError as exc:
        return fhir(operation_outcome(exc), 400)
    decided = _decide(ctx, viewer, [claim], ["Claim"])
    if isinstance(decided, Response):
        return decided
    body = claim_response(claim, decided[0], namespace=ns, insurer=ledger_identifier(ns), created=ctx.now())
    return fhir(body)


def _batch(ctx: ServeContext, viewer: Viewer, text: bytes) -> Response:
    ns = ctx.namespace
    try:
        entries = read_batch(text, ctx.pseudonym_of, ns)
    except FhirInputError as exc:
        return fhir(operation_outcome(exc), 400)
    readable = [(e.claim, f"{e.path}.resource") for e in entries if e.claim is not None]
    results: list[ClaimResult] = []
    if readable:
        decided = _decide(ctx, viewer, [c for c, _ in readable], [p for _, p in readable])
        if isinstance(decided, Response):
            return decided
        results = decided
    return fhir(batch_response(entries, results, namespace=ns, created=ctx.now()))


__all__ = ["FHIR_JSON", "Search", "fhir", "fhir_router", "outcome"]
