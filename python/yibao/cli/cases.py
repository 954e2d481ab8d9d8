"""``yibao case …`` and ``yibao fine …``: supervision cases from a lead to money recovered
(监管闭环, supervision.md) — open (from claims or a stored screening lead), find, decide,
contest, rule, finalize, close, show (the whole story from events), list, the regions'
parameters, and fines paid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yibao.cli.options import (
    ChainOptions, RegionArg, account_ref, chain_options, claim_id_text, invoice_text, money, out, positive_fen,
    region_code, tx_fields, whole_number,
)
from yibao.codec import reason_word
from yibao.errors import InputError
from yibao.evidence import digest_in
from yibao.model.types import CaseSource, CaseStatus

if TYPE_CHECKING:
    from yibao.client import Ledger, TxResult
    from yibao.workspace import Workspace

case_app = typer.Typer(no_args_is_help=True, help="Supervision cases (监管闭环): open, find, decide, contest, rule, "
                                                  "finalize, close, show, list, params")
fine_app = typer.Typer(no_args_is_help=True, help="Fines decided by supervision cases: pay, show")


def case_number(text: str | int) -> int:
    return whole_number(text, 1, 2**64 - 1, "case id")


def lead_number(text: str | int) -> int:
    return whole_number(text, 1, 2**63 - 1, "lead id")


def source_name(text: str) -> str:
    t = text.strip().upper()
    if t not in CaseSource.__members__:
        raise InputError(f"--source {text[:20]!r}: one of {', '.join(CaseSource.__members__)}")
    return t


def article_number(text: str | int) -> int:
    value = whole_number(text, 0, 255, "--article")
    if value not in (38, 40):
        raise InputError(f"--article {value}: 38 (over-billing) or 40 (fraud)")
    return value


def bps(text: str | int) -> int:
    return whole_number(text, 1, 65_535, "bps")


def days(text: str | int) -> int:
    return whole_number(text, 0, 65_535, "days")


def small(text: str | int) -> int:
    return whole_number(text, 0, 65_535, "a parameter")


def list_limit(text: str | int) -> int:
    return whole_number(text, 1, 10_000, "--limit")


CaseArg = Annotated[int, typer.Argument(parser=case_number, metavar="CASE", help="case id")]
ClaimsOpt = Annotated[list[str] | None, typer.Option(
    "--claim", parser=claim_id_text, help="claim id (0x and 64 hex digits); repeat for more")]
EvidenceOpt = Annotated[str, typer.Option(help="evidence reference (stored as its keyed hash)")]
InstitutionArg = Annotated[str, typer.Argument(parser=account_ref, help="institution: 0x address or key name")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy URL of the index (default: sqlite:///HOME/index.db, as `yibao index`)")]


def _ids(claims: list[str]) -> list[bytes]:
    return [bytes.fromhex(c[2:]) for c in claims]


def _step(opts: ChainOptions, ledger: Ledger, what: str, case_id: int, result: TxResult,
          **extra: object) -> None:
    """Report a case step: the case's status after it, the transaction."""
    info = ledger.case_info(case_id)
    doc = {"ok": True, "action": f"case {what}", "case": case_id, "status": info.status.name,
           "outcome": info.outcome.name, **extra, **tx_fields(result)}
    shown = info.status.name + (f" ({info.outcome.name})" if info.status is CaseStatus.CLOSED else "")
    opts.emit(doc, lambda: out.print(f"[green]✓[/] case {case_id} {what}: {shown} (gas {result.gas_used:,})"))


def _index_url(ws: Workspace, db: str | None) -> str:
    from yibao.cli.screen import check_index_file
    from yibao.index.database import default_url

    url = db or default_url(ws.home)
    check_index_file(url)
    return url


def _people(ledger: Ledger, claims: list[str]) -> list[bytes]:
    from yibao.client.history import claim_details

    people = []
    for c in claims:
        person = claim_details(ledger, bytes.fromhex(c[2:])).get("person")
        if person is None:
            raise InputError(f"the person of claim {c} cannot be read from its submission (needed for a referral)")
        people.append(bytes.fromhex(str(person)[2:]))
    return people


