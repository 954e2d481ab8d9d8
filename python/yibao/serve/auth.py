"""Sign-in with an Ethereum account (EIP-4361) and the session every other request carries.

- ``GET /auth/challenge?address=0x…``: a message for that account to sign, with a one-time nonce;
- ``POST /auth/session`` ``{"message", "signature"}``: signs the account in and answers
  ``{"token", "account", "roles", "expires"}``; the token goes in ``Authorization: Bearer …``
  (or in the ``yibao_session`` cookie the answer also sets, HttpOnly and SameSite=Strict, for
  the dashboard's pages);
- ``DELETE /auth/session``: signs out;
- ``GET /auth/me``: the signed-in account and its roles.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from yibao.errors import InputError, SignInRefused
from yibao.keys import checksum_address
from yibao.serve.context import ServeContext, Sessions
from yibao.serve.siwe import challenge, new_nonce, verify
from yibao.serve.viewer import Viewer

COOKIE = "yibao_session"


class SessionIn(BaseModel):
    """A signed sign-in message."""

    message: str
    signature: str


def token_of(request: Request) -> str | None:
    """The session token a request carries: the bearer token, else the session cookie."""
    auth = request.headers.get("authorization", "")
    if auth.startswith("Bearer "):
        return auth.removeprefix("Bearer ").strip()
    return request.cookies.get(COOKIE)


def error(status: int, name: str, message: str) -> JSONResponse:
    """The JSON error body of a refusal: ``{"error", "message"}``."""
    return JSONResponse({"error": name, "message": message}, status_code=status)


def auth_router(ctx: ServeContext, sessions: Sessions) -> APIRouter:
    """The ``/auth`` endpoints (module docstring)."""
    router = APIRouter(prefix="/auth", tags=["sign-in"])

    @router.get("/challenge")
    def get_challenge(address: str) -> Response:
        """An EIP-4361 message for ``address`` to sign, valid for ten minutes."""
        try:
            account = checksum_address(address, "address")
        except InputError as exc:
            return error(400, "InputError", str(exc))
        now = ctx.now()
        nonce = new_nonce()
        sessions.new_nonce(account, nonce, now)
        msg = challenge(ctx.domain, account, ctx.uri, ctx.ledger.chain.chain_id, nonce, now, ctx.challenge_lifetime)
        return JSONResponse({"message": msg.text()})

    @router.post("/session")
    def post_session(body: SessionIn) -> Response:
        """Sign in: the challenge's message, signed by its account."""
        now = ctx.now()
        nonce = next((line[7:] for line in body.message.split("\n") if line.startswith("Nonce: ")), "")
        given = sessions.take_nonce(nonce, now)  # one use, whatever the outcome
        if given is None:
            return error(401, "SignInRefused", "sign-in message: not a nonce this server gave, or it expired "
                                               "(ask for a new challenge)")
        try:
            account = verify(body.message, body.signature, domain=ctx.domain, chain_id=ctx.ledger.chain.chain_id,
                             nonce=nonce, now=now)
        except SignInRefused as exc:
            return error(401, "SignInRefused", str(exc))
        if account != given:
            return error(401, "SignInRefused", f"sign-in message: the challenge was for {given}")
        viewer = ctx.viewer(account)
        token, expires = sessions.start(viewer, now)
        answer = JSONResponse({"token": token, **viewer.to_json(), "expires": expires.isoformat()})
        answer.set_cookie(COOKIE, token, max_age=int(ctx.session_lifetime.total_seconds()), httponly=True,
                          samesite="strict", secure=ctx.uri.startswith("https:"))
        return answer

    @router.delete("/session")
    def delete_session(request: Request) -> Response:
        """Sign out: the session ends at once."""
        ended = sessions.end(token_of(request) or "")
        answer = JSONResponse({"signed_out": ended})
        answer.delete_cookie(COOKIE)
        return answer

    @router.get("/me")
    def me(request: Request) -> dict[str, object]:
        """The signed-in account and its roles."""
        return sessions.viewer(token_of(request)).to_json()

    return router


def signed_in(sessions: Sessions, request: Request) -> Viewer:
    """The request's signed-in viewer; :class:`~yibao.serve.viewer.NotSignedIn` otherwise."""
    return sessions.viewer(token_of(request))


__all__ = ["COOKIE", "SessionIn", "auth_router", "error", "signed_in", "token_of"]
