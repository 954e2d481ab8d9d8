"""Keeping the service's index current: :class:`IndexFollower` reads the blocks mined since the
index's last one (``yibao.index.ingest.index_ledger``: incremental, idempotent, rolled back
after a reorg) before a read that needs them, and in the background every ``interval``
seconds, so that live pages (server-sent alerts) see new blocks without a request.

A read catches up first, so a hospital that submits a claim and then lists its claims sees it
(read-your-writes); the catch-up costs one ``eth_blockNumber`` when nothing was mined.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from yibao.index.chainread import block_hashes
from yibao.index.ingest import index_ledger

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from yibao.serve.context import ServeContext


class IndexFollower:
    """The index of ``ctx`` (``ctx.index``), caught up on demand and in a background thread."""

    def __init__(self, ctx: ServeContext, engine: Engine, interval: float = 1.0) -> None:
        self.ctx = ctx
        self.engine = engine
        self.interval = interval
        self.generation = 0  #: goes up each time new blocks were indexed
        self.last_error: str | None = None  #: the background thread's last failure, one line
        self._head: tuple[int, str | None] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def catch_up(self) -> bool:
        """Index what was mined since the last catch-up; whether there was anything."""
        with self._lock, self.ctx.lock:
            chain = self.ctx.ledger.chain
            number = chain.block_number()
            head = (number, block_hashes(chain, [number])[number])  # a revert to a snapshot is a new head
            if head == self._head:
                return False
            index_ledger(self.ctx.ledger, self.engine)
            self._head = head
            self.generation += 1
            return True

    def start(self) -> None:
        """Follow new blocks in a background thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="yibao-index-follower", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from yibao.errors import YibaoError

        while not self._stop.wait(self.interval):
            try:
                self.catch_up()
                self.last_error = None
            except (YibaoError, OSError) as exc:  # a node gone away: tried again at the next tick
                self.last_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    @property
    def running(self) -> bool:
        """Whether the background thread follows new blocks."""
        return self._thread is not None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


__all__ = ["IndexFollower"]