@case_app.command("open")
@chain_options()
def case_open(
    opts: ChainOptions,
    institution: Annotated[str | None, typer.Argument(
        parser=account_ref, help="institution: 0x address or key name (default: the claims' own)")] = None,
    claim: ClaimsOpt = None,
    invoice: Annotated[list[str] | None, typer.Option(
        "--invoice", parser=invoice_text, help="a claim by the institution's invoice number; repeat for more")] = None,
    lead: Annotated[int | None, typer.Option("--lead", parser=lead_number, help="a stored screening lead's id")]
    = None,
    source: Annotated[str | None, typer.Option(
        parser=source_name, help="LEAD, TIP, INSPECTION or REFERRAL (default with --lead: LEAD)")] = None,
    evidence: EvidenceOpt = "",
    by_region: Annotated[int | None, typer.Option(
        "--by-region", parser=region_code, help="the referring region (REFERRAL only)")] = None,
    db: DbOpt = None,
) -> None:
    """Open a case on claims of one institution (regulator of its region; with --source REFERRAL,
    the regulator of --by-region, for its own people's claims): --claim ID…, INSTITUTION
    --invoice INV…, or --lead N."""
    if sum((bool(claim), bool(invoice), lead is not None)) != 1:
        raise InputError("give the claims one way: --claim ID (repeatable), --invoice INV (repeatable, with the "
                         "INSTITUTION) or --lead N")
    if invoice and institution is None:
        raise InputError("--invoice names a claim of the INSTITUTION: give it")
    name = source or ("LEAD" if lead is not None else None)
    if name is None:
        raise InputError("--source is required with --claim: LEAD, TIP, INSPECTION or REFERRAL")
    kind = CaseSource[name]
    if (kind is CaseSource.REFERRAL) != (by_region is not None):
        raise InputError("--by-region goes with --source REFERRAL, and REFERRAL needs it")
    ws, ledger = opts.open()
    address = ws.resolve_account(institution) if institution else None
    url = stored = None
    if lead is not None:
        from yibao.index.cases import read_lead
        from yibao.index.database import open_index

        url = _index_url(ws, db)
        engine = open_index(url)
        try:
            with engine.connect() as conn:
                stored = read_lead(conn, lead)
        finally:
            engine.dispose()
        address, claims, people = stored.case_claims(address)
    elif invoice:
        from yibao.client import claim_id_of

        assert address is not None
        claims = ["0x" + claim_id_of(address, inv).hex() for inv in invoice]
        people = []
    else:
        claims = list(claim or [])
        if address is None:
            from yibao.client.history import claim_details

            address = str(claim_details(ledger, bytes.fromhex(claims[0][2:]))["institution"])
        people = []
    wire_people = ([bytes.fromhex(p[2:]) for p in people] if people else _people(ledger, claims)) \
        if kind is CaseSource.REFERRAL else []
    case_id, result = ledger.open_case(address, _ids(claims), kind, digest_in(ws.home)(evidence),
                                       by_region=by_region, people=wire_people)
    if lead is not None and url is not None:
        _take_up(url, lead, case_id)
    _step(opts, ledger, "open", case_id, result, institution=address, claims=claims, source=kind.name, lead=lead)


def _take_up(url: str, lead: int, case_id: int) -> None:
    from yibao.index.cases import take_up
    from yibao.index.database import open_index

    engine = open_index(url)
    try:
        with engine.begin() as conn:
            take_up(conn, lead, case_id)
    finally:
        engine.dispose()


@case_app.command("find")
@chain_options()
def case_find(opts: ChainOptions, case: CaseArg, claim: ClaimsOpt = None,
              code: Annotated[str, typer.Option(help="finding code: 1-32 of A-Z, 0-9, _ (PHANTOM, READMIT …)")] = "",
              evidence: EvidenceOpt = "") -> None:
    """Record a finding on an OPEN or INVESTIGATING case: the claims found (regulator of its region)."""
    if not code:
        raise InputError("--code is required (a finding code such as PHANTOM)")
    reason_word(code)
    if not claim:
        raise InputError("--claim is required: the claims found (repeatable)")
    ws, ledger = opts.open()
    result = ledger.add_finding(case, _ids(claim), code, digest_in(ws.home)(evidence))
    (e,) = result.named("CaseFinding")
    _step(opts, ledger, "finding", case, result, code=code, newly_found=int(e["newlyFound"]))


