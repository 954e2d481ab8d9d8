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

from yibao.days import parse_date
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
    from yibao.node import AnvilNode

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
    national_id: Annotated[str | None, typer.Option("--id", help="national ID (hashed with the operator key; never sent)")] = None,
    region: Annotated[int | None, typer.Option(help="home region")] = None,
    scheme: Annotated[str, typer.Option(help="EMPLOYEE | RESIDENT")] = "EMPLOYEE",
    coverage_from: Annotated[str | None, typer.Option("--from", help="coverage start YYYY-MM-DD")] = None,
    coverage_to: Annotated[str | None, typer.Option("--to", help="coverage end YYYY-MM-DD")] = None,
    wallet: Annotated[str | None, typer.Option(help="optional wallet address")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="CSV: national_id,region,scheme,coverage_from,coverage_to[,wallet]")] = None,
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
    from yibao.client import _enum
    from yibao.model.types import Scheme

    e = Enrolment(key.pseudonym(national_id), region, _enum(Scheme, scheme, "scheme"),
                  parse_date(coverage_from, "--from"), parse_date(coverage_to, "--to"), wallet)
    result = ledger.enrol(e)
    _tx(as_json, f"enrolled 0x{e.person.hex()}", result)


def read_enrolment_csv(path: Path, key: PseudonymKey) -> list[Any]:
    """Parse and validate a whole enrolment CSV; a bad row is named by its line number."""
    from yibao.client import Enrolment, _enum
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


# ---------------------------------------------------------------------- simulate


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(help="scenario JSON (docs: shared/docs/scenario.md)")],
    model: Annotated[bool, typer.Option("--model", help="run the Python reference model")] = False,
    rpc: RpcOpt = None,
) -> None:
    """Play a scenario through the contracts (a fresh embedded chain, or --rpc) and print
    every outcome as JSON; --model plays it through the Python reference model instead."""
    from yibao.scenario import load_scenario
    from yibao.simulate import Engine, ModelEngine, run_scenario

    scenario = load_scenario(file)
    if model and rpc:
        raise InputError("give either --model or --rpc, not both")
    engine: Engine
    if model:
        engine = ModelEngine()
    else:
        from yibao.chain_engine import ChainEngine

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
    from yibao.node import AnvilNode

    runs: list[tuple[str, Any]] = [("node", lambda: Chain.connect(rpc))] if rpc else [("embedded", lambda: Chain.embedded(genesis_timestamp=GENESIS))]
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

                def note(stage: str, done: int, total: int) -> None:
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
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
) -> None:
    """Deploy, set up two regions, designate institutions, enrol people, and print them."""
    from yibao.demo import run_demo

    doc = run_demo(rpc=rpc, people=people, seed=seed, console=None if as_json else err)
    _emit(as_json, doc, lambda: _print_demo(doc))


def _print_demo(doc: dict[str, Any]) -> None:
    t = Table(title="Regions")
    for col in ("code", "name", "opening fund (fen)", "people"):
        t.add_column(col)
    for r in doc["regions"]:
        t.add_row(str(r["code"]), r["name"], f"{r['opening_balance']:,}", f"{r['people']:,}")
    out.print(t)
    t = Table(title="Institutions (定点医药机构)")
    for col in ("name", "account", "region", "level", "status", "grade"):
        t.add_column(col)
    for i in doc["institutions"]:
        t.add_row(i["name"], i["account"], str(i["region"]), str(i["level"]), i["status"], i["grade"])
    out.print(t)
    t = Table(title=f"People (first {len(doc['people_sample'])} of {doc['people_total']:,})")
    for col in ("pseudonym", "region", "scheme", "coverage", "status", "filings"):
        t.add_column(col)
    for p in doc["people_sample"]:
        filings = "; ".join(f"{f['region']} {f['from']}..{f['to']}" for f in p["filings"]) or "-"
        t.add_row(p["pseudonym"][:18] + "…", str(p["region"]), p["scheme"],
                  f"{p['coverage_from']}..{p['coverage_to']}", p["status"], filings)
    out.print(t)
    s = doc["stats"]
    out.print(f"chain {doc['chain']}; enrolled {s['people']:,} people in {s['enrol_transactions']} "
              f"transactions, {s['gas_per_person']:,} gas/person, {s['people_per_second']:,} people/s; "
              f"manifest written to {doc['manifest']}")


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
