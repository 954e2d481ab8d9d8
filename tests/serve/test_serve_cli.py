"""``yibao serve`` (issue 16 §1): its refusals are one line with exit status 2 and nothing
listening; a real server over a deployed home answers sign-in, the JSON API and the OpenAPI
docs over HTTP, and stops with status 0 on SIGTERM or Ctrl-C."""

from __future__ import annotations

import gc
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli.cli_runner import Cli
from eth_account import Account
from eth_account.messages import encode_defunct
from yibao.chain import dev_account

FOREGROUND = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
CLI = "from yibao.cli import main; import sys; sys.argv[0] = 'yibao'; main()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    c = Cli(tmp_path / "home", capsys)
    c("deploy")
    c("region", "add", "500000", "Chongqing", "--fund", "100000000")
    c("role", "grant", "regulator", "dev1", "--region", "500000")
    return c


def test_serve_refusals_are_one_line(home: Cli, tmp_path: Path) -> None:
    for args, says in ((["--port", "0"], "port"), (["--public-url", "ftp://x"], "--public-url"),
                       (["--rpc", "http://127.0.0.1:1"], "127.0.0.1:1"),
                       (["--db", "postgresql+psycopg://u:p@127.0.0.1:1/x"], "cannot open the index"),
                       (["--manifest", str(tmp_path / "none.json")], "none.json")):
        _, err = home.refused("serve", *args)
        assert says in err, (args, err)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        _, err = home.refused("serve", "--port", str(taken.getsockname()[1]))
        assert "cannot listen there" in err
    _, err = home.refused("serve", "--host", "203.0.113.9")
    assert "cannot listen there" in err
    fresh = Cli(tmp_path / "empty", home.capsys)
    _, err = fresh.refused("serve")
    assert "manifest" in err


def _session(url: str, account: Any) -> dict[str, Any]:
    """Sign ``account`` in at the server at ``url``: the session's answer."""
    msg = httpx.get(f"{url}/auth/challenge", params={"address": account.address}).json()["message"]
    sig = Account.sign_message(encode_defunct(text=msg), account.key).signature.hex()
    answer: dict[str, Any] = httpx.post(f"{url}/auth/session",
                                        json={"message": msg, "signature": "0x" + sig.removeprefix("0x")}).json()
    return answer


def _start(home: Cli, port: int) -> subprocess.Popen[str]:
    gc.collect()  # this process lets go of the embedded chain's journal lock
    return subprocess.Popen([sys.executable, "-c", FOREGROUND + CLI, "serve", "--json", "--port", str(port),
                             "--home", str(home.home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read() if proc.stderr else "serve exited")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("serve did not answer within 60 s")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_real_server_answers_and_stops(home: Cli, sig: signal.Signals) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start(home, port)
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        assert started["url"] == url and "dev1" in started["keys"] and started["last_block"] > 0
        _wait_up(url, proc)
        regulator = dev_account(1)
        msg = httpx.get(f"{url}/auth/challenge", params={"address": regulator.address}).json()["message"]
        assert f"URI: {url}/auth" in msg and msg.startswith(f"127.0.0.1:{port} wants you to sign in")
        session = _session(url, regulator)
        h = {"Authorization": f"Bearer {session['token']}"}
        assert session["roles"] == ["regulator"] and session["regions"] == [500000]
        funds = httpx.get(f"{url}/api/funds", headers=h).json()["funds"]
        assert funds[0]["balance"] == 100_000_000 and funds[0]["law"]["holds"]
        assert httpx.get(f"{url}/api/claims", headers=h).json()["total"] == 0
        assert "/fhir/Claim" in httpx.get(f"{url}/openapi.json").json()["paths"]
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()


@pytest.mark.anvil
def test_the_demo_ends_by_serving_its_world(tmp_path: Path) -> None:
    """`yibao demo --serve` (`make demo DEMO_FLAGS=--serve`): a small demo on the fast engine,
    then its world served; a patient whose wallet it bound signs in and sees their trail; Ctrl-C
    ends it with status 0."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", FOREGROUND + CLI, "demo", "--people", "40", "--claims", "200",
                             "--out", str(tmp_path / "out"), "--serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read() if proc.stderr else "demo exited")
            try:
                if httpx.get(f"{url}/signin", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise AssertionError("the demo did not serve within 240 s")
        report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
        from yibao.demo.patients import patient_key

        patient = Account.from_key(patient_key(7, 0))
        assert report["patients"][0]["wallet"] == patient.address
        token = _session(url, patient)["token"]
        trail = httpx.get(f"{url}/api/patient/trail", headers={"Authorization": f"Bearer {token}"}).json()["trail"]
        assert [t["basis"] for t in trail] == ["CONSENT"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
