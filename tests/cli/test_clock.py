"""A trial home's pinned clock (``yibao deploy --start``, ``yibao clock``): every command of the
home runs on the chosen day whatever the wall clock says, the clock moves only forward and only
when told, a replay rebuilds the same chain, and a dev node's clock moves the same way."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cli_runner import Cli
from yibao.client import Ledger
from yibao.workspace import Workspace


def today_by_call(home: Path) -> dt.date:
    """The contract's ``today()`` as a read-only call sees it."""
    chain, manifest = Workspace.at(home).open_chain(None, None)
    try:
        return Ledger.open(chain, manifest).today()
    finally:
        chain.close()


@pytest.fixture
def trial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(tmp_path / "home", capsys)
    c("deploy", "--start", "2026-01-01")
    return c


def test_a_trial_home_runs_on_its_pinned_day(trial: Cli) -> None:
    doc = trial.json("clock", "show")
    assert doc["today"] == "2026-01-01" and doc["pinned"] is True and doc["time"].startswith("2026-01-01T12:00:")
    trial("region", "add", "500000", "Chongqing")
    assert trial.json("clock", "show")["today"] == "2026-01-01"
    assert today_by_call(trial.home) == dt.date(2026, 1, 1)


def test_the_clock_moves_forward_only_when_told(trial: Cli) -> None:
    assert trial.json("clock", "advance", "--days", "3")["today"] == "2026-01-04"
    assert today_by_call(trial.home) == dt.date(2026, 1, 4)  # calls see the new day at once
    trial("region", "add", "500000", "Chongqing")  # a transaction after the move runs on it
    assert trial.json("clock", "advance", "--to", "2026-02-01")["today"] == "2026-02-01"
    assert trial.json("clock", "show")["today"] == "2026-02-01"
    doc, err = trial.refused("clock", "advance", "--to", "2026-01-15")
    assert "only moves forward" in err and doc["ok"] is False
    trial.refused("clock", "advance")  # neither --days nor --to
    trial.refused("clock", "advance", "--days", "1", "--to", "2026-03-01")
    trial.refused("clock", "advance", "--days", "0")


def test_a_replay_rebuilds_the_same_chain(trial: Cli) -> None:
    trial("region", "add", "500000", "Chongqing")
    trial("clock", "advance", "--days", "40")
    trial("region", "add", "440100", "Guangzhou")
    journal = (trial.home / "chain.jsonl").read_text().splitlines()
    assert json.loads(journal[0]) == {"genesis_timestamp": 1767153600, "clock": 1767240000}
    assert sum(1 for line in journal if json.loads(line).get("mine")) == 2  # the start and the move
    first = trial.json("region", "show", "440100")
    again = trial.json("region", "show", "440100")
    assert first == again and trial.json("clock", "show")["today"] == "2026-02-10"


def test_a_wall_clock_home_and_a_node_with_start_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             anvil_node: object) -> None:
    c = Cli(tmp_path / "home", capsys)
    c("deploy")
    assert c.json("clock", "show")["pinned"] is False
    _, err = c.refused("clock", "advance", "--days", "1")
    assert "runs on the wall clock" in err
    url = anvil_node.url  # type: ignore[attr-defined]
    _, err = Cli(tmp_path / "other", capsys).refused("deploy", "--start", "2026-01-01", "--rpc", url)
    assert "yibao node --start" in err


@pytest.mark.anvil
def test_a_dev_node_clock_moves_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from yibao.chain.node import AnvilNode
    from yibao.units import noon_cst

    node = AnvilNode(timestamp=noon_cst(dt.date(2026, 1, 1)))  # its own node: the shared one's clock stays
    try:
        c = Cli(tmp_path / "home", capsys, node.url)
        c("deploy")
        before = c.json("clock", "show", "--rpc", node.url)
        assert before["pinned"] is None and before["today"] == "2026-01-01"
        assert c.json("clock", "advance", "--days", "31", "--rpc", node.url)["today"] == "2026-02-01"
        assert c.json("clock", "show", "--rpc", node.url)["today"] == "2026-02-01"
    finally:
        node.stop()
