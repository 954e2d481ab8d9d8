"""``yibao node``: SIGTERM stops anvil too, a busy port is a one-line error (exit 2), and
``--start`` gives a chain that ``yibao simulate --rpc`` and ``yibao demo --rpc`` accept."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from yibao.chain import Chain
from yibao.chain.node import free_port, port_is_free

pytestmark = pytest.mark.anvil

CLI = "import sys; from yibao.cli import main; sys.argv[0] = 'yibao'; main()"
EXAMPLE = Path(__file__).resolve().parents[1] / "scenario" / "data" / "example.json"


def _yibao(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@contextmanager
def _node(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    proc = _yibao("node", "--port", str(port), *args)
    deadline = time.monotonic() + 30
    while port_is_free(port):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "yibao node did not start anvil"
        time.sleep(0.05)
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_sigterm_stops_anvil_too() -> None:
    with _node() as (proc, url):
        assert Chain.connect(url).block_number() == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        port = int(url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 10
        while not port_is_free(port):  # anvil is gone from the port, not left running
            assert time.monotonic() < deadline, "anvil still listens after yibao node was terminated"
            time.sleep(0.05)


def test_a_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out, err = _yibao("node", "--port", str(port)).communicate(timeout=60)
    assert err.count("\n") == 1 and err.startswith("error: ") and f"port {port} on 127.0.0.1 is busy" in err, err
    assert "listening" not in err + out


def test_bad_node_options_exit_2() -> None:
    proc = _yibao("node", "--start", "2026-02-30")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--start" in err and err.count("\n") == 1, err
    proc = _yibao("node", "--start", "2026-01-01", "--timestamp", "5")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "either --timestamp or --start" in err


def test_simulate_runs_on_a_node_started_for_its_first_day() -> None:
    with _node("--start", "2026-01-01") as (_, url):
        proc = _yibao("simulate", str(EXAMPLE), "--rpc", url)
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert json.loads(out)["claims"]


def test_demo_runs_on_a_node_started_for_its_first_day(tmp_path: Path) -> None:
    with _node("--timestamp", "1767067200") as (_, url):  # 2025-12-30 12:00 CST: before the demo's first day
        proc = _yibao("demo", "--rpc", url, "--people", "20", "--claims", "60", "--out", str(tmp_path / "demo"),
                      "--json")
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    assert (tmp_path / "demo" / "report.json").exists()
