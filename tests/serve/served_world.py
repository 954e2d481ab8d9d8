"""The demo's world as the service serves it, for the JSON API's tests: a small demo year
(60 people, 400 claims, seed 7) played once per session on the embedded chain, with its
planted alerts, screening leads, cases, settlements, cross-region clearing and the patients'
records, consents and trail; then served as ``yibao demo --serve`` serves it.

``served`` (per test) reverts the chain to the played state afterwards and gives each test its
own copy of the demo's SQLite index; ``served_db`` also serves the same world from a
PostgreSQL index (the chain re-indexed into it, the off-chain leads copied), read-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from worlds.postgres import postgres_database

from yibao import demo
from yibao.chain import dev_account
from yibao.chain.backend import Chain
from yibao.demo import DemoRun, play_demo
from yibao.demo.served import demo_context
from yibao.demo.world_rules import CQ, GZ, SETUP_DAY
from yibao.index import schema
from yibao.index.database import open_index
from yibao.index.ingest import index_ledger
from yibao.serve.app import create_app
from yibao.serve.context import ServeContext
from yibao.units import noon_cst

STRANGER = dev_account(9)  # no role in the demo's world


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    chain = Chain.embedded(genesis_timestamp=noon_cst(SETUP_DAY) - 86_400)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo, "open_chain", lambda rpc, engine: chain)
        return play_demo(people=60, claims=400, seed=7, out_dir=tmp_path_factory.mktemp("served-demo"))


@dataclass
class Served:
    """The service over the demo's world, and who is who in it."""

    client: TestClient
    run: DemoRun
    ctx: ServeContext

    @property
    def player(self) -> Any:
        return self.run.player

    def regulator(self, region: int) -> LocalAccount:
        return self.player.regulator[region]  # type: ignore[no-any-return]

    def institution(self, key: str) -> LocalAccount:
        return self.player.inst_acct[key]  # type: ignore[no-any-return]

    def patient(self, i: int) -> LocalAccount:
        return self.player.patient_wallets[i]  # type: ignore[no-any-return]

    def patient_row(self, i: int) -> dict[str, Any]:
        return self.run.doc["patients"][i]  # type: ignore[no-any-return]

    def sign_in(self, account: LocalAccount) -> dict[str, str]:
        """Bearer headers of a fresh session of ``account``."""
        msg = self.client.get("/auth/challenge", params={"address": account.address}).json()["message"]
        sig = Account.sign_message(encode_defunct(text=msg), account.key).signature.hex()
        r = self.client.post("/auth/session", json={"message": msg, "signature": "0x" + sig.removeprefix("0x")})
        assert r.status_code == 200, r.text
        self.client.cookies.clear()  # each request names its session by its header
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def index(self) -> sa.engine.Engine:
        assert self.ctx.index is not None
        return self.ctx.index


def _serve(run: DemoRun, index_url: str) -> Served:
    base = demo_context(run)
    assert base.index is not None
    base.index.dispose()
    ctx = replace(base, index=open_index(index_url))
    return Served(TestClient(create_app(ctx)), run, ctx)


@pytest.fixture
def served(demo_run: DemoRun, tmp_path: Path) -> Iterator[Served]:
    assert demo_run.out_dir is not None
    copy = tmp_path / "index.db"
    shutil.copy(demo_run.out_dir / "index.db", copy)
    chain = demo_run.ledger.chain
    snap = chain.snapshot()
    s = _serve(demo_run, f"sqlite:///{copy}")
    try:
        yield s
    finally:
        s.index().dispose()
        chain.revert(snap)


OFF_CHAIN = (schema.leads, schema.lead_claims, schema.person_attributes, schema.item_restrictions)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served_db(request: pytest.FixtureRequest, demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Served]:
    """The played world served read-only from SQLite (the demo's own index) and from PostgreSQL."""
    assert demo_run.out_dir is not None
    own = f"sqlite:///{demo_run.out_dir / 'index.db'}"
    if request.param == "sqlite":
        copy = tmp_path_factory.mktemp("served-sqlite") / "index.db"
        shutil.copy(demo_run.out_dir / "index.db", copy)
        s = _serve(demo_run, f"sqlite:///{copy}")
        yield s
        s.index().dispose()
        return
    server: str = request.getfixturevalue("postgres_server")
    with postgres_database(server, f"served_{id(request)}") as url:
        pg = open_index(url)
        index_ledger(demo_run.ledger, pg)
        source = open_index(own)
        with source.connect() as src, pg.begin() as dst:
            for table in OFF_CHAIN:
                rows = [dict(r) for r in src.execute(sa.select(table)).mappings()]
                if rows:
                    dst.execute(table.insert(), rows)
        source.dispose()
        pg.dispose()
        s = _serve(demo_run, url)
        yield s
        s.index().dispose()

__all__ = ["CQ", "GZ", "STRANGER", "Served", "demo_run", "served", "served_db"]
