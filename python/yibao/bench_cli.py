"""The command-line side of ``yibao bench --screen``, ``--index`` and ``--precheck``: progress
bars on stderr while they run, then a summary table (or the JSON document with ``--json``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.table import Table

from yibao.cli.options import bench_sizes, emit, err, out
from yibao.errors import InputError

#: The defaults of the index benchmarks' options.
DEFAULT_CLAIMS = 10_000
DEFAULT_SAMPLES = 200
#: ``bench --model``'s default city (issue 15's target size).
TARGETS_CITY_CLAIMS = 1_000_000


def sizes_of(text: str) -> list[int]:
    """The sizes of ``--sizes`` (checked again: :func:`yibao.cli.options.bench_sizes`)."""
    return [int(n) for n in bench_sizes(text).split(",")]


def _mark(good: bool | None) -> str:
    return "" if good is None else "[green]✓[/]" if good else "[red]✗[/]"


@contextmanager
def _bars(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback (stage, done, total): one bar per stage, on stderr when it is a
    terminal (none with ``--json``)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TimeElapsedColumn

    with Progress(SpinnerColumn(), "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=quiet or not err.is_terminal, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def note(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield note


def screen_bench(db: str | None, sizes: list[int], as_json: bool) -> None:
    """``bench --screen``: screening time per size of a synthetic index."""
    from yibao import bench_db

    stage = f"synthetic indexes of {', '.join(f'{n:,}' for n in sizes)} claims: load and screen"
    with _bars(as_json) as note:
        note(stage, 0, len(sizes))

        def report(row: dict[str, Any], done: int, total: int) -> None:
            if not as_json:
                err.print(f"{row['claims']:,} claims: screened in {row['screen_s']} s "
                          f"(loaded in {row['load_s']} s), {row['leads']:,} leads")
            note(stage, done, total)

        doc = bench_db.run_screen(db, sizes, report=report)
    doc["target"] = {"claims": bench_db.SCREEN_TARGET_CLAIMS, "seconds": bench_db.SCREEN_TARGET_S}
    emit(as_json, doc, lambda: _screen_table(doc))


def _screen_table(doc: dict[str, Any]) -> None:
    t = Table(title=f"yibao bench --screen ({doc['database']}: {doc['url']})")
    for col in ("claims", "load s", "screen s", "leads", "claims/s", "time ×", "size ×", "exponent"):
        t.add_column(col, justify="right")
    steps = {g["to"]: g for g in doc["growth"]}
    for r in doc["sizes"]:
        g = steps.get(r["claims"], {})
        ok = r["screen_s"] <= doc["target"]["seconds"] if r["claims"] >= doc["target"]["claims"] else None
        t.add_row(f"{r['claims']:,}", f"{r['load_s']}", f"{r['screen_s']} {_mark(ok)}", f"{r['leads']:,}",
                  f"{r['claims_per_second'] or 0:,}", str(g.get("time_ratio", "")), str(g.get("size_ratio", "")),
                  str(g.get("exponent", "")))
    out.print(t)
    out.print(f"target: {doc['target']['claims']:,} claims screened in at most {doc['target']['seconds']:.0f} s")


def index_bench(rpc: str | None, db: str | None, claims: int, batch: int, as_json: bool) -> None:
    """``bench --index``: claims per second read from a node into a fresh index, then into one
    that holds as many claims already."""
    from yibao.bench_index import TARGETS, node_chain, run_index

    with _bars(as_json) as note, node_chain(rpc) as chain:
        doc = run_index(chain, claims=claims, batch=batch, db=db, note=note)
    doc["targets"] = {"index_claims_per_second": TARGETS["index_claims_per_second"]}

    def table() -> None:
        t = Table(title=f"yibao bench --index ({doc['chain']}, {claims:,} claims, {batch} per transaction)")
        for col in ("database", "load", "claims", "blocks", "logs", "rows", "seconds", "claims/s"):
            t.add_column(col, justify="right")
        for r in doc["results"]:
            t.add_row(r["database"], r["load"], f"{r['claims']:,}", f"{r['blocks']:,}", f"{r['logs']:,}",
                      f"{r['rows']:,}", f"{r['seconds']}", f"{r['claims_per_second']:,} {_mark(r['target_met'])}")
        out.print(t)
        out.print(f"reading the chain alone: {doc['chain_read_s']} s; "
                  f"target: at least {TARGETS['index_claims_per_second']:,} claims/s")

    emit(as_json, doc, table)


def precheck_bench(rpc: str | None, db: str | None, claims: int, samples: int, batch: int, as_json: bool) -> None:
    """``bench --precheck``: latency of a full pre-check (decision and warnings)."""
    from yibao.bench_index import TARGETS, node_chain, run_precheck

    with _bars(as_json) as note, node_chain(rpc) as chain:
        doc = run_precheck(chain, claims=claims, samples=samples, batch=batch, db=db, note=note)
    doc["targets"] = {"precheck_p95_ms": TARGETS["precheck_p95_ms"]}

    def table() -> None:
        t = Table(title=f"yibao bench --precheck ({doc['chain']}, 5-line claim, {claims:,} claims of history, "
                        f"{samples:,} samples, index on {doc['database']})")
        for col in ("part", "p50 ms", "p95 ms", "max ms", "mean ms"):
            t.add_column(col, justify="right")
        for part in ("decision", "warnings", "total"):
            f = doc[part]
            mark = _mark(doc["target_met"]) if part == "total" else ""
            t.add_row(part, f"{f['p50_ms']}", f"{f['p95_ms']} {mark}", f"{f['max_ms']}", f"{f['mean_ms']}")
        out.print(t)
        out.print(f"{doc['with_warnings']} of {samples} pre-checks warned; target: p95 below "
                  f"{TARGETS['precheck_p95_ms']:.0f} ms")

    emit(as_json, doc, table)


def cases_bench(rpc: str | None, as_json: bool) -> None:
    """``bench --cases``: the gas of each supervision case step (embedded chain, or the node)."""
    from yibao.bench import GENESIS
    from yibao.bench_cases import run_cases
    from yibao.chain import Chain

    with _bars(as_json) as note:
        doc = run_cases(Chain.connect(rpc) if rpc else Chain.embedded(genesis_timestamp=GENESIS), note)

    def table() -> None:
        t = Table(title=f"yibao bench --cases ({doc['chain']}): gas of each step, cases on settled claims, "
                        "Art. 40 with a suspension")
        for col in ("claims", "open", "finding", "decide", "finalize"):
            t.add_column(col, justify="right")
        for r in doc["sizes"]:
            t.add_row(f"{r['claims']}", f"{r['open']:,}", f"{r['finding']:,}", f"{r['decide']:,}", f"{r['finalize']:,}")
        out.print(t)
        for step, gas in doc["steps"].items():
            out.print(f"{step}: {gas:,}")

    emit(as_json, doc, table)


def records_bench(rpc: str | None, as_json: bool) -> None:
    """``bench --records``: the gas of each step of the patient's side, and a read's time."""
    from yibao.bench import GENESIS
    from yibao.bench_records import run_records
    from yibao.chain import Chain

    with _bars(as_json) as note:
        doc = run_records(Chain.connect(rpc) if rpc else Chain.embedded(genesis_timestamp=GENESIS), note)

    def table() -> None:
        t = Table(title=f"yibao bench --records ({doc['chain']}): gas of each step")
        t.add_column("step")
        t.add_column("gas", justify="right")
        for step, gas in doc["gas"].items():
            t.add_row(step, f"{gas:,}")
        out.print(t)
        out.print(f"a whole read of a {doc['record_bytes']:,}-byte record (check, sign, serve, open): "
                  f"{doc['read_ms']} ms (median of {doc['samples']})")

    emit(as_json, doc, table)


def serve_bench(rpc: str | None, claims: int | None, samples: int | None, as_json: bool) -> None:
    """``bench --serve``: FHIR batches per second over HTTP, and the dashboard pages' p95 (issue 16 §4)."""
    from yibao import bench_serve

    with _bars(as_json) as note:
        doc = bench_serve.serve_bench(rpc, claims, samples, note)

    def table() -> None:
        f, p = doc["fhir"], doc["pages"]
        out.print(f"FHIR batches ({f['chain']}): {f['claims']:,} claims in Bundles of {f['bundle']} in "
                  f"{f['seconds']} s: {f['claims_per_second']:,} claims/s {_mark(f['met'])} (target ≥ {f['target']})")
        t = Table(title=f"dashboard pages (the demo's world, {p['demo']['claims']:,} claims; {p['samples']} samples "
                        f"each)")
        for col in ("page", "p50 ms", "p95 ms"):
            t.add_column(col, justify="right" if col != "page" else "left")
        for page, v in p["pages"].items():
            t.add_row(page if len(page) < 60 else page[:57] + "…", f"{v['p50_ms']}", f"{v['p95_ms']}")
        out.print(t)
        out.print(f"all pages: p95 {p['p95_ms']} ms {_mark(p['met'])} (target ≤ {p['target_ms']:.0f} ms)")

    emit(as_json, doc, table)


