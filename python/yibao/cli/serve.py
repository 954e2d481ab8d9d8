"""``yibao serve``: the FHIR API for hospitals and the JSON API (and dashboard) for regulators
and patients, over a home's deployment and its index (:mod:`yibao.serve`).

It catches the index up first (a progress bar on a terminal), prints where it listens (with
``--json`` one JSON line: the URL, the keys it holds and those it could not open), then serves
until Ctrl-C or SIGTERM, following new blocks in the background.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from yibao.cli.index import DbOpt
from yibao.cli.options import ChainOptions, PasswordFileOpt, chain_options, err, out, port_number


@chain_options(signer=None)
def serve(
    opts: ChainOptions,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(parser=port_number, help="port to listen on")] = 8000,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="the URL browsers reach the service at, the sign-in domain (default http://HOST:PORT)")]
    = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Serve the FHIR API, the JSON API and the dashboard over this home's deployment: sign in
    with an account's key (EIP-4361); the service signs with the home's keys it can open without
    a prompt (dev keys on a dev chain; keystores with $YIBAO_KEY_PASSWORD… or --password-file)."""
    from yibao.index.database import shown_url
    from yibao.serve.app import create_app
    from yibao.serve.server import home_context, run

    check_listen(host, port)
    ws = opts.workspace()
    url = public_url or f"http://{host}:{port}"
    ctx, held = home_context(ws, rpc=opts.rpc, manifest=opts.manifest, db=db, password_file=password_file,
                             public_url=url)
    assert ctx.index is not None
    report = _catch_up(ctx, opts.as_json)
    doc: dict[str, Any] = {"url": url, "listen": f"{host}:{port}", "ledger": ctx.ledger.address,
                           "chain_id": ctx.ledger.chain.chain_id, "index": shown_url(str(ctx.index.url)),
                           "last_block": report.last_block, "keys": sorted(held.names.values()),
                           "skipped_keys": held.skipped}

    def human() -> None:
        out.print(f"yibao serve: {url} (docs {url}/docs) · ledger {ctx.ledger.address} · index {doc['index']} at "
                  f"block {report.last_block}", highlight=False, soft_wrap=True)
        out.print(f"signs as: {', '.join(doc['keys']) or 'no key'}" + (
            f"; not opened: {', '.join(held.skipped)}" if held.skipped else ""), highlight=False, soft_wrap=True)

    if opts.as_json:
        print(json.dumps(doc, ensure_ascii=False))  # one line, for a supervisor to read
    else:
        human()
    sys.stdout.flush()  # the line a supervisor waits for, before the server takes over
    try:
        run(create_app(ctx, follow=True), host, port)
    finally:
        ctx.index.dispose()
        ctx.ledger.chain.close()


def check_listen(host: str, port: int) -> None:
    """Refuse at once, in one line, an address that cannot be listened on (in use, or not this machine's)."""
    import socket

    from yibao.errors import InputError

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise InputError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None


def _catch_up(ctx: Any, as_json: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from yibao.index.ingest import index_ledger

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, disable=as_json or not err.is_terminal, transient=True) as bar:
        task = bar.add_task("indexing blocks", total=None)
        return index_ledger(ctx.ledger, ctx.index, progress=lambda done, total: bar.update(
            task, completed=done, total=total))


__all__ = ["check_listen", "serve"]
