"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a fresh
cluster in a temporary folder, listening on 127.0.0.1 only, run as an unprivileged user.

    python tools/postgres.py start DIR   # prints the server's SQLAlchemy URL; writes DIR/url
    python tools/postgres.py stop DIR    # stops it and removes DIR
    python tools/postgres.py url DIR     # the URL of a running server (exit 1 if none)

PostgreSQL refuses to run as root; under root the cluster belongs to ``nobody`` (the
folder is handed to it), otherwise to the calling user. Trust authentication on loopback,
no fsync: a test server, never a deployment. The tests use :func:`start` directly when
``make test`` did not start one (``YIBAO_TEST_POSTGRES`` unset).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "yibao"


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian: /usr/lib/postgresql/N/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    ctl = shutil.which("pg_ctl")
    return Path(ctl).resolve().parent if ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(args: list[str], folder: Path) -> list[str]:
    """``args`` run as the cluster's owner: ``nobody`` under root, else ourselves."""
    if os.geteuid() != 0:
        return args
    subprocess.run(["chown", "-R", "nobody", str(folder)], check=True)
    return ["runuser", "-u", "nobody", "--", *args]


def start(folder: Path) -> str:
    """Start a fresh cluster in ``folder`` (created; must not hold one) and return its URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql: `make postgres` installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(folder, 0o755)
    data, log = folder / "data", folder / "server.log"
    port = _free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    init = subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                                     "--no-sync", "-E", "UTF8", "--locale=C"], folder), **quiet)  # type: ignore[call-overload]
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr.strip().splitlines()[-1:]}")
    options = f"-h 127.0.0.1 -p {port} -k {folder} -F -c max_connections=50 -c shared_buffers=64MB"
    run = subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                                    "-w", "-t", "60", "start"], folder), **quiet)  # type: ignore[call-overload]
    if run.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        raise RuntimeError(f"PostgreSQL did not start: {run.stderr.strip()} {tail}")
    url = f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
    (folder / "url").write_text(url + "\n")
    return url


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` (if any) and remove the folder."""
    bin_dir = binaries()
    data = folder / "data"
    if bin_dir is not None and (data / "postmaster.pid").exists():
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], folder),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop", "url"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1]).resolve()
    if argv[0] == "start":
        try:
            print(start(folder))
        except RuntimeError as exc:
            print(f"postgres: {exc}", file=sys.stderr)
            return 1
    elif argv[0] == "stop":
        stop(folder)
    else:
        url = folder / "url"
        if not url.exists():
            return 1
        print(url.read_text().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
