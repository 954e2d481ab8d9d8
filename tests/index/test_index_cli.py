"""``yibao index``: the default SQLite file in the home, ``--db`` URLs, JSON output, attributes,
and refusals on one line with exit status 2 that change nothing."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from yibao.cli import run
from yibao.identity import check_digit
from yibao.index import schema
from yibao.index.database import bind, open_index, read_meta


class Cli:
    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.home, self.capsys = home, capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = run([*args, "--home", str(self.home)])
        cap = self.capsys.readouterr()
        return code, cap.out, cap.err

    def json(self, *args: str) -> dict:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def refused(self, *args: str) -> tuple[dict, str]:
        code, out, err = self(*args, "--json")
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), err
        return json.loads(out.strip().splitlines()[-1]), err


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home deployed once for the module, with one region."""
    import contextlib
    import io

    path = tmp_path_factory.mktemp("index-cli") / "home"
    for argv in (["deploy"], ["region", "add", "500000", "Chongqing", "--fund", "100000000"]):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert run([*argv, "--home", str(path)]) == 0
    return path


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(home, capsys)


def _nid(n: int) -> str:
    first = f"11010119900101{n:03d}"
    return first + check_digit(first)


def _state(url: str) -> tuple[dict[str, str], int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return read_meta(conn), int(conn.execute(sa.select(sa.func.count()).select_from(
                schema.person_attributes)).scalar_one())
    finally:
        engine.dispose()


def test_index_by_url_with_attributes(cli: Cli, database_url: str, tmp_path: Path) -> None:
    doc = cli.json("index", "--db", database_url)
    assert doc["blocks"] > 0 and doc["rows"] >= 1 and doc["claims"] == 0 and doc["rolled_back"] == 0
    assert cli.json("index", "--db", database_url)["rows"] == 0  # nothing twice (the home may add empty blocks)
    before = _state(database_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("national_id,region,scheme,coverage_from,coverage_to,sex\n"
                   f"{_nid(1)},500000,EMPLOYEE,2026-01-01,2026-12-31,Q\n"
                   f"{_nid(2)},500000,EMPLOYEE,2026-01-01,2026-12-31,W\n")
    err_doc, _ = cli.refused("index", "--db", database_url, "--people", str(bad))
    assert err_doc["error"] == "InputError" and len(err_doc["problems"]) == 2
    assert _state(database_url) == before
    good = tmp_path / "people.csv"
    good.write_text("national_id,region,scheme,coverage_from,coverage_to,sex,birth_date\n"
                    f"{_nid(1)},500000,EMPLOYEE,2026-01-01,2026-12-31,F,1980-05-06\n")
    items = tmp_path / "items.csv"
    items.write_text("region,code,category,sex\n500000,XA01,A,F\n")
    doc = cli.json("index", "--db", database_url, "--people", str(good), "--catalogue", str(items))
    assert (doc["people"], doc["items"]) == (1, 1)
    assert _state(database_url)[1] == 1


def test_the_default_index_is_in_the_home(cli: Cli) -> None:
    code, out, err = cli("index")
    assert code == 0, err
    assert "indexed" in out and "index: sqlite:///" in out
    assert (cli.home / "index.db").exists()


def test_an_index_of_another_ledger_is_refused(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = open_index(url)
    bind(engine, 1, "0x" + "ab" * 20, 1)
    engine.dispose()
    doc, err = cli.refused("index", "--db", url)
    assert doc["error"] == "IndexMismatch" and "holds chain 1 ledger 0x" in err and "not chain " in err
    assert _state(url)[0]["last_block"] == "0"


def test_an_unreachable_database_is_refused(cli: Cli) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    doc, err = cli.refused("index", "--db", f"postgresql+psycopg://u:hunter2@127.0.0.1:{port}/x")
    assert doc["error"] == "DatabaseUnreachable" and "hunter2" not in err and "u:***@" in err
    doc, _ = cli.refused("index", "--db", "nosuch://x")
    assert doc["error"] == "DatabaseUnreachable"
