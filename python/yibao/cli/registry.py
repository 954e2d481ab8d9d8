"""Registry commands: regions, roles, institutions, enrolment and people."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from yibao.cli.options import (
    ChainOptions,
    NationalIdOpt,
    PseudonymOpt,
    RegionArg,
    account_ref,
    address_text,
    batch_size,
    chain_options,
    day_text,
    err,
    fen,
    level,
    money,
    out,
    person_of,
    reason_code,
    region_code,
    table,
    text_file,
)
from yibao.cli.query_options import NameOpt, SchemeOpt, names_of, rows_table
from yibao.errors import InputError
from yibao.identity import PseudonymKey
from yibao.units import parse_date

if TYPE_CHECKING:
    from yibao.client import Ledger, TxResult

institution_app = typer.Typer(no_args_is_help=True, help="Designated institutions (定点医药机构)")
person_app = typer.Typer(no_args_is_help=True, help="Insured people (参保人)")
region_app = typer.Typer(no_args_is_help=True, help="Regions (统筹区)")
role_app = typer.Typer(no_args_is_help=True, help="Roles: regulator, operator, reviewer")

AccountArg = Annotated[str, typer.Argument(parser=account_ref, help="0x address or key name")]
RegionOpt = Annotated[int, typer.Option(parser=region_code, help="region code (6 digits)")]
ReasonOpt = Annotated[int, typer.Option(parser=reason_code, help="reason code (0-255)")]


# ---------------------------------------------------------------------- regions / roles


@region_app.command("add")
@chain_options()
def region_add(
    opts: ChainOptions, code: RegionArg, name: str,
    fund: Annotated[int, typer.Option(parser=fen, help="opening fund balance: fen, or yuan as 1000000.00元")] = 0,
) -> None:
    """Register a region (admin)."""
    _, ledger = opts.open()
    opts.tx(f"region {code} added", ledger.add_region(code, name, fund))


@region_app.command("show")
@chain_options(signer=None)
def region_show(opts: ChainOptions, code: RegionArg) -> None:
    """Show a region."""
    _, ledger = opts.open()
    r = ledger.region(code)
    if not r["exists"]:
        raise InputError(f"region {code} is not registered")
    opts.emit(r, lambda: out.print(f"{r['code']} {r['name']} opening fund {money(r['opening_balance'])}"))


@region_app.command("list")
@chain_options(signer=None)
def region_list(opts: ChainOptions) -> None:
    """List the regions with their names and fund balances."""
    from yibao.client.listings import list_regions

    _, ledger = opts.open()
    rows = list_regions(ledger)
    opts.emit({"regions": rows}, lambda: rows_table(rows, ("code", "name", "opening_balance", "balance")))


def _role(ledger: Ledger, kind: str, region: int) -> bytes:
    roles = {"regulator": ledger.regulator_role, "operator": ledger.operator_role,
             "reviewer": ledger.reviewer_role}
    if kind not in roles:
        raise InputError(f"role must be one of {', '.join(roles)}, not {kind!r}")
    return roles[kind](region)


@role_app.command("grant")
@chain_options()
def role_grant(
    opts: ChainOptions,
    kind: Annotated[str, typer.Argument(help="regulator | operator | reviewer")],
    account: AccountArg,
    region: RegionOpt,
) -> None:
    """Grant a regional role (admin grants regulators; a regulator grants its region's operators and reviewers)."""
    ws, ledger = opts.open()
    role = _role(ledger, kind, region)
    opts.tx(f"{kind} of {region} granted", ledger.grant_role(role, ws.resolve_account(account)))


@role_app.command("revoke")
@chain_options()
def role_revoke(opts: ChainOptions, kind: str, account: AccountArg, region: RegionOpt) -> None:
    """Revoke a regional role."""
    ws, ledger = opts.open()
    role = _role(ledger, kind, region)
    opts.tx(f"{kind} of {region} revoked", ledger.revoke_role(role, ws.resolve_account(account)))


# ---------------------------------------------------------------------- institutions


@institution_app.command("add")
@chain_options()
def institution_add(
    opts: ChainOptions,
    account: AccountArg,
    region: RegionOpt,
    level: Annotated[int, typer.Option(parser=level, help="0 pharmacy, 1-3 hospital level")],
    grade: Annotated[str, typer.Option(help="credit grade A-E")] = "A",
    name: NameOpt = None,
) -> None:
    """Designate an institution (regulator of its region); --name is kept off chain (names.json)."""
    ws, ledger = opts.open()
    addr = ws.resolve_account(account)
    result = ledger.add_institution(addr, region, level, grade)
    if name:
        names = names_of(opts, ws, ledger)
        names.set_institution(addr, name)
        names.save()
    opts.tx(f"institution {addr} added" + (f" as {name}" if name else ""), result)


@institution_app.command("list")
@chain_options(signer=None)
def institution_list(opts: ChainOptions, region: Annotated[int | None, typer.Option(
        parser=region_code, help="only this region's")] = None) -> None:
    """List the designated institutions (of a region) with their names, in order of designation."""
    from yibao.client.listings import list_institutions

    ws, ledger = opts.open()
    rows = list_institutions(ledger, region, names_of(opts, ws, ledger))
    opts.emit({"institutions": rows}, lambda: rows_table(
        rows, ("account", "name", "region", "level", "grade", "status", "frozen", "payable", "paid", "debt")))


@institution_app.command("show")
@chain_options(signer=None)
def institution_show(opts: ChainOptions, account: AccountArg) -> None:
    """Show an institution."""
    ws, ledger = opts.open()
    doc = ledger.institution(ws.resolve_account(account)).to_json()
    doc = {"account": doc["account"], "name": names_of(opts, ws, ledger).institution(doc["account"]), **doc}
    opts.emit(doc, lambda: table("Institution", doc))


@institution_app.command("set-status")
@chain_options()
def institution_set_status(
    opts: ChainOptions,
    account: AccountArg, status: Annotated[str, typer.Argument(help="ACTIVE | SUSPENDED | REVOKED")],
    reason: ReasonOpt = 0,
) -> None:
    """Change an institution's status (regulator of its region)."""
    ws, ledger = opts.open()
    opts.tx(f"status set to {status.upper()}",
            ledger.set_institution_status(ws.resolve_account(account), status, reason))


@institution_app.command("set-grade")
@chain_options()
def institution_set_grade(opts: ChainOptions, account: AccountArg,
                          grade: Annotated[str, typer.Argument(help="A-E")]) -> None:
    """Change an institution's credit grade (regulator of its region)."""
    ws, ledger = opts.open()
    opts.tx(f"grade set to {grade.upper()}", ledger.set_institution_grade(ws.resolve_account(account), grade))


# ---------------------------------------------------------------------- people


@chain_options()
def enrol(
    opts: ChainOptions,
    national_id: Annotated[
        str | None, typer.Option("--id", help="national ID (hashed with the operator key; never sent)")
    ] = None,
    region: Annotated[int | None, typer.Option(parser=region_code, help="home region")] = None,
    scheme: Annotated[str, typer.Option(help="EMPLOYEE | RESIDENT")] = "EMPLOYEE",
    coverage_from: Annotated[str | None, typer.Option(
        "--from", parser=day_text, help="coverage start YYYY-MM-DD")] = None,
    coverage_to: Annotated[str | None, typer.Option("--to", parser=day_text, help="coverage end YYYY-MM-DD")] = None,
    wallet: Annotated[str | None, typer.Option(parser=address_text, help="optional wallet address")] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", parser=text_file,
                                  help="CSV: national_id,region,scheme,coverage_from,coverage_to"
                                       "[,wallet][,sex][,birth_date] (sex, birth date: off chain)")
    ] = None,
    batch: Annotated[int, typer.Option(parser=batch_size, help="people per transaction")] = 200,
) -> None:
    """Enrol one person, or every person of a CSV file (all rows checked before any is written)."""
    from yibao.client import Enrolment
    from yibao.model.types import Scheme, parse_enum

    ws, ledger = opts.open()
    key = PseudonymKey.from_env_or_file(ws.pseudonym_key_path)
    if csv_file is not None:
        if national_id or region:
            raise InputError("give either --csv or --id/--region, not both")
        _enrol_csv(opts, ledger, key, csv_file, batch)
        return
    if not (national_id and region and coverage_from and coverage_to):
        raise InputError("enrol needs --id, --region, --from and --to (or --csv FILE)")
    e = Enrolment(key.pseudonym(national_id), region, parse_enum(Scheme, scheme, "scheme"),
                  parse_date(coverage_from, "--from"), parse_date(coverage_to, "--to"), wallet)
    result = ledger.enrol(e)
    opts.tx(f"enrolled 0x{e.person.hex()}", result)


