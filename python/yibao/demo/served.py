"""The demo's world as the service serves it (``yibao demo --serve``): the played ledger, the
index the demo wrote (``index.db`` in its output folder), the institutions' names, the world's
pseudonym key, and every key of the world — the bureau's (admin, regulators, operators,
reviewers), the institutions' and the patients' wallets — so that any of them can sign in and act.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from eth_account.signers.local import LocalAccount

from yibao.demo.screening_report import INDEX_FILE
from yibao.demo.world import INST_BY_KEY
from yibao.serve.context import ServeContext

if TYPE_CHECKING:
    from yibao.demo.run import DemoRun


def demo_keys(run: DemoRun) -> dict[str, tuple[str, LocalAccount]]:
    """Every key of the demo's world by address: its role's name and the account."""
    pl = run.player
    assert pl is not None
    keys: dict[str, tuple[str, LocalAccount]] = {pl.admin.address: ("admin", pl.admin)}
    for region, acct in pl.regulator.items():
        keys[acct.address] = (f"regulator {region}", acct)
    for region, acct in pl.operator.items():
        keys[acct.address] = (f"operator {region}", acct)
    for i, acct in enumerate(pl.reviewers):
        keys[acct.address] = (f"reviewer {i + 1}", acct)
    for key, acct in pl.inst_acct.items():
        keys[acct.address] = (INST_BY_KEY[key].name, acct)
    for i, acct in enumerate(pl.patient_wallets):
        keys[acct.address] = (f"patient {i + 1}", acct)
    return keys


def demo_context(run: DemoRun, *, domain: str = "127.0.0.1:8000", uri: str = "http://127.0.0.1:8000/auth"
                 ) -> ServeContext:
    """The service's context over a finished demo (module docstring)."""
    from yibao.index.database import open_index

    pl = run.player
    assert pl is not None and run.out_dir is not None
    keys = {address: acct for address, (_, acct) in demo_keys(run).items()}
    names: dict[str, str] = {str(acct.address): INST_BY_KEY[key].name for key, acct in pl.inst_acct.items()}
    engine = open_index(f"sqlite:///{run.out_dir / INDEX_FILE}")
    return ServeContext(run.ledger, keys.get, pl.world.key.pseudonym, index=engine, names=names, domain=domain,
                        uri=uri)


def serve_demo(run: DemoRun, *, port: int = 8000, say: Callable[[str], None] | None = None) -> None:
    """Serve the finished demo's world on ``127.0.0.1:port`` until Ctrl-C or SIGTERM, following
    new blocks; ``say`` is told where, and who can sign in."""
    from yibao.index.ingest import index_ledger
    from yibao.serve.app import create_app
    from yibao.serve.server import run as run_server

    url = f"http://127.0.0.1:{port}"
    ctx = demo_context(run, domain=f"127.0.0.1:{port}", uri=f"{url}/auth")
    assert ctx.index is not None
    index_ledger(ctx.ledger, ctx.index)  # what the demo did after its screening (the patients' side)
    if say is not None:
        say(f"serving the demo's world at {url} (API docs {url}/docs); Ctrl-C stops it. Sign in as:")
        for address, (name, _) in demo_keys(run).items():
            say(f"  {name}: {address}")
    try:
        run_server(create_app(ctx, follow=True), "127.0.0.1", port)
    finally:
        ctx.index.dispose()


__all__ = ["demo_context", "demo_keys", "serve_demo"]
