"""Query commands: ``claim list`` (the reviewer's queue) and ``alerts`` (the regulator's feed).

A thin layer over :mod:`yibao.client.queries`. Both page with ``--limit``/``--offset``
(:mod:`yibao.cli.query_options`); ``alerts --follow`` prints new alerts as they are mined
until Ctrl-C or SIGTERM (exit status 0), ``--max-wait SECONDS`` or ``--until-count N``.
"""

from __future__ import annotations

import json
import signal
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from yibao.cli.options import (
    ChainOptions, NationalIdOpt, PseudonymOpt, account_ref, chain_options, day_text, money, out, person_of
)
from yibao.cli.query_options import (
    LimitOpt, OffsetOpt, alert_kind_text, claim_status_text, item_count, names_of, page_limit, page_offset,
    wait_seconds,
)
from yibao.errors import InputError
from yibao.units import parse_date

if TYPE_CHECKING:
    from yibao.client import Ledger
    from yibao.client.queries import AlertQuery
    from yibao.names import Names
    from yibao.workspace import Workspace

InstitutionFilter = Annotated[str | None, typer.Option(parser=account_ref, help="only this institution's")]


def _paging(doc: dict[str, Any], what: str) -> None:
    shown = len(doc[what])
    if not doc["total"]:
        out.print(f"no {what}")
        return
    first = doc["offset"] + 1 if shown else doc["offset"]
    more = f"; next: --offset {doc['next_offset']}" if doc["next_offset"] is not None else ""
    out.print(f"{what} {first}-{doc['offset'] + shown} of {doc['total']}{more}")


def _who(row: dict[str, Any]) -> str:
    account = row["institution"] or "?"
    return f"{row['institution_name']} ({account[:10]}…)" if row.get("institution_name") else account


@chain_options(signer=None)
def claim_list(
    opts: ChainOptions,
    status: Annotated[list[str] | None, typer.Option(
        parser=claim_status_text, help="current status: FLAGGED (the review queue), APPEALED, …; repeat for several")]
    = None,
    institution: InstitutionFilter = None,
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
    start: Annotated[str | None, typer.Option("--from", parser=day_text, help="service date from YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", parser=day_text, help="service date to YYYY-MM-DD")] = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
) -> None:
    """List stored claims by their current status, institution, person (--id or --pseudonym) and
    service date, oldest first; the review queue is `claim list --status FLAGGED`."""
    from yibao.client.queries import ClaimQuery, Page, list_claims
    from yibao.model.types import ClaimStatus

    lo = parse_date(start, "--from") if start else None
    hi = parse_date(end, "--to") if end else None
    if lo and hi and hi < lo:
        raise InputError(f"--to {end} is before --from {start}")
    page = Page(limit, offset)
    ws, ledger = opts.open()
    person = person_of(ws, national_id, pseudonym) if national_id or pseudonym else None
    query = ClaimQuery(frozenset(ClaimStatus[s] for s in status or []),
                       ws.resolve_account(institution, "--institution") if institution else None, person, lo, hi)
    doc = list_claims(ledger, query, page, names_of(opts, ws, ledger))

    def human() -> None:
        for r in doc["claims"]:
            reason = "" if r["reason"] == "NONE" else f" {r['reason']}"
            out.print(f"{r['submitted'].replace('T', ' ')[:16]}  {r['claim_id']}  {r['status']}{reason}  "
                      f"service {r['service_date']}  billed {money(r['billed'])}  fund {money(r['fund'])}  "
                      f"{_who(r)}", highlight=False)
        _paging(doc, "claims")

    opts.emit(doc, human)


def _alert_line(r: dict[str, Any]) -> str:
    return f"{r['time'].replace('T', ' ')[:19]}  {r['kind']:<17} {r['claim_id']}  {_who(r)}"


