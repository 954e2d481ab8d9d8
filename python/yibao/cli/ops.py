"""Operating commands: a local node, deployment, scenarios, the bench and the demo."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yibao.cli.city import (
    ClaimsOpt, PeopleOpt, SeedOpt, emit_comparison, engine_factory, no_city_options, play_bars, simulate_city,
)
from yibao.cli.engine import EngineOpt, bench_runs, fresh_engine
from yibao.cli.serve import check_listen
from yibao.cli.options import (
    AsOpt,
    ChainOptions,
    HomeOpt,
    JsonOpt,
    ManifestOpt,
    PasswordFileOpt,
    RpcOpt,
    account_ref,
    bench_claims,
    bench_history,
    bench_samples,
    bench_singles,
    bench_sizes,
    claim_batch,
    day_text,
    demo_claims,
    demo_people,
    dump_interval,
    emit,
    err,
    out,
    out_folder,
    port_number,
    random_seed,
    text_file,
    unix_time,
)
from yibao.errors import InputError
from yibao.identity import KEY_ENV, PseudonymKey

if TYPE_CHECKING:
    from yibao.chain import Chain
    from yibao.simulate.scenario import Scenario


class _Stop(Exception):
    """SIGTERM or SIGHUP reached ``yibao node``."""


def _stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def node(
    port: Annotated[int, typer.Option(parser=port_number, help="port on 127.0.0.1")] = 8545,
    state: Annotated[Path | None, typer.Option(help="keep chain state in this file")] = None,
    timestamp: Annotated[int | None, typer.Option(
        parser=unix_time, help="the genesis block's time (unix seconds)")] = None,
    start: Annotated[str | None, typer.Option(
        parser=day_text,
        help="YYYY-MM-DD: the chain starts at 12:00 CST the day before, so a demo or scenario whose first "
             "day is START or later can run on it (--rpc)")] = None,
    state_interval: Annotated[int | None, typer.Option(
        parser=dump_interval, help="with --state: also write it every N seconds (1..86400)")] = None,
) -> None:
    """Run a local anvil node (Prague rules) until interrupted (Ctrl-C or SIGTERM stop it and anvil)."""
    import signal

    from yibao.chain.node import AnvilNode
    from yibao.errors import ChainError
    from yibao.units import noon_cst, parse_date

    if timestamp is not None and start is not None:
        raise InputError("give either --timestamp or --start, not both")
    if state_interval is not None and state is None:
        raise InputError("--state-interval needs --state")
    if state is not None and state.is_dir():
        raise InputError(f"--state {state}: is a folder, not a file")
    genesis = noon_cst(parse_date(start, "--start")) - 86_400 if start is not None else timestamp
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    n = None
    try:
        n = AnvilNode(port=port, state=state, timestamp=genesis, state_interval=state_interval)
        when = f"; genesis at {genesis}" if genesis is not None else ""
        err.print(f"anvil listening on {n.url}{when} (Ctrl-C to stop)")
        rc = n.proc.wait()
        if rc != 0:
            raise ChainError(f"anvil exited with code {rc}")
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        if n is not None:
            n.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def deploy(
    rpc: RpcOpt = None, home: HomeOpt = None, as_json: JsonOpt = False,
    manifest: ManifestOpt = None,
    admin: Annotated[str | None, typer.Option(
        parser=account_ref, help="admin account: a key name or an address (default: the deployer)")] = None,
    who: AsOpt = None,
    password_file: PasswordFileOpt = None,
    start: Annotated[str | None, typer.Option(
        parser=day_text, help="embedded chain only: pin the home's clock at 12:00 CST of this day (a trial home; "
                              "`yibao clock advance` moves it on)")] = None,
) -> None:
    """Deploy the contracts and write the manifest (and name the dev keys on a dev chain).

    On a chain that is not a dev chain (chain ids 31337 and 1337 are, and the embedded one), the
    deployer and the admin must be your own keys (`yibao key import`, `yibao key new`)."""
    from yibao.chain import Chain
    from yibao.client import Ledger
    from yibao.keys import check_signer, fund_on_dev_chain, is_dev_chain, private_dir

    opts = ChainOptions(rpc=rpc, manifest=manifest, home=home, who=who, as_json=as_json,
                        password_file=password_file)
    ws = opts.workspace()
    from yibao.units import noon_cst, parse_date

    if start is not None and rpc:
        raise InputError("--start pins the embedded chain's clock; for a node use `yibao node --start`")
    node = Chain.connect(rpc) if rpc else None
    if node is None or is_dev_chain(node):
        ws.write_dev_keys()
    deployer = ws.account(who, password_file)
    admin_address = ws.resolve_account(admin, "--admin") if admin else None
    if node is not None:  # checked before anything is sent or written
        check_signer(node, deployer.address, who or "admin")
        check_signer(node, admin_address or deployer.address, admin or who or "admin", role="--admin")
    private_dir(ws.home)
    if not ws.pseudonym_key_path.exists() and not os.environ.get(KEY_ENV):
        PseudonymKey.generate().save(ws.pseudonym_key_path)
    chain = node or ws.embedded_chain(fresh=True, clock=noon_cst(parse_date(start, "--start")) if start else None)
    fund_on_dev_chain(chain, deployer.address)
    ledger = Ledger.deploy(chain, deployer, admin_address)
    path = manifest or ws.manifest_path
    ledger.manifest.save(path)
    doc = {"manifest": str(path), **ledger.manifest.to_json()}
    opts.emit(doc, lambda: out.print(
        f"[green]✓[/] deployed ledger {ledger.address} on {chain.describe()} "
        f"(chain {chain.chain_id}); manifest {path}"))


def simulate(
    file: Annotated[Path | None, typer.Argument(help="scenario JSON (the format: docs/rules/scenario.md)")] = None,
    model: Annotated[bool, typer.Option("--model", help="run the Python reference model")] = False,
    rpc: RpcOpt = None,
    compare: Annotated[Path | None, typer.Option(
        parser=text_file, help="a variant: a scenario of the same world, or a policy file (as `policy add` "
                               "reads) replacing or adding versions; prints base vs variant")] = None,
    report: Annotated[Path | None, typer.Option(
        parser=out_folder, help="with --compare: write the comparison as HTML (compare.html) in this folder")] = None,
    screen: Annotated[bool, typer.Option(
        "--screen", help="also screen the claims at the end (screening.md) and print the leads")] = False,
    engine: EngineOpt = None,
    city: Annotated[bool, typer.Option(
        "--city", help="instead of a file, a generated city's year (基金测算: --people, --claims, --seed); "
                       "prints its summary, or with --compare POLICY_FILE the comparison")] = False,
    people: PeopleOpt = None,
    claims: ClaimsOpt = None,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Play a scenario through the contracts (a fresh chain: anvil started here by default,
    --engine pyevm for the embedded one; or --rpc) and print every outcome as JSON; --model
    plays it through the Python reference model instead. With --compare, play it and its
    variant on identical worlds and print the difference; with --screen, add the leads
    screening finds at the end. With --city, play a generated city instead of a file."""
    from yibao.simulate import Engine, ModelEngine, run_scenario
    from yibao.simulate.scenario import load_scenario

    if model and rpc:
        raise InputError("give either --model or --rpc, not both")
    if city:
        if file is not None or rpc or screen:
            raise InputError("--city plays a generated city on a fresh engine: it takes no FILE, --rpc or --screen")
        chosen = fresh_engine(engine, rpc=None, model=model)
        simulate_city(people=people, claims=claims, seed=seed, compare=compare, report=report, as_json=as_json,
                      engine="model" if model else chosen)
        return
    no_city_options(people, claims, seed)
    if file is None:
        raise InputError("give a scenario FILE, or --city")
    scenario = load_scenario(file)
    chosen = fresh_engine(engine, rpc=rpc, model=model)
    if compare is not None and screen:
        raise InputError("--screen does not go with --compare")
    if compare is not None:
        _simulate_compare(file, scenario, compare, model=model, rpc=rpc, report=report, as_json=as_json,
                          engine=chosen)
        return
    if report is not None:
        raise InputError("--report needs --compare")
    if rpc:
        _dev_node_only(rpc, "simulate")
    player: Engine
    if model:
        player = ModelEngine()
    else:
        from yibao.simulate.chain_engine import ChainEngine

        player = ChainEngine(rpc, engine=chosen)
    doc = run_scenario(scenario, player, screen=screen)
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def _simulate_compare(file: Path, scenario: Scenario, variant_file: Path, *, model: bool, rpc: str | None,
                      report: Path | None, as_json: bool, engine: str) -> None:
    """``simulate --compare``: the variant is read and checked before anything is played."""
    from yibao.simulate.compare import compare, load_variant

    if rpc:
        raise InputError("--compare plays both worlds on fresh chains: give --model or no --rpc")
    variant = load_variant(scenario, variant_file)
    played_on = "model" if model else engine
    with play_bars(as_json) as note:
        figures = compare(scenario, variant, engine_factory(played_on), note)
    doc = {"base": str(file), "variant": str(variant_file), "engine": played_on, **figures}
    emit_comparison(doc, report, as_json)