def model_bench(claims: int, as_json: bool) -> None:
    """``bench --model``: the reference model's claims per second and a city's time (issue 15 §3)."""
    from yibao.bench_city import run_model_bench

    with _bars(as_json) as note:
        doc = run_model_bench(claims, note)

    def table() -> None:
        met = doc["targets_met"]
        t = Table(title=f"yibao bench --model: a city of {doc['people']:,} people, {doc['claims']:,} claims, "
                        f"{doc['institutions']:,} institutions ({doc['steps']:,} steps)")
        for col in ("generate s", "play s", "claims/s", "compare s (both plays)", "city s (generate + compare)"):
            t.add_column(col, justify="right")
        t.add_row(f"{doc['generate_seconds']}", f"{doc['play_seconds']}",
                  f"{doc['model_claims_per_second']:,} {_mark(met['model_claims_per_second'])}",
                  f"{doc['compare_seconds']}", f"{doc['city_seconds']} {_mark(met['city_seconds'])}")
        out.print(t)
        targets = doc["targets"]
        out.print(f"targets: {targets['model_claims_per_second']:,} claims/s; a city of "
                  f"{targets['city_claims']:,} claims in at most {targets['city_seconds']} s")

    emit(as_json, doc, table)


def bench_mode(*, screen: bool, index: bool, precheck: bool, rpc: str | None, anvil: bool, db: str | None,
               sizes: str | None, claims: int | None, samples: int | None, cases: bool = False,
               records: bool = False, model: bool = False, serve: bool = False) -> str | None:
    """Which index, case, record or model benchmark the options ask for (None: the claim bench),
    the options that go with another refused (InputError, before anything runs)."""
    modes = [m for m, on in (("screen", screen), ("index", index), ("precheck", precheck), ("cases", cases),
                             ("records", records), ("model", model), ("serve", serve)) if on]
    if len(modes) > 1:
        raise InputError("give one of --screen, --index, --precheck, --cases, --records, --model and --serve")
    mode = modes[0] if modes else None
    if mode is not None and anvil:
        raise InputError(f"--anvil goes with the claim bench, not --{mode} (which starts its own anvil)")
    for given, flag, fits in ((sizes, "--sizes", ("screen",)), (samples, "--samples", ("precheck", "serve")),
                              (claims, "--claims", ("index", "precheck", "model", "serve")),
                              (db, "--db", ("screen", "index", "precheck"))):
        if given is not None and mode not in fits:
            raise InputError(f"{flag} goes with " + " or ".join(f"--{m}" for m in fits))
    if mode == "screen" and rpc:
        raise InputError("--screen times a database, not a node: drop --rpc (give --db for PostgreSQL)")
    if mode == "model" and rpc:
        raise InputError("--model times the reference model, not a node: drop --rpc")
    return mode


