"""Running the CLI in-process on one home folder, as the CLI tests do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from yibao.cli import run
from yibao.identity import check_digit


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
