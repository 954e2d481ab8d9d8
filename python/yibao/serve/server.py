"""Running the service: :func:`home_context` builds a :class:`ServeContext` from a CLI home, and
:func:`run` serves an application with uvicorn until Ctrl-C or SIGTERM.

From a home the service takes the deployment (its manifest, the node in it or ``--rpc``, or the
embedded chain replayed from the journal), the index (``--db``, default the home's
``index.db``, caught up before the first request), the institutions' names (``names.json``),
the operator's pseudonym key (``pseudonym.key`` or ``$YIBAO_PSEUDONYM_KEY``, to read a national
ID in a FHIR claim) and the keys it signs with: every key of the home's ring it can open without
a prompt — the dev keys on a dev chain, and each keystore whose password is in
``$YIBAO_KEY_PASSWORD_<NAME>``, ``$YIBAO_KEY_PASSWORD`` or ``--password-file``. A signed-in
account whose key it does not hold may read but not act.

Over the embedded chain the service holds the home's journal lock while it runs (another
``yibao`` command on that home waits for it, then says so); over a node it holds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from yibao.errors import InputError, YibaoError
from yibao.serve.context import ServeContext

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from fastapi import FastAPI

    from yibao.workspace import Workspace


@dataclass
class HeldKeys:
    """The keys the service signs with, by address, and the ones it could not open (name → why)."""

    keys: dict[str, LocalAccount] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def get(self, address: str) -> LocalAccount | None:
        return self.keys.get(address)


def hold_keys(ws: Workspace, chain: Any, password_file: Path | None = None) -> HeldKeys:
    """Open every key of ``ws``'s ring that opens without a prompt (module docstring)."""
    from yibao.keys import KeyRing, Passwords, is_dev_chain

    held = HeldKeys()
    ring = KeyRing(ws.home)
    passwords = Passwords(password_file, prompt=False)
    dev_ok = is_dev_chain(chain)
    for name, entry in sorted(ring.entries().items()):
        if entry.dev is not None and not dev_ok:
            held.skipped[name] = "a public dev key, on a chain that is not a dev chain"
            continue
        if entry.dev is None and entry.keystore is None:
            held.skipped[name] = "an address only"
            continue
        try:
            account = ring.signer(name, passwords, "the service")
        except YibaoError as exc:
            held.skipped[name] = str(exc)
            continue
        held.keys[account.address] = account
        held.names[account.address] = name
    return held


def public_name(url: str) -> tuple[str, str]:
    """The sign-in domain and URI of a service reached at ``url`` (``http://host:port``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--public-url {url[:80]!r}: an http:// or https:// URL with a host")
    return parts.netloc, f"{parts.scheme}://{parts.netloc}/auth"


def home_context(ws: Workspace, *, rpc: str | None = None, manifest: Path | None = None, db: str | None = None,
                 password_file: Path | None = None, public_url: str = "http://127.0.0.1:8000"
                 ) -> tuple[ServeContext, HeldKeys]:
    """The service's context over the home ``ws`` (module docstring); the index is opened and
    migrated, not yet caught up."""
    from yibao.client import Ledger
    from yibao.identity import PseudonymKey
    from yibao.index.database import default_url, open_index
    from yibao.names import Names

    domain, uri = public_name(public_url)
    chain, found = ws.open_chain(rpc, manifest)
    ledger = Ledger.open(chain, found)
    held = hold_keys(ws, chain, password_file)
    names = Names.beside(manifest or ws.manifest_path, ledger.address).to_json().get("institutions", {})
    engine = open_index(db or default_url(ws.home))
    key_path = ws.pseudonym_key_path

    def pseudonym_of(national_id: str) -> bytes:
        return PseudonymKey.from_env_or_file(key_path).pseudonym(national_id)

    ctx = ServeContext(ledger, held.get, pseudonym_of, index=engine, names=dict(names), domain=domain, uri=uri)
    return ctx, held


def run(app: FastAPI, host: str, port: int) -> None:
    """Serve ``app`` on ``host:port`` until Ctrl-C or SIGTERM, then return: a stop asked for is
    a normal end (exit status 0), not the signal raised again as uvicorn itself would."""
    import signal
    from types import FrameType

    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True  # a second Ctrl-C: stop without waiting for open requests
            self.should_exit = True

    Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)).run()


class Background:
    """``app`` served by uvicorn in a thread on ``127.0.0.1:port`` (a free port when 0), for
    benchmarks and tests: ``with Background(app_for) as url: …``. ``app_for`` is called with the
    base URL first, so that the application can name itself (the sign-in domain)."""

    def __init__(self, app_for: Callable[[str], FastAPI], port: int = 0) -> None:
        import socket

        if port == 0:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.app = app_for(self.url)
        self._server: Any = None
        self._thread: Any = None

    def __enter__(self) -> str:
        import threading
        import time

        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                     log_level="warning", access_log=False))
        self._thread = threading.Thread(target=self._server.run, name="yibao-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise InputError(f"the service did not start on 127.0.0.1:{self.port}")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


__all__ = ["Background", "HeldKeys", "hold_keys", "home_context", "public_name", "run"]