@chain_options(signer=None)
def alerts(
    opts: ChainOptions,
    kind: Annotated[list[str] | None, typer.Option(
        parser=alert_kind_text, help="DUPLICATE | OVERCLAIM | VISIT_LIMIT | REVIEW_THRESHOLD | INSTITUTION_GRADE; "
                                     "repeat for several")] = None,
    since: Annotated[str | None, typer.Option(parser=day_text, help="mined from 00:00 CST of YYYY-MM-DD")] = None,
    institution: InstitutionFilter = None,
    follow: Annotated[bool, typer.Option("--follow", help="keep printing new alerts as they are mined")] = False,
    max_wait: Annotated[int | None, typer.Option(
        parser=wait_seconds, help="with --follow: stop after this many seconds")] = None,
    until_count: Annotated[int | None, typer.Option(
        parser=item_count, help="with --follow: stop after printing this many alerts")] = None,
    limit: Annotated[int | None, typer.Option(parser=page_limit,
                                              help="rows per page (1-10000; not with --follow)")] = None,
    offset: Annotated[int | None, typer.Option(parser=page_offset,
                                               help="rows to skip (not with --follow)")] = None,
) -> None:
    """The regulator's alerts, oldest first; --follow prints new ones as they are mined (with
    --json one JSON document a line) until Ctrl-C, SIGTERM, --max-wait or --until-count."""
    from yibao.client.queries import AlertQuery, Page, list_alerts
    from yibao.model.types import AlertKind

    if follow and (limit is not None or offset is not None):
        raise InputError("--limit and --offset page a listing; --follow prints every alert (use --since)")
    if not follow and (max_wait is not None or until_count is not None):
        raise InputError("--max-wait and --until-count end --follow; give --follow")
    day = parse_date(since, "--since") if since else None
    ws, ledger = opts.open()
    query = AlertQuery(frozenset(AlertKind[k] for k in kind or []),
                       ws.resolve_account(institution, "--institution") if institution else None, day)
    names = names_of(opts, ws, ledger)
    if follow:
        _follow(opts, ws, ledger, query, names, max_wait, until_count)
        return
    doc = list_alerts(ledger, query, Page(50 if limit is None else limit, offset or 0), names)

    def human() -> None:
        for r in doc["alerts"]:
            out.print(_alert_line(r), highlight=False)
        _paging(doc, "alerts")

    opts.emit(doc, human)


def _follow(opts: ChainOptions, ws: Workspace, ledger: Ledger, query: AlertQuery, names: Names,
            max_wait: int | None, until_count: int | None) -> None:
    """``alerts --follow``: the alerts since ``--since`` (none without it), then new ones."""
    from yibao.chain.logs import head
    from yibao.client.queries import Follow, first_block, follow_alerts

    start = first_block(ledger, query.since) if query.since else head(ledger.chain) + 1
    stop: list[bool] = []
    embedded = ledger.chain.kind == "embedded"
    journal = ws.journal_path

    def stamp() -> tuple[int, int]:
        st = journal.stat()
        return st.st_size, st.st_mtime_ns

    seen = [stamp() if embedded else (0, 0)]

    def changed() -> bool:
        now = stamp()
        if now == seen[0]:
            return False
        seen[0] = now
        return True

    def emit(row: dict[str, Any]) -> None:
        if opts.as_json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            out.print(_alert_line(row), highlight=False)
            sys.stdout.flush()

    opened = [ledger]

    def open_ledger() -> Ledger:
        if opened:
            return opened.pop()
        return opts.open()[1]

    previous = _on_sigterm(stop)
    try:
        follow_alerts(open_ledger, query, start, Follow(max_wait, until_count, stopped=lambda: bool(stop)),
                      emit, changed if embedded else None, (lambda lg: lg.chain.close()) if embedded else None, names)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends a follow: not a failure
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm(stop: list[bool]) -> Any:
    """Make SIGTERM end the follow loop (exit status 0); the previous handler, or None off the
    main thread (where signals cannot be handled)."""
    try:
        return signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    except ValueError:
        return None


__all__ = ["alerts", "claim_list"]
