"""The service's web application (issue 16, begun): sign-in with an Ethereum account and the FHIR
claim endpoint for hospitals. (``yibao serve``, the JSON reads and the dashboard come next.)

- ``GET /auth/challenge?address=0x…``: an EIP-4361 message for that account, with a one-time nonce;
- ``POST /auth/session`` ``{"message", "signature"}``: the signed message signs the account in:
  ``{"token", "account", "expires"}``; the token goes in ``Authorization: Bearer …``;
- ``POST /fhir/Claim``: a FHIR R4B ``Claim`` of the signed-in institution (``Claim.provider``
  must be its account): ``use = claim`` submits it and answers its ``ClaimResponse`` at once;
  ``use = preauthorization`` is the pre-check, the same answer with nothing recorded.

The service signs an institution's submissions with that institution's key, which it must hold
(``signer_of``; as the CLI's ``--as``): signing in proves who asks, the held key sends. Every
refusal is one line: a JSON body ``{"error", "message"}`` on ``/auth``, an ``OperationOutcome``
on ``/fhir`` (400 unreadable, 401 not signed in, 403 not this institution's, 422 refused by the
ledger), and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from fastapi.concurrency import run_in_threadpool

from yibao.client.ledger import Ledger
from yibao.errors import ContractError, InputError, SignInRefused, YibaoError
from yibao.keys import checksum_address
from yibao.serve.fhir_claims import FhirInputError, claim_response, operation_outcome, outcome_text, parse_claim
from yibao.serve.siwe import challenge, new_nonce, verify

FHIR_JSON = "application/fhir+json"


@dataclass
class ServeContext:
    """What the application serves: the ledger, the keys it holds, the operator's pseudonym
    function, its own name (the sign-in domain and URI) and its clock."""

    ledger: Ledger
    signer_of: Callable[[str], LocalAccount | None]
    pseudonym_of: Callable[[str], bytes]
    domain: str = "localhost"
    uri: str = "http://localhost/auth"
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    session_lifetime: dt.timedelta = dt.timedelta(hours=8)
    challenge_lifetime: dt.timedelta = dt.timedelta(minutes=10)
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while a transaction is sent: requests are served from threads, nonces are not."""

    @property
    def namespace(self) -> str:
        """The ledger's URN, ``urn:ethereum:<chain id>:<ledger address>``."""
        return f"urn:ethereum:{self.ledger.chain.chain_id}:{self.ledger.address}"


class SessionIn(BaseModel):
    """A signed sign-in message."""

    message: str
    signature: str


class _Sessions:
    """One-time nonces (each for one account, until it expires or is used) and session tokens."""

    def __init__(self) -> None:
        self.nonces: dict[str, tuple[str, dt.datetime]] = {}
        self.tokens: dict[str, tuple[str, dt.datetime]] = {}
        self.lock = threading.Lock()

    def account(self, request: Request, now: dt.datetime) -> str | None:
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        with self.lock:
            found = self.tokens.get(token)
            if found is None or now >= found[1]:
                self.tokens.pop(token, None)
                return None
            return found[0]


def _error(status: int, name: str, message: str) -> JSONResponse:
    return JSONResponse({"error": name, "message": message}, status_code=status)


def _outcome(status: int, code: str, message: str, expression: str | None = None) -> Response:
    return Response(outcome_text(code, message, expression), status_code=status, media_type=FHIR_JSON)


def create_app(ctx: ServeContext) -> FastAPI:
    """The application over ``ctx`` (module docstring)."""
    app = FastAPI(title="yibao 医保", version="0.1.0",
                  description="Medical insurance on an EVM ledger: FHIR claims for hospitals (begun).")
    sessions = _Sessions()

    @app.get("/auth/challenge")
    def get_challenge(address: str) -> Response:
        """An EIP-4361 message for ``address`` to sign, valid for ten minutes."""
        try:
            account = checksum_address(address, "address")
        except InputError as exc:
            return _error(400, "InputError", str(exc))
        now = ctx.now()
        nonce = new_nonce()
        with sessions.lock:
            sessions.nonces = {n: v for n, v in sessions.nonces.items() if v[1] > now}
            sessions.nonces[nonce] = (account, now + ctx.challenge_lifetime)
        msg = challenge(ctx.domain, account, ctx.uri, ctx.ledger.chain.chain_id, nonce, now, ctx.challenge_lifetime)
        return JSONResponse({"message": msg.text()})

    @app.post("/auth/session")
    def post_session(body: SessionIn) -> Response:
        """Sign in: the challenge's message, signed by its account."""
        now = ctx.now()
        nonce = next((line[7:] for line in body.message.split("\n") if line.startswith("Nonce: ")), "")
        with sessions.lock:
            given = sessions.nonces.pop(nonce, None)  # one use, whatever the outcome
        if given is None or now >= given[1]:
            return _error(401, "SignInRefused", "sign-in message: not a nonce this server gave, or it expired "
                                                "(ask for a new challenge)")
        try:
            account = verify(body.message, body.signature, domain=ctx.domain, chain_id=ctx.ledger.chain.chain_id,
                             nonce=nonce, now=now)
        except SignInRefused as exc:
            return _error(401, "SignInRefused", str(exc))
        if account != given[0]:
            return _error(401, "SignInRefused", f"sign-in message: the challenge was for {given[0]}")
        token = secrets.token_urlsafe(32)
        expires = now + ctx.session_lifetime
        with sessions.lock:
            sessions.tokens[token] = (account, expires)
        return JSONResponse({"token": token, "account": account, "expires": expires.isoformat()})

    @app.post("/fhir/Claim")
    async def post_claim(request: Request) -> Response:
        """A hospital's FHIR Claim: submitted (``use = claim``) or pre-checked (``preauthorization``)."""
        account = sessions.account(request, ctx.now())
        if account is None:
            return _outcome(401, "login", "not signed in, or the session expired: sign in at /auth/session")
        text = await request.body()
        return await run_in_threadpool(_claim, ctx, account, text)  # the chain calls block: off the event loop

    return app


def _claim(ctx: ServeContext, account: str, text: bytes) -> Response:
    ns = ctx.namespace
    try:
        claim = parse_claim(text, ctx.pseudonym_of, ns)
    except FhirInputError as exc:
        return Response(operation_outcome(exc), status_code=400, media_type=FHIR_JSON)
    mine = f"urn:ethereum:{ctx.ledger.chain.chain_id}:{account}"
    if claim.provider != mine:
        return _outcome(403, "forbidden", f"Claim.provider is {claim.provider}, not the signed-in {mine}",
                        "Claim.provider.identifier")
    signer = ctx.signer_of(account)
    if signer is None:
        return _outcome(403, "forbidden", f"this service holds no key for {account}: import it into its home")
    institution = ctx.ledger.acting_as(signer)
    try:
        with ctx.lock:
            if claim.precheck:
                [result] = institution.precheck_claims([claim.claim])
            else:
                [result] = institution.submit_claims([claim.claim])
    except ContractError as exc:
        return _outcome(422, "processing", str(exc))
    except YibaoError as exc:
        return _outcome(400, "invalid", str(exc))
    body = claim_response(claim, result, namespace=ns, insurer={"system": "urn:ietf:rfc:3986", "value": ns},
                          created=ctx.now())
    return Response(body, status_code=200, media_type=FHIR_JSON)


__all__ = ["FHIR_JSON", "ServeContext", "SessionIn", "create_app"]
