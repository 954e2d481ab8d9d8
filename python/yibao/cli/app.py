"""The ``yibao`` command line: a thin layer over :mod:`yibao.client`.

Every command takes ``--json`` (machine-readable output), and the chain commands take
``--rpc URL`` (a JSON-RPC node; default: the one in the manifest, or the embedded chain
persisted in the home folder), ``--manifest PATH`` and ``--as NAME`` (the signing key).
Errors print one line to stderr and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from yibao.units import parse_date
from yibao.errors import InputError, YibaoError
from yibao.identity import PseudonymKey, parse_pseudonym
from yibao.workspace import Workspace, to_jsonable

app = typer.Typer(no_args_is_help=True, add_completion=False, help="yibao — 医保 on an EVM ledger")
institution_app = typer.Typer(no_args_is_help=True, help="Designated institutions (定点医药机构)")
person_app = typer.Typer(no_args_is_help=True, help="Insured people (参保人)")
region_app = typer.Typer(no_args_is_help=True, help="Regions (统筹区)")
role_app = typer.Typer(no_args_is_help=True, help="Roles: regulator, operator, reviewer")
app.add_typer(institution_app, name="institution")
app.add_typer(person_app, name="person")
app.add_typer(region_app, name="region")
app.add_typer(role_app, name="role")
claim_app = typer.Typer(no_args_is_help=True, help="Claims (结算单): submit, show, history")
review_app = typer.Typer(no_args_is_help=True, help="Reviewers' decisions on flagged and appealed claims")
fund_app = typer.Typer(no_args_is_help=True, help="Regional funds (统筹基金)")
policy_app = typer.Typer(no_args_is_help=True, help="Policy versions (待遇政策)")
catalogue_app = typer.Typer(no_args_is_help=True, help="Catalogue items (医保目录)")
app.add_typer(claim_app, name="claim")
app.add_typer(review_app, name="review")
app.add_typer(fund_app, name="fund")
app.add_typer(policy_app, name="policy")
app.add_typer(catalogue_app, name="catalogue")

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
RpcOpt = Annotated[str | None, typer.Option("--rpc", help="JSON-RPC URL of a node")]
ManifestOpt = Annotated[Path | None, typer.Option("--manifest", help="deployment manifest")]
HomeOpt = Annotated[Path | None, typer.Option("--home", help="state folder (default ./.yibao)")]
AsOpt = Annotated[str | None, typer.Option("--as", help="signing key name or 0x private key")]

F = TypeVar("F", bound=Callable[..., Any])


def _emit(as_json: bool, doc: Any, human: Callable[[], None] | None = None) -> None:
    if as_json or human is None:
        out.print_json(json.dumps(to_jsonable(doc), ensure_ascii=False))
    else:
        human()


def _open(home: Path | None, rpc: str | None, manifest: Path | None, who: str | None) -> Any:
    from yibao.client import Ledger

    ws = Workspace.at(home)
    chain, m = ws.open_chain(rpc, manifest)
    return ws, Ledger.open(chain, m, ws.account(who))


def _pseudonym(ws: Workspace, national_id: str | None, pseudonym: str | None) -> bytes:
    if bool(national_id) == bool(pseudonym):
        raise InputError("give exactly one of --id and --pseudonym")
    if pseudonym:
        return parse_pseudonym(pseudonym)
    assert national_id is not None
    return PseudonymKey.from_env_or_file(ws.pseudonym_key_path).pseudonym(national_id)


def _tx(as_json: bool, what: str, result: Any) -> None:
    doc = {"ok": True, "action": what, "gas_used": result.gas_used, "tx": result.tx_hash,
           "events": [{"event": e["event"], **e["args"]} for e in result.events]}
    _emit(as_json, doc, lambda: out.print(f"[green]✓[/] {what} (gas {result.gas_used:,})"))


# ---------------------------------------------------------------------- node / deploy


@app.command()
def node(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8545,
    state: Annotated[Path | None, typer.Option(help="keep chain state in this file")] = None,
) -> None:
    """Run a local anvil node (Prague rules) until interrupted."""
    from yibao.chain.node import AnvilNode

    n = AnvilNode(port=port, state=state)
    err.print(f"anvil listening on {n.url} (Ctrl-C to stop)")
    try:
        n.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        n.stop()


@app.command()
def deploy(
    rpc: RpcOpt = None, home: HomeOpt = None, as_json: JsonOpt = False,
    manifest: ManifestOpt = None,
    admin: Annotated[str | None, typer.Option(help="admin account (default: the deployer)")] = None,
    who: AsOpt = None,
) -> None:
    """Deploy the contracts and write the manifest (and dev keys on a dev chain)."""
    from yibao.chain.backend import Chain
    from yibao.client import Ledger

    ws = Workspace.at(home)
    ws.write_dev_keys()
    if not ws.pseudonym_key_path.exists() and not __import__("os").environ.get("YIBAO_PSEUDONYM_KEY"):
        ws.pseudonym_key_path.write_text(PseudonymKey.generate().hex() + "\n", encoding="utf-8")
        ws.pseudonym_key_path.chmod(0o600)
    chain = Chain.connect(rpc) if rpc else ws.embedded_chain(fresh=True)
    deployer = ws.account(who)
    ledger = Ledger.deploy(chain, deployer, ws.resolve_account(admin) if admin else None)
    path = manifest or ws.manifest_path
    ledger.manifest.save(path)
    doc = {"manifest": str(path), **ledger.manifest.to_json()}
    _emit(as_json, doc, lambda: out.print(
        f"[green]✓[/] deployed ledger {ledger.address} on {chain.describe()} "
        f"(chain {chain.chain_id}); manifest {path}"))


# ---------------------------------------------------------------------- regions / roles


@region_app.command("add")
def region_add(
    code: int, name: str,
    fund: Annotated[int, typer.Option(help="opening fund balance, fen")] = 0,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a region (admin)."""
    _, ledger = _open(home, rpc, manifest, who)
    _tx(as_json, f"region {code} added", ledger.add_region(code, name, fund))