def _enrol_csv(opts: ChainOptions, ledger: Ledger, key: PseudonymKey, path: Path, batch: int) -> None:
    """Enrol every person of a CSV file, with a progress bar on stderr. Every row is checked
    first (its region's operator role included); people already enrolled with the same data
    are skipped, so a rerun after a failure resumes (:func:`yibao.client.batches.enrol_resumable`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from yibao.client.batches import enrol_resumable
    from yibao.io.enrolment import read_enrolment_rows

    rows = read_enrolment_rows(path, key)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, disable=opts.as_json or not err.is_terminal,
                  transient=True) as bar:
        task = bar.add_task("enrolling", total=len(rows))
        report = enrol_resumable(ledger, [e for _, e in rows], [label for label, _ in rows], batch_size=batch,
                                 progress=lambda n: bar.advance(task, n))
    doc = report.to_json()
    skipped = f", {len(report.skipped):,} already enrolled (skipped)" if report.skipped else ""
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] enrolled {len(report.enrolled):,} people in {report.transactions} transactions "
        f"(gas {report.gas_used:,}){skipped}"))


@person_app.command("show")
@chain_options(signer=None)
def person_show(
    opts: ChainOptions, national_id: NationalIdOpt = None, pseudonym: PseudonymOpt = None,
    date: Annotated[str | None, typer.Option(
        parser=day_text, help="counters of this date's year and month (default: the chain's today)")] = None,
) -> None:
    """Show a person by national ID (hashed locally) or pseudonym, with the year's counters:
    deductible used and left, caps left, visits this month (under the policy in force)."""
    from yibao.client.listings import person_year

    ws, ledger = opts.open()
    person = ledger.person(person_of(ws, national_id, pseudonym))
    year = person_year(ledger, person, parse_date(date, "--date") if date else ledger.today())
    doc = {**person.to_json(), "year": year}

    def human() -> None:
        table("Person", person.to_json())
        shown = {k: money(v) if isinstance(v, int) and k.endswith(("used", "left", "deductible", "cap"))
                 and not k.startswith("visits") else v for k, v in year.items()}
        table(f"Year {year['year']} (as of {year['as_of']})", shown)

    opts.emit(doc, human)


@person_app.command("renew")
@chain_options()
def person_renew(
    opts: ChainOptions,
    coverage_to: Annotated[str, typer.Option("--to", parser=day_text, help="new coverage end YYYY-MM-DD")],
    coverage_from: Annotated[str | None, typer.Option(
        "--from", parser=day_text, help="coverage start (default: the stored one)")] = None,
    scheme: SchemeOpt = None,
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Extend a person's coverage into a new year (operator of the home region); the scheme and
    the coverage start stay as stored unless given."""
    ws, ledger = opts.open()
    pid = person_of(ws, national_id, pseudonym)
    p = ledger.person(pid)
    start = parse_date(coverage_from, "--from") if coverage_from else p.coverage_from
    end = parse_date(coverage_to, "--to")
    if end < start:
        raise InputError(f"--to {end} is before the coverage start {start}")
    if end < p.coverage_to:
        raise InputError(f"--to {end} is before the coverage end {p.coverage_to} on chain: renew extends coverage")
    opts.tx(f"coverage {start}..{end}", ledger.update_person(pid, scheme or p.scheme, start, end))