def bench(
    rpc: RpcOpt = None,
    anvil: Annotated[bool, typer.Option("--anvil", help="also run on an anvil node started here")] = False,
    history: Annotated[int, typer.Option(
        parser=bench_history, help="earlier claims before the last gas figure")] = 10_000,
    batch: Annotated[int, typer.Option(parser=claim_batch, help="claims per batched transaction")] = 50,
    singles: Annotated[int, typer.Option(
        parser=bench_singles, help="claims sent one per transaction for the speed figure")] = 100,
    screen: Annotated[bool, typer.Option(
        "--screen", help="time screening of synthetic indexes (--db, --sizes)")] = False,
    index: Annotated[bool, typer.Option(
        "--index", help="claims/s indexed from a node: into an empty index, then as many again (--claims, --db)",
    )] = False,
    precheck: Annotated[bool, typer.Option(
        "--precheck", help="latency of a pre-check of a 5-line claim (--claims, --samples)")] = False,
    cases: Annotated[bool, typer.Option("--cases", help="gas of each supervision case step")] = False,
    records: Annotated[bool, typer.Option("--records", help="gas of each step of the patient's side")] = False,
    model: Annotated[bool, typer.Option(
        "--model", help="the reference model on a generated city (--claims, default 1,000,000): claims/s, "
                        "and the city generated, played and compared with a variant policy")] = False,
    serve: Annotated[bool, typer.Option(
        "--serve", help="the service on 127.0.0.1: FHIR batch claims/s (--claims, default 10,000) and the "
                        "dashboard pages' p95 on the demo's world (--samples, default 50)")] = False,
    engine: EngineOpt = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="database URL for --screen/--index/--precheck (default: a temporary SQLite file)")] = None,
    sizes: Annotated[str | None, typer.Option(
        parser=bench_sizes, help="claims of each synthetic index of --screen (default 100000,300000,1000000)")] = None,
    claims: Annotated[int | None, typer.Option(
        parser=bench_claims, help="claims submitted for --index and --precheck (default 10000); "
                                  "the city's claims for --model (default 1000000)")] = None,
    samples: Annotated[int | None, typer.Option(
        parser=bench_samples, help="pre-checks timed by --precheck (default 200)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure claim gas and speed (one per transaction vs batched, and as history grows); with
    --screen, --index or --precheck, the event index's speed (issue 12); with --cases, the gas of
    each supervision case step (issue 13); with --records, of each step of the patient's side; with
    --model, the reference model's speed on a generated city (issue 15); with --serve, the service's
    (issue 16)."""
    from yibao.bench import GENESIS, TARGETS, side_by_side
    from yibao.bench_cli import bench_mode, run_mode
    from yibao.chain import Chain
    from yibao.chain.node import AnvilNode

    mode = bench_mode(screen=screen, index=index, precheck=precheck, rpc=rpc, anvil=anvil, db=db, sizes=sizes,
                      claims=claims, samples=samples, cases=cases, records=records, model=model, serve=serve)
    if rpc:
        _dev_node_only(rpc, "bench")
    if mode is not None:
        run_mode(mode, rpc=rpc, db=db, sizes=sizes, claims=claims, samples=samples, batch=batch, as_json=as_json)
        return
    runs = bench_runs(engine, rpc)
    anvil_node = None
    if anvil and not rpc:
        anvil_node = AnvilNode(timestamp=GENESIS)
        runs.append(("anvil-node", partial(Chain.connect, anvil_node.url)))
    try:
        results = _bench_chains(runs, history=history, batch=batch, singles=singles, as_json=as_json)
    finally:
        if anvil_node is not None:
            anvil_node.stop()
    doc: dict[str, Any] = {"targets": TARGETS, "results": results}
    versus = side_by_side(results)
    if versus is not None:
        doc["fast_vs_pyevm"] = versus
    emit(as_json, doc, lambda: _bench_table(results, history, versus))


def _bench_chains(runs: list[tuple[str, Callable[[], Chain]]], *, history: int, batch: int, singles: int,
                  as_json: bool) -> list[dict[str, Any]]:
    """The claim bench on each chain of ``runs`` in turn, each closed after its run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID

    from yibao.bench import judge, run_bench

    results = []
    for label, make in runs:
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      console=err, disable=as_json, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def note(stage: str, done: int, total: int,
                     tasks: dict[str, TaskID] = tasks, label: str = label) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(f"{label}: {stage}", total=total)
                bar.update(tasks[stage], completed=done)

            chain = make()
            try:
                r = run_bench(chain, history=history, batch=batch, singles=singles, progress=note)
            finally:
                chain.close()
        r["targets_met"] = judge(r, node=label != "pyevm", fast=label == "anvil")
        results.append(r)
    return results


def _bench_table(results: list[dict[str, Any]], history: int, versus: dict[str, Any] | None) -> None:
    def mark(good: bool | None) -> str:
        return "" if good is None else "[green]✓[/]" if good else "[red]✗[/]"

    t = Table(title="yibao bench (2-line outpatient claims)")
    for col in ("chain", "gas alone", "gas/claim batched", "claims/s single", "claims/s batched",
                "speed-up", "pipelined single", "pipelined batched", "gas after 100", f"gas after {history:,}",
                "growth %"):
        t.add_column(col)
    for r in results:
        ok = r["targets_met"]
        t.add_row(r["chain"], f"{r['gas_alone']:,} {mark(ok['gas_alone'])}",
                  f"{r['gas_batched']:,} {mark(ok['gas_batched'])}",
                  f"{r['claims_per_second_single']:,}", f"{r['claims_per_second_batched']:,}",
                  f"{r['speedup']}× {mark(ok['speedup'])}",
                  f"{r['claims_per_second_single_pipelined']:,} {mark(ok.get('fast_single'))}",
                  f"{r['claims_per_second_batched_pipelined']:,} {mark(ok.get('fast_batched'))}",
                  f"{r['gas_after_100']:,}", f"{r['gas_after_history']:,}",
                  f"{r['history_growth_pct']} {mark(ok['history_growth'])}")
    out.print(t)
    if versus is not None:
        out.print(f"anvil vs py-evm in this run: batched {versus['batched_ratio']}× {mark(versus['met'])}, "
                  f"single-claim transactions {versus['single_ratio']}×")


def demo(
    rpc: RpcOpt = None, as_json: JsonOpt = False,
    people: Annotated[int, typer.Option(parser=demo_people, help="people to enrol (20..1,000,000)")] = 1000,
    claims: Annotated[int, typer.Option(parser=demo_claims, help="claims to submit")] = 10_000,
    seed: Annotated[int, typer.Option(parser=random_seed, help="random seed")] = 7,
    out_dir: Annotated[Path, typer.Option(
        "--out", parser=out_folder, help="folder for the demo's outputs")] = Path("out/demo"),
    engine: EngineOpt = None,
    serve: Annotated[bool, typer.Option(
        "--serve", help="then serve the demo's world (dashboard, FHIR and JSON API) on 127.0.0.1 until Ctrl-C")]
    = False,
    port: Annotated[int, typer.Option(parser=port_number, help="the port --serve listens on")] = 8000,
) -> None:
    """Run the demo: deploy, set up regions and institutions, enrol people, submit claims, settle
    (on a fresh chain: anvil started here, or --engine pyevm; or the node at --rpc); with
    --serve, then serve its world until Ctrl-C."""
    from yibao.demo import play_demo

    chosen = fresh_engine(engine, rpc=rpc)
    if rpc:
        _dev_node_only(rpc, "demo")
    if serve:
        check_listen("127.0.0.1", port)
    run = play_demo(rpc=rpc, people=people, claims=claims, seed=seed, out_dir=out_dir,
                    console=None if as_json else err, engine=chosen)
    doc = run.doc
    emit(as_json, doc, lambda: _print_demo(doc))
    if serve:
        from yibao.demo.served import serve_demo

        serve_demo(run, port=port, say=None if as_json else out.print)


def _dev_node_only(rpc: str, command: str) -> None:
    """``simulate``, ``bench`` and ``demo`` sign with the well-known dev keys: refuse a node that
    is not a dev chain (chain id 31337 or 1337) before anything is sent."""
    from yibao.chain import Chain
    from yibao.errors import KeyRefused
    from yibao.keys import DEV_CHAIN_IDS, is_dev_chain

    chain = Chain.connect(rpc)
    if not is_dev_chain(chain):
        ids = " or ".join(str(i) for i in sorted(DEV_CHAIN_IDS))
        raise KeyRefused(f"{command} signs with the public dev keys: --rpc must be a dev node (chain id {ids}), "
                         f"not chain id {chain.chain_id}")


def _print_demo(doc: dict[str, Any]) -> None:
    """The summary the demo returns: its lines, or the whole document as JSON."""
    summary = doc.get("summary")
    if summary is None:
        emit(True, doc)
    elif isinstance(summary, str):
        out.print(summary)
    elif isinstance(summary, dict):
        for k, v in summary.items():
            out.print(f"{k}: {v}")
    else:
        for ln in summary:
            out.print(str(ln))


__all__ = ["bench", "demo", "deploy", "node", "simulate"]