@region_app.command("show")
def region_show(code: int, rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None,
                as_json: JsonOpt = False) -> None:
    """Show a region."""
    _, ledger = _open(home, rpc, manifest, None)
    r = ledger.region(code)
    if not r["exists"]:
        raise InputError(f"region {code} is not registered")
    _emit(as_json, r, lambda: out.print(f"{r['code']} {r['name']} opening fund {r['opening_balance']:,} fen"))


ROLE_KINDS = ("regulator", "operator", "reviewer")


@role_app.command("grant")
def role_grant(
    kind: Annotated[str, typer.Argument(help="regulator | operator | reviewer")],
    account: Annotated[str, typer.Argument(help="0x address or key name")],
    region: Annotated[int, typer.Option(help="region code")],
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Grant a regional role (admin grants regulators; a regulator grants its region's operators and reviewers)."""
    ws, ledger = _open(home, rpc, manifest, who)
    role = _role(ledger, kind, region)
    _tx(as_json, f"{kind} of {region} granted", ledger.grant_role(role, ws.resolve_account(account)))


@role_app.command("revoke")
def role_revoke(
    kind: str, account: str, region: Annotated[int, typer.Option(help="region code")],
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a regional role."""
    ws, ledger = _open(home, rpc, manifest, who)
    role = _role(ledger, kind, region)
    _tx(as_json, f"{kind} of {region} revoked", ledger.revoke_role(role, ws.resolve_account(account)))


def _role(ledger: Any, kind: str, region: int) -> bytes:
    if kind not in ROLE_KINDS:
        raise InputError(f"role must be one of {', '.join(ROLE_KINDS)}, not {kind!r}")
    return bytes(getattr(ledger, f"{kind}_role")(region))


# ---------------------------------------------------------------------- institutions


@institution_app.command("add")
def institution_add(
    account: Annotated[str, typer.Argument(help="0x address or key name")],
    region: Annotated[int, typer.Option(help="region code")],
    level: Annotated[int, typer.Option(help="0 pharmacy, 1-3 hospital level")],
    grade: Annotated[str, typer.Option(help="credit grade A-E")] = "A",
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Designate an institution (regulator of its region)."""
    ws, ledger = _open(home, rpc, manifest, who)
    addr = ws.resolve_account(account)
    _tx(as_json, f"institution {addr} added", ledger.add_institution(addr, region, level, grade))


@institution_app.command("show")
def institution_show(account: str, rpc: RpcOpt = None, manifest: ManifestOpt = None,
                     home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show an institution."""
    ws, ledger = _open(home, rpc, manifest, None)
    inst = ledger.institution(ws.resolve_account(account))
    _emit(as_json, inst.to_json(), lambda: _table("Institution", inst.to_json()))


@institution_app.command("set-status")
def institution_set_status(
    account: str, status: Annotated[str, typer.Argument(help="ACTIVE | SUSPENDED | REVOKED")],
    reason: Annotated[int, typer.Option(help="reason code")] = 0,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an institution's status (regulator of its region)."""
    ws, ledger = _open(home, rpc, manifest, who)
    _tx(as_json, f"status set to {status.upper()}",
        ledger.set_institution_status(ws.resolve_account(account), status, reason))


@institution_app.command("set-grade")
def institution_set_grade(
    account: str, grade: Annotated[str, typer.Argument(help="A-E")],
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an institution's credit grade (regulator of its region)."""
    ws, ledger = _open(home, rpc, manifest, who)
    _tx(as_json, f"grade set to {grade.upper()}",
        ledger.set_institution_grade(ws.resolve_account(account), grade))


# ---------------------------------------------------------------------- people

CSV_COLUMNS = ("national_id", "region", "scheme", "coverage_from", "coverage_to")


@app.command()
def enrol(
    national_id: Annotated[
        str | None, typer.Option("--id", help="national ID (hashed with the operator key; never sent)")
    ] = None,
    region: Annotated[int | None, typer.Option(help="home region")] = None,
    scheme: Annotated[str, typer.Option(help="EMPLOYEE | RESIDENT")] = "EMPLOYEE",
    coverage_from: Annotated[str | None, typer.Option("--from", help="coverage start YYYY-MM-DD")] = None,
    coverage_to: Annotated[str | None, typer.Option("--to", help="coverage end YYYY-MM-DD")] = None,
    wallet: Annotated[str | None, typer.Option(help="optional wallet address")] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="CSV: national_id,region,scheme,coverage_from,coverage_to[,wallet]")
    ] = None,
    batch: Annotated[int, typer.Option(help="people per transaction")] = 200,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Enrol one person, or every person of a CSV file (all rows checked before any is written)."""
    from yibao.client import Enrolment

    ws, ledger = _open(home, rpc, manifest, who)
    key = PseudonymKey.from_env_or_file(ws.pseudonym_key_path)
    if csv_file is not None:
        if national_id or region:
            raise InputError("give either --csv or --id/--region, not both")
        people = read_enrolment_csv(csv_file, key)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err, disable=as_json) as bar:
            task = bar.add_task("enrolling", total=len(people))
            results = ledger.enrol_many(people, batch_size=batch,
                                        progress=lambda n: bar.advance(task, n))
        gas = sum(r.gas_used for r in results)
        doc = {"ok": True, "enrolled": len(people), "transactions": len(results), "gas_used": gas}
        _emit(as_json, doc, lambda: out.print(
            f"[green]✓[/] enrolled {len(people):,} people in {len(results)} transactions (gas {gas:,})"))
        return
    if not (national_id and region and coverage_from and coverage_to):
        raise InputError("enrol needs --id, --region, --from and --to (or --csv FILE)")
    from yibao.model.types import parse_enum as _enum
    from yibao.model.types import Scheme

    e = Enrolment(key.pseudonym(national_id), region, _enum(Scheme, scheme, "scheme"),
                  parse_date(coverage_from, "--from"), parse_date(coverage_to, "--to"), wallet)
    result = ledger.enrol(e)
    _tx(as_json, f"enrolled 0x{e.person.hex()}", result)


def read_enrolment_csv(path: Path, key: PseudonymKey) -> list[Any]:
    """Parse and validate a whole enrolment CSV; a bad row is named by its line number."""
    from yibao.client import Enrolment
    from yibao.model.types import parse_enum as _enum
    from yibao.model.types import Scheme

    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    people: list[Any] = []
    with f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header[:5]) != CSV_COLUMNS:
            raise InputError(f"{path}:1: header must be {','.join(CSV_COLUMNS)}[,wallet]")
        has_wallet = len(header) > 5 and header[5].strip() == "wallet"
        seen: dict[bytes, int] = {}
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            want = 6 if has_wallet else 5
            if len(row) not in (5, want):
                raise InputError(f"{path}:{line}: expected {want} fields, got {len(row)}")
            try:
                pid = key.pseudonym(row[0])
                region = int(row[1])
                if not 100000 <= region <= 999999:
                    raise InputError(f"region {row[1]!r} is not a 6-digit code")
                scheme = _enum(Scheme, row[2], "scheme")
                start = parse_date(row[3], "coverage_from")
                end = parse_date(row[4], "coverage_to")
                if end < start:
                    raise InputError("coverage_to is before coverage_from")
                wallet = row[5].strip() if has_wallet and len(row) > 5 and row[5].strip() else None
                if wallet:
                    from web3 import Web3

                    if not Web3.is_address(wallet):
                        raise InputError(f"wallet {wallet!r} is not an address")
            except InputError as exc:
                raise InputError(f"{path}:{line}: {exc}") from None
            except ValueError:
                raise InputError(f"{path}:{line}: region {row[1]!r} is not a number") from None
            if pid in seen:
                raise InputError(f"{path}:{line}: same person as line {seen[pid]}")
            seen[pid] = line
            people.append(Enrolment(pid, region, scheme, start, end, wallet))
    if not people:
        raise InputError(f"{path}: no rows")
    return people


@person_app.command("show")
def person_show(
    national_id: Annotated[str | None, typer.Option("--id", help="national ID")] = None,
    pseudonym: Annotated[str | None, typer.Option(help="0x pseudonym")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, as_json: JsonOpt = False,
) -> None:
    """Show a person by national ID (hashed locally) or pseudonym."""
    ws, ledger = _open(home, rpc, manifest, None)
    p = ledger.person(_pseudonym(ws, national_id, pseudonym))
    _emit(as_json, p.to_json(), lambda: _table("Person", p.to_json()))


def _person_action(name: str, fn: str, help_: str) -> None:
    def command(
        national_id: Annotated[str | None, typer.Option("--id", help="national ID")] = None,
        pseudonym: Annotated[str | None, typer.Option(help="0x pseudonym")] = None,
        reason: Annotated[int, typer.Option(help="reason code")] = 0,
        rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        ws, ledger = _open(home, rpc, manifest, who)
        _tx(as_json, f"person {name}", getattr(ledger, fn)(_pseudonym(ws, national_id, pseudonym), reason))

    command.__doc__ = help_
    person_app.command(name)(command)


_person_action("suspend", "suspend_person", "Suspend a person (operator of the home region).")
_person_action("reinstate", "reinstate_person", "Reinstate a suspended person.")
_person_action("terminate", "terminate_person", "Terminate a person's enrolment (final).")


@person_app.command("add-filing")
def person_add_filing(
    region: Annotated[int, typer.Option(help="region of care")],
    start: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    national_id: Annotated[str | None, typer.Option("--id", help="national ID")] = None,
    pseudonym: Annotated[str | None, typer.Option(help="0x pseudonym")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a cross-region filing (异地就医备案)."""
    ws, ledger = _open(home, rpc, manifest, who)
    _tx(as_json, "filing added", ledger.add_filing(
        _pseudonym(ws, national_id, pseudonym), region, parse_date(start, "--from"), parse_date(end, "--to")))


# ---------------------------------------------------------------------- rule base


@policy_app.command("add")
def policy_add(
    file: Annotated[Path, typer.Argument(help="JSON: one policy entry (fields of a scenario policy) or a list")],
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add policy versions from a JSON file (regulator of each region); all checked before any is sent."""
    from yibao.io.rules import add_policies, read_policies

    policies = read_policies(file)
    _, ledger = _open(home, rpc, manifest, who)
    results = add_policies(ledger, policies)
    rows = [{"region": p.region, "scheme": p.scheme.name, "effective_from": p.effective_from.isoformat()}
            for p in policies]
    doc = {"ok": True, "policies": rows,
           "transactions": len(results), "gas_used": sum(r.gas_used for r in results),
           "tx": [r.tx_hash for r in results]}
    _emit(as_json, doc, lambda: out.print(
        f"[green]✓[/] {len(policies)} policy version(s) added: "
        + "; ".join(f"{p['region']} {p['scheme']} from {p['effective_from']}" for p in rows)))


@catalogue_app.command("load")
def catalogue_load(
    file: Annotated[Path, typer.Argument(help="CSV (header: region,code,category[,price_cap,inpatient_only,"
                                              "max_qty,min_interval_days]) or a JSON list of items")],
    region: Annotated[int | None, typer.Option(help="region of entries that name none")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add or change catalogue items (regulator of each region); all checked before any is sent."""
    from yibao.io.rules import load_items, read_items

    items = read_items(file, region)
    _, ledger = _open(home, rpc, manifest, who)
    results = load_items(ledger, items)
    n = sum(len(v) for v in items.values())
    per_region = {str(r): len(v) for r, v in items.items()}
    doc = {"ok": True, "items": n, "regions": per_region,
           "transactions": len(results), "gas_used": sum(r.gas_used for r in results),
           "tx": [r.tx_hash for r in results]}
    _emit(as_json, doc, lambda: out.print(
        f"[green]✓[/] {n} catalogue item(s) set in {len(results)} transaction(s): "
        + ", ".join(f"{r}: {k}" for r, k in per_region.items())))


# ---------------------------------------------------------------------- claims


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}¥{fen // 100:,}.{fen % 100:02d}"


def _parse_line(text: str) -> Any:
    from yibao.model.types import ClaimLine

    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[0]:
        raise InputError(f"--line {text!r}: expected CODE:QTY:PRICE (price in fen)")
    try:
        qty, price = int(parts[1]), int(parts[2])
    except ValueError:
        raise InputError(f"--line {text!r}: QTY and PRICE must be integers (price in fen)") from None
    if qty < 0 or price < 0:
        raise InputError(f"--line {text!r}: QTY and PRICE must not be negative")
    return ClaimLine(parts[0], qty, price)


def _claim_id_arg(ws: Workspace, claim_id: str | None, institution: str | None = None,
                  invoice: str | None = None) -> bytes:
    from yibao.client import claim_id_of
    from yibao.client.history import parse_claim_id

    if claim_id and (institution or invoice):
        raise InputError("give either a claim id or --institution and --invoice, not both")
    if claim_id:
        return parse_claim_id(claim_id)
    if not (institution and invoice):
        raise InputError("give a claim id (0x…) or both --institution and --invoice")
    return claim_id_of(ws.resolve_account(institution), invoice)


def _claim_doc(r: Any, lines: list[Any], service_date: Any, discharge: Any, person: bytes) -> dict[str, Any]:
    from yibao.model.types import flag_names, note_names

    outcomes = list(r.lines)
    return {
        "ok": True,
        "claim_id": "0x" + r.claim_id.hex(),
        "institution": r.institution,
        "person": "0x" + person.hex(),
        "visit": r.visit.name if hasattr(r.visit, "name") else r.visit,
        "service_date": service_date.isoformat(),
        "discharge": discharge.isoformat() if discharge else None,
        "status": r.status.name, "reason": r.reason.name, "flags": flag_names(r.flags),
        "billed": r.billed, "eligible": r.eligible, "deductible": r.deductible,
        "fund": r.fund, "patient": r.patient,
        "lines": [
            {"code": ln.code, "qty": ln.qty, "unit_price": ln.unit_price, "billed": ln.qty * ln.unit_price,
             **({"eligible": outcomes[i].eligible, "notes": note_names(outcomes[i].notes)}
                if i < len(outcomes) else {})}
            for i, ln in enumerate(lines)
        ],
        "alerts": [a.name for a in r.alerts],
        "gas_used": r.gas_used, "tx": r.tx_hash,
    }


def _print_claim(doc: dict[str, Any], title: str) -> None:
    colour = {"APPROVED": "green", "SETTLED": "green", "FLAGGED": "yellow"}.get(doc["status"], "red")
    extra = f" ({doc['reason']})" if doc.get("reason") not in (None, "NONE") else ""
    flags = f" flags {', '.join(doc['flags'])}" if doc.get("flags") else ""
    out.print(f"{title} {doc['claim_id']}: [{colour}]{doc['status']}[/]{extra}{flags}")
    out.print(f"  billed {_yuan(doc['billed'])}  eligible {_yuan(doc['eligible'])}  deductible "
              f"{_yuan(doc['deductible'])}  fund {_yuan(doc['fund'])}  patient {_yuan(doc['patient'])}")
    if doc.get("lines"):
        t = Table(show_header=True)
        for col in ("code", "qty", "unit price", "billed", "eligible", "notes"):
            t.add_column(col)
        for ln in doc["lines"]:
            t.add_row(ln["code"], f"{ln['qty']:,}", _yuan(ln["unit_price"]), _yuan(ln["billed"]),
                      _yuan(ln["eligible"]) if "eligible" in ln else "-", ", ".join(ln.get("notes", [])) or "-")
        out.print(t)
    if doc.get("alerts"):
        out.print(f"  [yellow]alerts:[/] {', '.join(doc['alerts'])}")


@claim_app.command("submit")
def claim_submit(
    invoice: Annotated[str, typer.Option(help="the institution's invoice number")],
    line: Annotated[list[str] | None,
                    typer.Option("--line", help="CODE:QTY:PRICE (price in fen); repeat per line")] = None,
    national_id: Annotated[str | None, typer.Option("--id", help="patient's national ID (hashed locally)")] = None,
    pseudonym: Annotated[str | None, typer.Option(help="patient's 0x pseudonym")] = None,
    visit: Annotated[str, typer.Option(help="OUTPATIENT | INPATIENT | PHARMACY")] = "OUTPATIENT",
    date: Annotated[str | None,
                    typer.Option(help="service (admission) date YYYY-MM-DD; default: the chain's today")] = None,
    discharge: Annotated[str | None, typer.Option(help="discharge date YYYY-MM-DD (inpatient)")] = None,
    claimed_fund: Annotated[int | None, typer.Option(help="fund share the institution computed, fen")] = None,
    documents: Annotated[str | None, typer.Option(help="supporting documents reference (stored as its hash)")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None,
    who: Annotated[str | None, typer.Option("--institution-as", "--as", help="the institution's signing key")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Submit one claim as the institution; print its decision with lines and alerts."""
    from yibao.client import ClaimInput
    from yibao.model.types import parse_enum as _enum
    from yibao.model.types import VisitType

    lines = [_parse_line(x) for x in line or []]
    if not lines:
        raise InputError("a claim needs at least one --line CODE:QTY:PRICE")
    if claimed_fund is not None and claimed_fund < 0:
        raise InputError("--claimed-fund must not be negative")
    kind = _enum(VisitType, visit, "--visit")
    day = parse_date(date, "--date") if date else None
    out_day = parse_date(discharge, "--discharge") if discharge else None
    ws, ledger = _open(home, rpc, manifest, who)
    person = _pseudonym(ws, national_id, pseudonym)
    day = day or ledger.today()
    docs = bytes(__import__("eth_utils").keccak(text=documents)) if documents else bytes(32)
    claim = ClaimInput(invoice, person, kind, day, lines, out_day, claimed_fund, docs)
    result = ledger.submit_claim(claim)
    doc = _claim_doc(result, lines, day, out_day, person)
    _emit(as_json, doc, lambda: _print_claim(doc, "claim"))


@claim_app.command("show")
def claim_show(
    claim_id: Annotated[str | None, typer.Argument(help="0x claim id")] = None,
    institution: Annotated[str | None, typer.Option(help="institution account (with --invoice)")] = None,
    invoice: Annotated[str | None, typer.Option(help="invoice number (with --institution)")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, as_json: JsonOpt = False,
) -> None:
    """Show a stored claim: status, amounts, lines, alerts, review."""
    from yibao.client.history import claim_details

    ws = Workspace.at(home)
    cid = _claim_id_arg(ws, claim_id, institution, invoice)
    _, ledger = _open(home, rpc, manifest, None)
    doc = claim_details(ledger, cid)

    def human() -> None:
        _print_claim(doc, "claim")
        for k in ("institution", "person", "visit", "service_date", "discharge", "submitted", "tx"):
            if doc.get(k):
                out.print(f"  {k}: {doc[k]}")
        if doc.get("review"):
            rv = doc["review"]
            out.print(f"  rejected by {rv['rejected_by']} on {rv['rejected_on']}"
                      f"{' (appealed)' if rv['appealed'] else ''}")

    _emit(as_json, doc, human)


def _step_text(s: dict[str, Any]) -> str:
    k = s["step"]
    if k == "submitted":
        flags = f" [{', '.join(s['flags'])}]" if s["flags"] else ""
        why = f" {s['reason']}" if s["reason"] != "NONE" else ""
        return (f"{s['status']}{why}{flags}: billed {_yuan(s['billed'])}, eligible {_yuan(s['eligible'])}, "
                f"deductible {_yuan(s['deductible'])}, fund {_yuan(s['fund'])}")
    if k == "alert":
        return str(s["kind"])
    if k == "reviewed":
        what = "appeal " if s["appeal"] else ""
        reason = f" reason {s['reason']}" if s["reason"] else ""
        ev = f" evidence {s['evidence'][:10]}…" if s["evidence"] else ""
        return f"{what}{s['decision']} by {s['reviewer']}{reason}{ev}; fund {_yuan(s['fund'])}"
    if k == "appealed":
        return f"by {s['institution']}"
    if k == "settled":
        return (f"settlement #{s['epoch']} of {s['institution']}: {s['claims']} claims, payable "
                f"{_yuan(s['payable'])} (netted {_yuan(s['netted'])}, cash {_yuan(s['cash'])})")
    if k == "clawed_back":
        reason = f" reason {s['reason']}" if s["reason"] else ""
        return f"{_yuan(s['amount'])} from {s['institution']}{reason}"
    return ""


@claim_app.command("history")
def claim_history_cmd(
    claim_id: Annotated[str | None, typer.Argument(help="0x claim id")] = None,
    institution: Annotated[str | None, typer.Option(help="institution account (with --invoice)")] = None,
    invoice: Annotated[str | None, typer.Option(help="invoice number (with --institution)")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, as_json: JsonOpt = False,
) -> None:
    """A claim's whole history from the chain's events, in order, with CST times and transactions."""
    from yibao.client.history import claim_history

    ws = Workspace.at(home)
    cid = _claim_id_arg(ws, claim_id, institution, invoice)
    _, ledger = _open(home, rpc, manifest, None)
    steps = claim_history(ledger, cid)
    doc = {"claim_id": "0x" + cid.hex(), "steps": steps}

    def human() -> None:
        t = Table(title=f"claim {doc['claim_id']}")
        for col in ("time (CST)", "step", "what", "tx"):
            t.add_column(col)
        for s in steps:
            t.add_row(s["time"].replace("T", " ")[:19], s["step"], _step_text(s), s["tx"][:12] + "…")
        out.print(t)

    _emit(as_json, doc, human)


def _claim_tx(as_json: bool, ledger: Any, cid: bytes, what: str, result: Any) -> None:
    status = ledger.claim(cid).status.name
    doc = {"ok": True, "action": what, "claim_id": "0x" + cid.hex(), "status": status,
           "gas_used": result.gas_used, "tx": result.tx_hash,
           "events": [{"event": e["event"], **e["args"]} for e in result.events]}
    _emit(as_json, doc, lambda: out.print(f"[green]✓[/] {what}: claim 0x{cid.hex()} is {status} "
                                          f"(gas {result.gas_used:,})"))


def _review(decision: str) -> None:
    approve = decision == "approve"

    def command(
        claim_id: Annotated[str, typer.Argument(help="0x claim id")],
        reason: Annotated[str, typer.Option(help="reason code (≤ 32 bytes)")] = "",
        evidence: Annotated[str, typer.Option(help="evidence reference (stored as its hash)")] = "",
        rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        from yibao.client.history import parse_claim_id, require_claim

        cid = parse_claim_id(claim_id)
        _, ledger = _open(home, rpc, manifest, who)
        require_claim(ledger, cid)
        _claim_tx(as_json, ledger, cid, f"review {decision}",
                  ledger.review(cid, approve, reason, evidence))

    command.__doc__ = f"{decision.capitalize()} a FLAGGED claim, or decide an APPEALED one (reviewer of its region)."
    review_app.command(decision)(command)


_review("approve")
_review("reject")


@app.command()
def appeal(
    claim_id: Annotated[str, typer.Argument(help="0x claim id")],
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Appeal a reviewer's rejection (the claim's institution, within appeal_days)."""
    from yibao.client.history import parse_claim_id, require_claim

    cid = parse_claim_id(claim_id)
    _, ledger = _open(home, rpc, manifest, who)
    require_claim(ledger, cid)
    _claim_tx(as_json, ledger, cid, "appeal", ledger.appeal(cid))


@app.command()
def clawback(
    claim_id: Annotated[str, typer.Argument(help="0x claim id")],
    reason: Annotated[str, typer.Option(help="reason code (≤ 32 bytes)")] = "",
    evidence: Annotated[str, typer.Option(help="evidence reference (stored as its hash)")] = "",
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Claw back a settled claim (regulator of the institution's region); its fund share
    becomes the institution's debt."""
    from yibao.client.history import parse_claim_id, require_claim

    cid = parse_claim_id(claim_id)
    _, ledger = _open(home, rpc, manifest, who)
    require_claim(ledger, cid)
    _claim_tx(as_json, ledger, cid, "clawback", ledger.clawback(cid, reason, evidence))


# ---------------------------------------------------------------------- money


@app.command()
def settle(
    account: Annotated[str, typer.Argument(help="institution: 0x address or key name")],
    ref: Annotated[str, typer.Option(help="payment order reference (stored as its hash)")] = "",
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pay an institution its approved, unsettled fund shares (regulator of its region)."""
    ws, ledger = _open(home, rpc, manifest, who)
    addr = ws.resolve_account(account)
    result = ledger.settle(addr, ref)
    s = result.named("Settled")[0]
    doc = {"ok": True, "action": "settle", "institution": addr, "epoch": s["epoch"], "payable": s["payable_"],
           "netted": s["netted"], "cash": s["cash"], "claims": s["claims"],
           "cross_region": [{"home": e["home"], "treating": e["treating"], "amount": e["amount"], "owed": e["owed"]}
                            for e in result.named("CrossRegionOwed")],
           "gas_used": result.gas_used, "tx": result.tx_hash,
           "events": [{"event": e["event"], **e["args"]} for e in result.events]}
    _emit(as_json, doc, lambda: out.print(
        f"[green]✓[/] settled {addr}: {doc['claims']} claim(s), payable {_yuan(doc['payable'])}, "
        f"netted {_yuan(doc['netted'])}, paid {_yuan(doc['cash'])} (gas {result.gas_used:,})"))


@app.command()
def clear(
    from_region: Annotated[int, typer.Argument(metavar="FROM", help="paying (home) region")],
    to_region: Annotated[int, typer.Argument(metavar="TO", help="receiving (treating) region")],
    amount: Annotated[int | None, typer.Option(help="fen (default: all that is owed)")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pay what FROM's fund owes TO's fund for cross-region care (regulator of FROM)."""
    if amount is not None and amount < 0:
        raise InputError("--amount must not be negative")
    _, ledger = _open(home, rpc, manifest, who)
    result = ledger.clear(from_region, to_region, amount)
    c = result.named("Cleared")[0]
    doc = {"ok": True, "action": "clear", "from": from_region, "to": to_region, "amount": c["amount"],
           "still_owed": c["stillOwed"], "gas_used": result.gas_used, "tx": result.tx_hash}
    _emit(as_json, doc, lambda: out.print(
        f"[green]✓[/] {from_region} paid {to_region} {_yuan(doc['amount'])}; still owed {_yuan(doc['still_owed'])}"))


def _freeze_command(name: str, frozen: bool) -> None:
    def command(
        account: Annotated[str, typer.Argument(help="institution: 0x address or key name")],
        rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        ws, ledger = _open(home, rpc, manifest, who)
        addr = ws.resolve_account(account)
        _tx(as_json, f"{addr} {'frozen' if frozen else 'unfrozen'}", ledger.set_frozen(addr, frozen))

    command.__doc__ = (f"{'Freeze' if frozen else 'Unfreeze'} an institution's payouts (regulator of its region).")
    app.command(name)(command)


_freeze_command("freeze", True)
_freeze_command("unfreeze", False)


@app.command()
def contribute(
    amount: Annotated[int, typer.Option(help="fen")],
    national_id: Annotated[str | None, typer.Option("--id", help="national ID")] = None,
    pseudonym: Annotated[str | None, typer.Option(help="0x pseudonym")] = None,
    rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None, who: AsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a contribution (缴费) to the person's home-region fund (operator of that region)."""
    if amount < 0:
        raise InputError("--amount must not be negative")
    ws, ledger = _open(home, rpc, manifest, who)
    person = _pseudonym(ws, national_id, pseudonym)
    _tx(as_json, f"contribution of {_yuan(amount)} recorded", ledger.contribute(person, amount))


@fund_app.command("show")
def fund_show(
    region: int, rpc: RpcOpt = None, manifest: ManifestOpt = None, home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A region's fund, the law check, and what other regions owe it and it owes them."""
    from yibao.client.reports import fund_report

    _, ledger = _open(home, rpc, manifest, None)
    doc = fund_report(ledger, region)

    def human() -> None:
        t = Table(title=f"Fund of {region} {doc['name']}", show_header=False)
        t.add_column("field", style="bold")
        t.add_column("fen", justify="right")
        for k in ("opening", "contributions", "settled", "clearing_in", "clearing_out", "recovered", "balance"):
            t.add_row(k.replace("_", " "), _yuan(doc[k]))
        out.print(t)
        law = doc["law"]
        mark = "[green]✓ holds[/]" if law["holds"] else f"[red]✗ broken: expected {_yuan(law['expected_balance'])}[/]"
        out.print(f"balance = opening + contributions − settled + clearing in − clearing out + recovered: {mark}")
        for o in doc["owed_to_it"]:
            out.print(f"  {o['region']} owes it {_yuan(o['amount'])}")
        for o in doc["it_owes"]:
            out.print(f"  it owes {o['region']} {_yuan(o['amount'])}")

    _emit(as_json, doc, human)


# ---------------------------------------------------------------------- simulate


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(help="scenario JSON (docs: shared/docs/scenario.md)")],
    model: Annotated[bool, typer.Option("--model", help="run the Python reference model")] = False,
    rpc: RpcOpt = None,
) -> None:
    """Play a scenario through the contracts (a fresh embedded chain, or --rpc) and print
    every outcome as JSON; --model plays it through the Python reference model instead."""
    from yibao.simulate.scenario import load_scenario
    from yibao.simulate import Engine, ModelEngine, run_scenario

    scenario = load_scenario(file)
    if model and rpc:
        raise InputError("give either --model or --rpc, not both")
    engine: Engine
    if model:
        engine = ModelEngine()
    else:
        from yibao.simulate.chain_engine import ChainEngine

        engine = ChainEngine(rpc)
    doc = run_scenario(scenario, engine)
    print(json.dumps(doc, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------- bench


@app.command()
def bench(
    rpc: RpcOpt = None,
    anvil: Annotated[bool, typer.Option("--anvil", help="also run on an anvil node started here")] = False,
    history: Annotated[int, typer.Option(help="earlier claims before the last gas figure")] = 10_000,
    batch: Annotated[int, typer.Option(help="claims per batched transaction")] = 50,
    singles: Annotated[int, typer.Option(help="claims sent one per transaction for the speed figure")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Measure claim gas and speed (one per transaction vs batched, and as history grows)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from yibao.bench import GENESIS, TARGETS, judge, run_bench
    from yibao.chain.backend import Chain
    from yibao.chain.node import AnvilNode

    runs: list[tuple[str, Any]] = (
        [("node", lambda: Chain.connect(rpc))] if rpc
        else [("embedded", lambda: Chain.embedded(genesis_timestamp=GENESIS))]
    )
    node = None
    if anvil and not rpc:
        node = AnvilNode(timestamp=GENESIS)
        runs.append(("anvil", lambda: Chain.connect(node.url)))
    results = []
    try:
        for label, make in runs:
            with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                          console=err, disable=as_json, transient=True) as bar:
                tasks: dict[str, Any] = {}

                def note(stage: str, done: int, total: int,
                         tasks: dict[str, Any] = tasks, label: str = label) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(f"{label}: {stage}", total=total)
                    bar.update(tasks[stage], completed=done)

                r = run_bench(make(), history=history, batch=batch, singles=singles, progress=note)
            r["targets_met"] = judge(r, node=label != "embedded")
            results.append(r)
    finally:
        if node is not None:
            node.stop()
    doc = {"targets": TARGETS, "results": results}

    def human() -> None:
        t = Table(title="yibao bench (2-line outpatient claims)")
        for col in ("chain", "gas alone", "gas/claim batched", "claims/s single", "claims/s batched",
                    "speed-up", "gas after 100", f"gas after {history:,}", "growth %"):
            t.add_column(col)
        for r in results:
            ok = r["targets_met"]

            def mark(good: bool) -> str:
                return "[green]✓[/]" if good else "[red]✗[/]"

            t.add_row(r["chain"], f"{r['gas_alone']:,} {mark(ok['gas_alone'])}",
                      f"{r['gas_batched']:,} {mark(ok['gas_batched'])}",
                      f"{r['claims_per_second_single']:,}", f"{r['claims_per_second_batched']:,}",
                      f"{r['speedup']}× {mark(ok['speedup'])}", f"{r['gas_after_100']:,}",
                      f"{r['gas_after_history']:,}", f"{r['history_growth_pct']} {mark(ok['history_growth'])}")
        out.print(t)

    _emit(as_json, doc, human)


# ---------------------------------------------------------------------- demo


@app.command()
def demo(
    rpc: RpcOpt = None, as_json: JsonOpt = False,
    people: Annotated[int, typer.Option(help="people to enrol")] = 1000,
    claims: Annotated[int, typer.Option(help="claims to submit")] = 10_000,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    out_dir: Annotated[str, typer.Option("--out", help="folder for the demo's outputs")] = "out/demo",
) -> None:
    """Run the demo: deploy, set up regions and institutions, enrol people, submit claims, settle."""
    from yibao.demo import run_demo

    doc = run_demo(rpc=rpc, people=people, claims=claims, seed=seed, out_dir=Path(out_dir),
                   console=None if as_json else err)
    _emit(as_json, doc, lambda: _print_demo(doc))


def _print_demo(doc: Any) -> None:
    """The summary the demo returns: its lines, or the whole document as JSON."""
    summary = doc.get("summary") if isinstance(doc, dict) else None
    if summary is None:
        out.print_json(json.dumps(to_jsonable(doc), ensure_ascii=False))
    elif isinstance(summary, str):
        out.print(summary)
    elif isinstance(summary, dict):
        for k, v in summary.items():
            out.print(f"{k}: {v}")
    else:
        for ln in summary:
            out.print(str(ln))


def _table(title: str, doc: dict[str, Any]) -> None:
    t = Table(title=title, show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value")
    for k, v in doc.items():
        t.add_row(k, json.dumps(to_jsonable(v), ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))
    out.print(t)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv``; return the exit status (0 ok, 1 refused, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=argv, prog_name="yibao", standalone_mode=False)
    except YibaoError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "--json" in argv:
            print(json.dumps({"ok": False, "error": type(exc).__name__,
                              "name": getattr(exc, "name", None), "message": msg}))
        print(f"error: {msg}", file=sys.stderr)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            print(f"error: {exc}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    return 0


def main() -> None:
    sys.exit(run())
