"""The live alert feed (server-sent events): the regulator's new alerts as they are mined.

Each alert is one event ``alert`` with the alert's JSON (as ``/api/alerts`` lists it) and its
id as the event id, so a browser's ``EventSource`` that reconnects goes on after the last one it
saw (``Last-Event-ID``). The feed looks at the index every :data:`POLL_SECONDS` (catching it up
first), sends a comment line every :data:`KEEPALIVE_SECONDS` so that proxies keep it open, and
ends when the client goes away (or after ``count`` alerts, or ``max_seconds``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from yibao.client.queries import Page
from yibao.serve import reads
from yibao.serve.viewer import Viewer

if TYPE_CHECKING:
    from yibao.serve.views import Views

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
BATCH = 100


def _last_id(views: Views, v: Viewer) -> int:
    with views.index() as conn:
        latest = reads.latest_alerts(conn, v, 1)
    return int(latest[0]["id"]) if latest else 0


def _after(views: Views, v: Viewer, last: int) -> list[dict[str, object]]:
    return list(views.alerts(v, reads.AlertFilter(after_id=last), Page(BATCH, 0))["alerts"])


def alert_stream(views: Views, v: Viewer, request: Request, after: int | None, count: int | None = None,
                 max_seconds: float | None = None) -> StreamingResponse:
    """The feed of ``v``'s new alerts after alert id ``after`` (default: the newest now), ended
    after ``count`` alerts or ``max_seconds`` if given."""
    given = request.headers.get("last-event-id", "")
    start = int(given) if given.isdigit() else after

    async def events() -> AsyncIterator[str]:
        last = start if start is not None else await run_in_threadpool(_last_id, views, v)
        sent, quiet_since = 0, time.monotonic()
        ends = None if max_seconds is None else quiet_since + max_seconds
        yield "retry: 3000\n: yibao alerts\n\n"
        while not await request.is_disconnected() and (ends is None or time.monotonic() < ends):
            for alert in await run_in_threadpool(_after, views, v, last):
                last = int(str(alert["id"]))
                yield f"id: {last}\nevent: alert\ndata: {json.dumps(alert, ensure_ascii=False)}\n\n"
                sent += 1
                quiet_since = time.monotonic()
                if count is not None and sent >= count:
                    return
            if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


__all__ = ["BATCH", "KEEPALIVE_SECONDS", "POLL_SECONDS", "alert_stream"]
