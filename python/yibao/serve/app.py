"""The service's web application: sign-in with an Ethereum account (:mod:`yibao.serve.auth`),
the FHIR endpoints for hospitals (:mod:`yibao.serve.fhir_api`), the JSON API
(:mod:`yibao.serve.api`, :mod:`yibao.serve.actions`) and the dashboard's pages
(:mod:`yibao.serve.pages`, assets under ``/static``), over one
:class:`~yibao.serve.context.ServeContext`.

Every refusal is one line and changes nothing: an ``OperationOutcome`` under ``/fhir``, a JSON
body ``{"error", "message"}`` elsewhere (401 not signed in, 403 not this account's to see or do,
404 not found, 400 bad input, 422 refused by the ledger).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yibao.errors import InputError
from yibao.serve.actions import actions_router
from yibao.serve.api import api_router
from yibao.serve.auth import auth_router, error
from yibao.serve.context import ServeContext, Sessions
from yibao.serve.fhir_api import fhir_router, outcome
from yibao.serve.follower import IndexFollower
from yibao.serve.pages import pages_router
from yibao.serve.viewer import Refused
from yibao.serve.views import Views


def _refusal(request: Request, status: int, code: str, name: str, message: str,
             expression: str | None = None) -> Response:
    if request.url.path.startswith("/fhir"):
        return outcome(status, code, message, expression)
    return error(status, name, message)


def create_app(ctx: ServeContext, *, follow: bool = False) -> FastAPI:
    """The application over ``ctx`` (module docstring). With an index (``ctx.index``) the lists
    read it, caught up before each read; ``follow`` also follows new blocks in the background
    while the application runs (``yibao serve``)."""
    follower = IndexFollower(ctx, ctx.index) if ctx.index is not None else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if follower is not None and follow:
            follower.start()
        try:
            yield
        finally:
            if follower is not None:
                follower.stop()

    app = FastAPI(title="yibao 医保", version="0.1.0", lifespan=lifespan,
                  description="Medical insurance on an EVM ledger: FHIR R4B claims for hospitals, the JSON "
                              "reads of regulators, institutions and patients; sign in with an Ethereum account.")
    sessions = Sessions(ctx)
    app.state.sessions = sessions
    app.state.follower = follower

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return _refusal(request, exc.status, exc.code, type(exc).__name__, str(exc), exc.expression)

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        return _refusal(request, 400, "invalid", type(exc).__name__, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
        return _refusal(request, 400, "invalid", "InputError", f"{where}: {first.get('msg', 'invalid')}", where)

    app.include_router(auth_router(ctx, sessions))
    app.include_router(fhir_router(ctx, sessions))
    views = Views(ctx, follower)
    app.state.views = views
    app.include_router(actions_router(ctx, sessions, follower))
    app.include_router(api_router(views, sessions))
    app.include_router(pages_router(views, sessions))
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(BodyLimit, limit=BODY_LIMIT)
    return app


#: The largest request body read (bytes): a batch Bundle of 200 claims of 40 lines is about 2 MB.
BODY_LIMIT = 8 << 20
STATIC = Path(__file__).parent / "static"


class BodyLimit:
    """ASGI middleware: a request whose body is over ``limit`` bytes is a 413 (one line, nothing
    read further), whether it says its length or streams it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        text = f"the request body is over {self.limit:,} bytes"
        path = str(scope.get("path", ""))
        answer = outcome(413, "too-costly", text) if path.startswith("/fhir") else error(413, "TooLarge", text)
        await answer(scope, receive, send)


class _TooLarge(Exception):
    pass


__all__ = ["BODY_LIMIT", "BodyLimit", "create_app"]
