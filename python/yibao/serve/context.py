"""What the service runs over (:class:`ServeContext`) and its signed-in sessions (:class:`Sessions`).

The context is built by ``yibao serve`` from a home (its manifest, keys, pseudonym key and
index) or by ``yibao demo --serve`` from the demo's world; tests build it by hand. The service
reads the index for its lists and the chain for what is current (roles, balances, scores), and
signs what a signed-in account asks with that account's key, which the context must hold.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eth_account.signers.local import LocalAccount

from yibao.client.ledger import Ledger
from yibao.serve.viewer import NotSignedIn, Viewer, viewer_of

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ServeContext:
    """What the application serves: the ledger, the keys it holds, the operator's pseudonym
    function, the index, its own name (the sign-in domain and URI) and its clock."""

    ledger: Ledger
    signer_of: Callable[[str], LocalAccount | None]
    pseudonym_of: Callable[[str], bytes]
    index: Engine | None = None
    names: dict[str, str] = field(default_factory=dict)
    """Institutions' names by account (``names.json`` of the home, or the demo's world)."""
    domain: str = "localhost"
    uri: str = "http://localhost/auth"
    now: Callable[[], dt.datetime] = field(default=_utc_now)
    session_lifetime: dt.timedelta = dt.timedelta(hours=8)
    challenge_lifetime: dt.timedelta = dt.timedelta(minutes=10)
    roles_lifetime: dt.timedelta = dt.timedelta(seconds=60)
    """A session's roles are read again from the chain when they are older than this."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while the chain is used: requests are served from threads, a chain's nonces are not."""

    @property
    def namespace(self) -> str:
        """The ledger's URN, ``urn:ethereum:<chain id>:<ledger address>``."""
        return f"urn:ethereum:{self.ledger.chain.chain_id}:{self.ledger.address}"

    def urn(self, account: str) -> str:
        """An account's URN on this chain, ``urn:ethereum:<chain id>:<account>``."""
        return f"urn:ethereum:{self.ledger.chain.chain_id}:{account}"

    def viewer(self, account: str) -> Viewer:
        """``account``'s roles as the chain has them now."""
        with self.lock:
            return viewer_of(self.ledger, account)

    def signer(self, viewer: Viewer) -> LocalAccount:
        """The held key of the signed-in account; :class:`~yibao.serve.viewer.Forbidden` when the
        service holds none."""
        from yibao.serve.viewer import Forbidden

        key = self.signer_of(viewer.account)
        if key is None:
            raise Forbidden(f"this service holds no key for {viewer.account}: import it into its home")
        return key


@dataclass
class _Session:
    viewer: Viewer
    expires: dt.datetime
    read_at: dt.datetime


class Sessions:
    """One-time sign-in nonces (each for one account, until it expires or is used) and bearer
    session tokens; expired ones are swept whenever a new one is made."""

    def __init__(self, ctx: ServeContext) -> None:
        self.ctx = ctx
        self._nonces: dict[str, tuple[str, dt.datetime]] = {}
        self._tokens: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def new_nonce(self, account: str, nonce: str, now: dt.datetime) -> None:
        with self._lock:
            self._nonces = {n: v for n, v in self._nonces.items() if v[1] > now}
            self._nonces[nonce] = (account, now + self.ctx.challenge_lifetime)

    def take_nonce(self, nonce: str, now: dt.datetime) -> str | None:
        """The account a live nonce was given for, used up whatever the outcome; None if none."""
        with self._lock:
            given = self._nonces.pop(nonce, None)
        return given[0] if given is not None and now < given[1] else None

    def start(self, viewer: Viewer, now: dt.datetime) -> tuple[str, dt.datetime]:
        token = secrets.token_urlsafe(32)
        expires = now + self.ctx.session_lifetime
        with self._lock:
            self._tokens = {t: s for t, s in self._tokens.items() if s.expires > now}
            self._tokens[token] = _Session(viewer, expires, now)
        return token, expires

    def end(self, token: str) -> bool:
        with self._lock:
            return self._tokens.pop(token, None) is not None

    def viewer(self, token: str | None) -> Viewer:
        """The session's viewer (its roles read again when older than ``roles_lifetime``);
        :class:`NotSignedIn` when there is no such session or it expired."""
        now = self.ctx.now()
        with self._lock:
            found = self._tokens.get(token or "")
            if found is None or now >= found.expires:
                self._tokens.pop(token or "", None)
                raise NotSignedIn("not signed in, or the session expired: sign in at /auth/session")
            stale = now - found.read_at >= self.ctx.roles_lifetime
        if stale:
            fresh = self.ctx.viewer(found.viewer.account)
            with self._lock:
                found.viewer, found.read_at = fresh, now
        return found.viewer

    def __len__(self) -> int:
        with self._lock:
            return len(self._tokens)


__all__ = ["ServeContext", "Sessions"]