@case_app.command("decide")
@chain_options()
def case_decide(
    opts: ChainOptions, case: CaseArg,
    article: Annotated[int, typer.Option(parser=article_number, help="38 (over-billing) or 40 (fraud)")],
    fine_bps: Annotated[int, typer.Option(parser=bps, help="fine in bps of the loss (Art. 38: 10000-20000, "
                                                              "Art. 40: 20000-50000)")],
    suspend_days: Annotated[int, typer.Option(parser=days, help="days of suspension (0: none)")] = 0,
) -> None:
    """Decide the penalty of a case with a finding (regulator of its region): NOTIFIED."""
    _, ledger = opts.open()
    result = ledger.decide(case, article, fine_bps, suspend_days)
    (e,) = result.named("CaseDecided")
    _step(opts, ledger, "decide", case, result, loss=int(e["loss"]), fine=int(e["fine"]))


@case_app.command("contest")
@chain_options()
def case_contest(opts: ChainOptions, case: CaseArg) -> None:
    """Contest a case's decision (its institution, once, within contest_days)."""
    _, ledger = opts.open()
    _step(opts, ledger, "contest", case, ledger.contest(case))


@case_app.command("rule")
@chain_options()
def case_rule(
    opts: ChainOptions, case: CaseArg,
    upheld: Annotated[bool, typer.Option("--upheld/--dismissed", help="uphold the decision or dismiss the case")],
    fine_bps: Annotated[int | None, typer.Option(parser=bps, help="a new fine in bps (upheld only)")] = None,
) -> None:
    """Rule on a contested case (a reviewer of its region, not a regulator)."""
    if fine_bps is not None and not upheld:
        raise InputError("--fine-bps goes with --upheld")
    _, ledger = opts.open()
    result = ledger.rule(case, upheld, fine_bps)
    (e,) = result.named("CaseRuled")
    _step(opts, ledger, "ruling", case, result, upheld=upheld, fine=int(e["fine"]))


@case_app.command("finalize")
@chain_options()
def case_finalize(opts: ChainOptions, case: CaseArg) -> None:
    """Execute a decided case (regulator of its region): found claims clawed back or rejected,
    the fine owed, the suspension, credit and grade. CLOSED, PENALIZED."""
    _, ledger = opts.open()
    result = ledger.finalize(case)
    executed = {"clawed_back": [("0x" + bytes(e["claimId"]).hex(), int(e["amount"]))
                                for e in result.named("ClaimClawedBack")],
                "rejected": ["0x" + bytes(e["claimId"]).hex() for e in result.named("CaseClaimRejected")],
                "fine": sum(int(e["amount"]) for e in result.named("FineOwed"))}
    _step(opts, ledger, "finalize", case, result, **executed)


@case_app.command("close")
@chain_options()
def case_close(opts: ChainOptions, case: CaseArg) -> None:
    """Close an OPEN or INVESTIGATING case with no violation (regulator of its region)."""
    _, ledger = opts.open()
    _step(opts, ledger, "close", case, ledger.close_case(case))


@case_app.command("show")
@chain_options(signer=None)
def case_show(opts: ChainOptions, case: CaseArg) -> None:
    """A case as it stands and its whole story from the chain's events, in order."""
    from yibao.client.case_history import case_story

    _, ledger = opts.open()
    doc = case_story(ledger, case)

    def human() -> None:
        c = doc["case"]
        out.print(f"[bold]case {c['id']}[/] on {c['institution']}: {c['status']}"
                  + (f" ({c['outcome']})" if c["status"] == "CLOSED" else "")
                  + f" · source {c['source']} · loss {money(c['loss'])} · fine {money(c['fine'])}")
        t = Table(title=f"case {case}: the story")
        for col in ("time", "step", "by", "what"):
            t.add_column(col)
        for s in doc["steps"]:
            what = {k: v for k, v in s.items() if k not in ("step", "time", "block", "tx", "by")}
            t.add_row(s["time"], s["step"], s["by"][:10] + "…", ", ".join(f"{k}={v}" for k, v in what.items()))
        out.print(t)

    opts.emit({"ok": True, **doc}, human)


