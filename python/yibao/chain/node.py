"""Run a local anvil node (npm's @foundry-rs/anvil, pinned in package.json)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from yibao.errors import ChainError, NodeUnreachable

#: Where npm's @foundry-rs/anvil puts the binary of each platform, below a node_modules folder.
_NPM_BINARIES = tuple(
    Path("node_modules") / "@foundry-rs" / f"anvil-{platform}" / "bin" / "anvil"
    for platform in ("linux-amd64", "linux-arm64", "darwin-arm64", "darwin-amd64")
)


def anvil_binary(start: Path | None = None) -> Path:
    """The anvil executable: the ``ANVIL`` environment variable, else npm's binary in the
    ``node_modules`` of ``start`` (the working folder by default) or of a folder above it,
    else ``anvil`` on PATH. The package never looks for itself: installed, it has no checkout."""
    env = os.environ.get("ANVIL")
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for rel in _NPM_BINARIES:
            if (folder / rel).exists():
                return folder / rel
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ChainError("anvil not found: run `npm ci` (package @foundry-rs/anvil) or set ANVIL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnvilNode:
    """An anvil process on 127.0.0.1; use as a context manager or call stop()."""

    def __init__(self, port: int | None = None, state: Path | None = None, timestamp: int | None = None,
            log: Path | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            str(anvil_binary()),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--hardfork", "prague",
            "--gas-limit", "60000000",
            "--code-size-limit", "24576",
            "--silent",
        ]
        if state is not None:
            cmd += ["--state", str(state)]
        if timestamp is not None:
            cmd += ["--timestamp", str(timestamp)]
        cmd += list(extra_args)
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait()

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ChainError(f"anvil exited with code {self.proc.returncode} on port {self.port}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise NodeUnreachable(f"anvil did not start on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> AnvilNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["AnvilNode", "anvil_binary", "free_port"]
