"""Running the CLI in-process on one home folder, as the CLI tests do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from yibao.cli import run
from yibao.identity import check_digit


def policy_entry(region: int, effective_from: str) -> dict:
    """A policy file entry of the CLI tests: EMPLOYEE, level-3 ratios 80 %, review above 1,000 元."""
    return {
        "region": region, "scheme": "EMPLOYEE", "effective_from": effective_from,
        "op_deductible": 10_000,
        "ip_deductible": {"1": 20_000, "2": 50_000, "3": 100_000},
        "op_ratio_bps": {"0": 5000, "1": 9000, "2": 8500, "3": 8000},
        "ip_ratio_bps": {"1": 9000, "2": 8500, "3": 8000},
        "op_annual_cap": 10_000_000, "annual_cap": 50_000_000, "monthly_visit_limit": 0,
        "class_b_self_pay_bps": 1000, "cross_region_cut_bps": 1000, "waiting_days": 0,
        "review_threshold": 100_000, "max_claim_age_days": 365, "appeal_days": 30,
    }


def nid(prefix17: str) -> str:
    """A valid national ID: 17 digits and their check digit."""
    return prefix17 + check_digit(prefix17)


class Cli:
    """``yibao`` on one home folder (and, for ``deploy``, one node), with captured output."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str], rpc: str | None = None) -> None:
        self.home = home
        self.capsys = capsys
        self.rpc = rpc

    def __call__(self, *args: str, ok: bool = True) -> tuple[int, str, str]:
        argv = [*args, "--home", str(self.home)]
        if self.rpc and args[0] == "deploy":
            argv += ["--rpc", self.rpc]
        code = run(argv)
        cap = self.capsys.readouterr()
        if ok:
            assert code == 0, f"{args} failed: {cap.err}"
        return code, cap.out, cap.err

    def json(self, *args: str) -> dict:
        _, out, _ = self(*args, "--json")
        return json.loads(out)

    def refused(self, *args: str) -> tuple[dict, str]:
        """A refused command: exit 2, one error line, and the JSON error document."""
        code, out, err = self(*args, "--json", ok=False)
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith("error: "), err
        return json.loads(out.strip().splitlines()[-1]), err
