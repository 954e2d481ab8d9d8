"""Run a local anvil node (npm's @foundry-rs/anvil, pinned in package.json)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from yibao.errors import ChainError, InputError, NodeUnreachable

#: Where npm's @foundry-rs/anvil puts the binary of each platform, below a node_modules folder.
_NPM_BINARIES = tuple(
    Path("node_modules") / "@foundry-rs" / f"anvil-{platform}" / "bin" / "anvil"
    for platform in ("linux-amd64", "linux-arm64", "darwin-arm64", "darwin-amd64")
)


def anvil_binary(start: Path | None = None) -> Path:
    """The anvil executable: the ``ANVIL`` environment variable, else npm's binary in the
    ``node_modules`` of ``start`` (the working folder by default) or of a folder above it,
    else in those of the checkout this package runs from (an editable install: ``make
    install``), else ``anvil`` on PATH."""
    env = os.environ.get("ANVIL")
    if env:
        if not os.access(env, os.X_OK):
            raise ChainError(f"anvil not found: ANVIL={env} is not an executable file")
        return Path(env)
    here = (start or Path.cwd()).resolve()
    source = Path(__file__).resolve().parent
    for folder in (here, *here.parents, *source.parents):
        for rel in _NPM_BINARIES:
            if (folder / rel).exists():
                return folder / rel
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ChainError("anvil not found: run `npm ci` (package @foundry-rs/anvil) or set ANVIL")


def anvil_available() -> bool:
    """Whether :func:`anvil_binary` finds an executable."""
    try:
        return os.access(anvil_binary(), os.X_OK)
    except ChainError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` (so anvil can bind it)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as anvil binds: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return False
    except OSError:
        return True


class AnvilNode:
    """An anvil process on 127.0.0.1; use as a context manager or call stop().

    ``state`` keeps the chain in a file (loaded at start, written at stop and, with
    ``state_interval``, every so many seconds: a node killed with SIGKILL loses what was
    mined since the last write). ``timestamp`` is the genesis block's time. A busy ``port``
    is an :class:`InputError`."""

    def __init__(self, port: int | None = None, state: Path | None = None, timestamp: int | None = None,
            log: Path | None = None, extra_args: tuple[str, ...] = (), state_interval: int | None = None,
            gas_limit: int = 60_000_000) -> None:
        if port and not port_is_free(port):
            raise InputError(f"port {port} on 127.0.0.1 is busy (another node?); stop it or choose another --port")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            str(anvil_binary()),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--hardfork", "prague",
            "--gas-limit", str(gas_limit),
            "--code-size-limit", "24576",
            "--silent",
        ]
        if state is not None:
            cmd += ["--state", str(state)]
        if timestamp is not None:
            cmd += ["--timestamp", str(timestamp)]
        if state_interval is not None:
            cmd += ["--state-interval", str(state_interval)]
        cmd += list(extra_args)
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ChainError(f"anvil exited with code {self.proc.returncode} on port {self.port}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            if self.proc.poll() is None:  # the port answers, and it is our anvil that still runs
                return
        self.stop()
        raise NodeUnreachable(f"anvil did not start on port {self.port} within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL the node (it writes no state) and wait for it to go."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        """SIGTERM the node (it writes its state) and wait for it; SIGKILL after 10 s."""
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


__all__ = ["AnvilNode", "anvil_available", "anvil_binary", "free_port", "port_is_free"]