def run_mode(mode: str, *, rpc: str | None, db: str | None, sizes: str | None, claims: int | None,
             samples: int | None, batch: int, as_json: bool) -> None:
    """Run the index benchmark ``mode`` (:func:`bench_mode`) and print its figures; a ``db``
    that holds a real index is refused before anything runs."""
    if db is not None:
        from yibao.bench_db import refuse_real_index

        refuse_real_index(db)
    if mode == "model":
        model_bench(claims or TARGETS_CITY_CLAIMS, as_json)
    elif mode == "serve":
        serve_bench(rpc, claims, samples, as_json)
    elif mode == "cases":
        cases_bench(rpc, as_json)
    elif mode == "records":
        records_bench(rpc, as_json)
    elif mode == "screen":
        from yibao.bench_db import DEFAULT_SIZES

        screen_bench(db, sizes_of(sizes) if sizes else list(DEFAULT_SIZES), as_json)
    elif mode == "index":
        index_bench(rpc, db, claims or DEFAULT_CLAIMS, batch, as_json)
    else:
        precheck_bench(rpc, db, claims or DEFAULT_CLAIMS, samples or DEFAULT_SAMPLES, batch, as_json)


__all__ = ["DEFAULT_CLAIMS", "DEFAULT_SAMPLES", "TARGETS_CITY_CLAIMS", "bench_mode", "cases_bench", "index_bench",
           "model_bench", "precheck_bench", "records_bench", "run_mode", "screen_bench", "serve_bench", "sizes_of"]