@case_app.command("list")
@chain_options(signer=None)
def case_list(
    opts: ChainOptions,
    institution: Annotated[str | None, typer.Option(parser=account_ref, help="only this institution's")] = None,
    status: Annotated[str | None, typer.Option(help="only cases in this status (OPEN … CLOSED)")] = None,
    limit: Annotated[int, typer.Option(parser=list_limit, help="the newest N cases looked at")] = 100,
) -> None:
    """The newest cases, newest first."""
    if status is not None and status.upper() not in CaseStatus.__members__:
        raise InputError(f"--status {status[:20]!r}: one of {', '.join(CaseStatus.__members__)}")
    ws, ledger = opts.open()
    who = ws.resolve_account(institution).lower() if institution else None
    count = ledger.case_count()
    rows: list[dict[str, Any]] = []
    for case_id in range(count, max(0, count - limit), -1):
        info = ledger.case_info(case_id)
        if (who and info.institution.lower() != who) or (status and info.status.name != status.upper()):
            continue
        rows.append(info.to_json())

    def human() -> None:
        t = Table(title=f"cases ({len(rows)} of {count})")
        for col in ("id", "institution", "status", "outcome", "source", "article", "loss", "fine"):
            t.add_column(col)
        for r in rows:
            t.add_row(str(r["id"]), r["institution"][:10] + "…", r["status"], r["outcome"], r["source"],
                      str(r["article"] or ""), money(r["loss"]), money(r["fine"]))
        out.print(t)

    opts.emit({"ok": True, "count": count, "cases": rows}, human)


ParamOpt = Annotated[int | None, typer.Option(parser=small)]


@case_app.command("params")
@chain_options()
def case_params(opts: ChainOptions, region: RegionArg, contest_days: ParamOpt = None, points_art38: ParamOpt = None,
                points_art40: ParamOpt = None, credit_base: ParamOpt = None, floor_a: ParamOpt = None,
                floor_b: ParamOpt = None, floor_c: ParamOpt = None, floor_d: ParamOpt = None) -> None:
    """A region's supervision parameters; with any option, set them (regulator of the region),
    the others kept."""
    from dataclasses import replace

    given = {k: v for k, v in {"contest_days": contest_days, "points_art38": points_art38,
                               "points_art40": points_art40, "credit_base": credit_base, "floor_a": floor_a,
                               "floor_b": floor_b, "floor_c": floor_c, "floor_d": floor_d}.items() if v is not None}
    _, ledger = opts.open()
    now = ledger.supervision_params(region)
    if not given:
        opts.emit({"ok": True, "region": region, **vars(now)})
        return
    new = replace(now, **given)
    result = ledger.set_supervision_params(region, new)
    opts.emit({"ok": True, "action": "case params", "region": region, **vars(new), **tx_fields(result)},
              lambda: out.print(f"[green]✓[/] supervision parameters of {region} set (gas {result.gas_used:,})"))


@fine_app.command("pay")
@chain_options()
def fine_pay(
    opts: ChainOptions, account: InstitutionArg,
    amount: Annotated[int, typer.Option(parser=positive_fen, help="fen, or yuan as 123.45元")],
    ref: Annotated[str, typer.Option(help="payment reference (stored as its keyed hash)")] = "",
) -> None:
    """Record a payment of an institution's fines, to the treasury (regulator of its region)."""
    if amount < 0:
        raise InputError("--amount must not be negative")
    ws, ledger = opts.open()
    address = ws.resolve_account(account)
    result = ledger.pay_fine(address, amount, digest_in(ws.home)(ref))
    (e,) = result.named("FinePaid")
    doc = {"ok": True, "action": "fine pay", "institution": address, "amount": amount, "owed": int(e["owed"]),
           **tx_fields(result)}
    opts.emit(doc, lambda: out.print(f"[green]✓[/] {money(amount)} of fines paid by {address}; still owed "
                                     f"{money(int(e['owed']))} (gas {result.gas_used:,})"))


@fine_app.command("show")
@chain_options(signer=None)
def fine_show(opts: ChainOptions, account: InstitutionArg) -> None:
    """An institution's fines owed and paid, its suspension by a case, this year's credit score and grade."""
    ws, ledger = opts.open()
    address = ws.resolve_account(account)
    fines = ledger.fines(address)
    inst = ledger.institution(address)
    year = ledger.today().year
    doc = {"ok": True, "institution": address, "owed": fines.owed, "paid": fines.paid,
           "suspended_until": fines.suspended_until.isoformat() if fines.suspended_until else None,
           "status": inst.status.name, "year": year, "score": ledger.credit_score(address, year),
           "grade": inst.grade.name}
    opts.emit(doc, lambda: out.print(
        f"{address}: fines owed {money(fines.owed)}, paid {money(fines.paid)}; {inst.status.name}"
        + (f" (suspended until {doc['suspended_until']})" if fines.suspended_until else "")
        + f"; credit {doc['score']} in {year}, grade {inst.grade.name}"))


__all__ = ["case_app", "fine_app"]