@person_app.command("set-wallet")
@chain_options()
def person_set_wallet(
    opts: ChainOptions,
    wallet: Annotated[str | None, typer.Option(parser=address_text, help="the person's wallet address")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="remove the wallet")] = False,
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Set or clear a person's wallet (operator of the home region)."""
    if bool(wallet) == clear:
        raise InputError("give either --wallet ADDRESS or --clear")
    ws, ledger = opts.open()
    opts.tx("wallet cleared" if clear else f"wallet set to {wallet}",
            ledger.set_person_wallet(person_of(ws, national_id, pseudonym), wallet))


@person_app.command("bind-wallet")
@chain_options()
def person_bind_wallet(
    opts: ChainOptions,
    wallet: Annotated[str, typer.Option(parser=account_ref, help="the patient's key (its name in this home) or "
                                                                  "address, as a 医保电子凭证 app holds it")],
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Bind the account the patient signs with to their pseudonym (operator of the home region):
    with it, and only with it, they read their own claims, payments and trail, grant and
    revoke consent, and confirm or dispute claims. A wallet is bound to one person at most."""
    from yibao.keys import fund_on_dev_chain

    ws, ledger = opts.open()
    address = ws.resolve_account(wallet, "--wallet")
    result = ledger.set_person_wallet(person_of(ws, national_id, pseudonym), address)
    fund_on_dev_chain(ledger.chain, address)  # on a dev chain the wallet can send its own requests
    opts.tx(f"wallet {address} bound", result)


@person_app.command("cancel-filing")
@chain_options()
def person_cancel_filing(
    opts: ChainOptions,
    region: Annotated[int, typer.Option(parser=region_code, help="region of care of the filing")],
    start: Annotated[str, typer.Option("--from", parser=day_text, help="the filing's start YYYY-MM-DD")],
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Cancel a cross-region filing (operator of the home region)."""
    ws, ledger = opts.open()
    opts.tx("filing cancelled", ledger.cancel_filing(
        person_of(ws, national_id, pseudonym), region, parse_date(start, "--from")))


def _person_action(name: str, action: Callable[[Ledger, bytes, int], TxResult], help_: str) -> None:
    def command(
        opts: ChainOptions, national_id: NationalIdOpt = None, pseudonym: PseudonymOpt = None,
        reason: ReasonOpt = 0,
    ) -> None:
        ws, ledger = opts.open()
        opts.tx(f"person {name}", action(ledger, person_of(ws, national_id, pseudonym), reason))

    command.__doc__ = help_
    person_app.command(name)(chain_options()(command))


_person_action("suspend", lambda ledger, p, r: ledger.suspend_person(p, r),
               "Suspend a person (operator of the home region).")
_person_action("reinstate", lambda ledger, p, r: ledger.reinstate_person(p, r), "Reinstate a suspended person.")
_person_action("terminate", lambda ledger, p, r: ledger.terminate_person(p, r),
               "Terminate a person's enrolment (final).")


@person_app.command("add-filing")
@chain_options()
def person_add_filing(
    opts: ChainOptions,
    region: Annotated[int, typer.Option(parser=region_code, help="region of care")],
    start: Annotated[str, typer.Option("--from", parser=day_text, help="YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", parser=day_text, help="YYYY-MM-DD")],
    national_id: NationalIdOpt = None,
    pseudonym: PseudonymOpt = None,
) -> None:
    """Record a cross-region filing (异地就医备案)."""
    ws, ledger = opts.open()
    opts.tx("filing added", ledger.add_filing(
        person_of(ws, national_id, pseudonym), region, parse_date(start, "--from"), parse_date(end, "--to")))


__all__ = [
    "enrol",
    "institution_app",
    "person_app",
    "region_app",
    "role_app",
]
