"""Concurrent commands on one home's embedded chain: the journal lock makes them take turns,
so several ``yibao claim submit`` started at once all succeed, every claim is on chain, and
every later command works (before the lock, two of them signed the same nonce and the
journal could no longer be replayed)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from yibao.cli import run
from yibao.identity import check_digit

CLI = "import sys; from yibao.cli import main; sys.argv[0] = 'yibao'; main()"
ID = "11010119900307427" + check_digit("11010119900307427")
PARALLEL = 3


def _yibao(home: Path, *args: str) -> None:
    assert run([*args, "--home", str(home)]) == 0, args


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    _yibao(home, "deploy")
    _yibao(home, "region", "add", "500000", "Chongqing", "--fund", "100000000")
    _yibao(home, "role", "grant", "regulator", "dev1", "--region", "500000")
    _yibao(home, "role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1")
    cat = tmp_path / "catalogue.csv"
    cat.write_text("region,code,category\n500000,XA01,A\n")
    _yibao(home, "catalogue", "load", str(cat), "--as", "dev1")
    _yibao(home, "institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev1")
    _yibao(home, "enrol", "--id", ID, "--region", "500000", "--from", "2020-01-01", "--to", "2099-12-31",
           "--as", "dev2")
    return home


def test_parallel_claim_submits_on_one_home_take_turns(tmp_path: Path, capsys) -> None:
    home = _home(tmp_path)
    gc.collect()  # this process's chains are gone, and with them its hold on the journal lock
    procs = [subprocess.Popen([sys.executable, "-c", CLI, "claim", "submit", "--as", "dev7", "--invoice", f"P-{i}",
                               "--id", ID, "--line", "XA01:1:1000", "--json", "--home", str(home)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(PARALLEL)]
    done = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * PARALLEL, [err for _, err in done]
    decided = [json.loads(out)["claim_id"] for out, _ in done]
    assert len(set(decided)) == PARALLEL
    capsys.readouterr()
    for i, cid in enumerate(decided):
        assert run(["claim", "show", cid, "--json", "--home", str(home)]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["claim_id"] == cid, i
    _yibao(home, "institution", "set-grade", "dev7", "B", "--as", "dev1")  # a later write works too
    assert not (home / "chain.jsonl.quarantine").exists()
    entries = (home / "chain.jsonl").read_text().splitlines()[1:]
    assert len(entries) == len({json.loads(e)["tx"] for e in entries})
