"""The benchmark runs end to end at a tiny size and its figures are consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from yibao.bench import GENESIS, judge, run_bench
from yibao.bench_cli import sizes_of
from yibao.bench_db import growth, judge_screen, run_screen
from yibao.bench_index import run_index, run_precheck
from yibao.chain import Chain
from yibao.cli.options import bench_sizes
from yibao.errors import InputError
from yibao.index.database import open_index, read_meta, set_meta


def test_bench_figures_are_measured_and_consistent() -> None:
    r = run_bench(Chain.embedded(genesis_timestamp=GENESIS), history=60, batch=10, singles=10)
    assert 40_000 < r["gas_batched"] < r["gas_alone"] < 200_000
    assert r["claims_per_second_single"] > 0 and r["claims_per_second_batched"] > 0
    # a claim's gas does not depend on how many claims came before
    assert abs(r["gas_after_history"] - r["gas_after_100"]) <= 0.02 * r["gas_after_100"]
    assert r["history"] > 60
    verdict = judge(r, node=False)
    assert set(verdict) == {"gas_alone", "gas_batched", "speedup", "history_growth"}
    assert verdict["history_growth"]


def test_fast_claim_calldata_equals_the_general_encoder() -> None:
    from yibao.bench import build_world

    w = build_world(Chain.embedded(genesis_timestamp=GENESIS), 5)
    words = [x for p in w.people[:3] for x in w.claim(p)]
    general = bytes.fromhex(w.hospital._contract.encode_abi("submitClaims", args=[words])[2:])
    assert w.hospital._calldata("submitClaims", (words,)) == general


# ---------------------------------------------------------------------- issue 12: the index benchmarks


def _cli(*argv: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from yibao.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_screen_bench_times_each_size_and_leaves_the_database_empty(database_url: str) -> None:
    url = database_url
    doc = run_screen(url, [1_000, 3_000])
    assert [r["claims"] for r in doc["sizes"]] == [1_000, 3_000]
    assert all(r["leads"] > 0 and r["screen_s"] >= 0 and r["load_s"] > 0 for r in doc["sizes"])
    assert doc["sizes"][1]["leads"] > doc["sizes"][0]["leads"]
    (step,) = doc["growth"]
    assert step["from"] == 1_000 and step["to"] == 3_000 and step["size_ratio"] == 3.0
    assert doc["targets_met"] == {"screen_1m_within_60s": None}  # no size of a million claims
    assert doc["database"] == sa.engine.make_url(url).get_backend_name()
    engine = sa.create_engine(url)
    try:
        assert sa.inspect(engine).get_table_names() == []  # nothing of the bench stays
    finally:
        engine.dispose()


def test_screen_bench_refuses_a_database_that_holds_an_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = open_index(url)
    with engine.begin() as conn:
        set_meta(conn, {"chain_id": "31337", "ledger": "0x" + "ab" * 20, "last_block": "7"})
    engine.dispose()
    with pytest.raises(InputError, match=r"the database at sqlite:///.*real\.db holds an index \(chain 31337"):
        run_screen(url, [1_000])
    code, _, err = _cli("bench", "--screen", "--sizes", "1000", "--db", url)
    assert code == 2 and err.count("\n") == 1 and "holds an index" in err
    engine = open_index(url)
    with engine.connect() as conn:
        assert read_meta(conn)["last_block"] == "7"  # untouched
    engine.dispose()


def test_screen_bench_command_prints_json_and_a_table() -> None:
    code, out, _ = _cli("bench", "--screen", "--sizes", "1000,2000", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["url"] == "temporary SQLite file" and len(doc["sizes"]) == 2 and doc["target"]["seconds"] == 60
    code, out, _ = _cli("bench", "--screen", "--sizes", "1000")
    assert code == 0 and "yibao bench --screen" in out and "1,000" in out


def test_index_and_precheck_benches_on_the_embedded_chain() -> None:
    doc = run_index(Chain.embedded(genesis_timestamp=GENESIS), claims=250, batch=50)
    first, more = doc["results"]
    assert [(r["database"], r["load"], r["claims"]) for r in (first, more)] == [
        ("sqlite", "first", 250), ("sqlite", "incremental", 250)]
    assert more["blocks"] > 0 and all(r["claims_per_second"] > 0 for r in (first, more))
    assert doc["chain_read_s"] > 0 and set(doc["targets_met"]) == {"index_claims_per_second"}
    doc = run_precheck(Chain.embedded(genesis_timestamp=GENESIS), claims=200, samples=10, batch=50)
    assert doc["samples"] == 10 and doc["indexed_claims"] == 200 and doc["lines"] == 5
    for part in ("decision", "warnings", "total"):
        assert 0 < doc[part]["p50_ms"] <= doc[part]["p95_ms"] <= doc[part]["max_ms"]
    assert doc["live_decisions"] == 10  # every 5-line claim is decided as a submission would be
    assert doc["total"]["p95_ms"] <= doc["decision"]["p95_ms"] + doc["warnings"]["max_ms"] + 1


@pytest.mark.anvil
@pytest.mark.postgres
def test_index_bench_command_on_anvil_into_sqlite_and_postgresql(postgres_server: str) -> None:
    code, out, err = _cli("bench", "--index", "--claims", "300", "--batch", "100", "--db", postgres_server, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert [(r["database"], r["load"]) for r in doc["results"]] == [
        ("sqlite", "first"), ("postgresql", "first"), ("sqlite", "incremental"), ("postgresql", "incremental")]
    assert all(r["claims"] == 300 and r["blocks"] >= 3 for r in doc["results"])
    assert [("url" in r) for r in doc["results"]] == [False, True, False, True]
    assert doc["chain"].startswith("http://127.0.0.1:")


@pytest.mark.anvil
def test_precheck_bench_command_on_anvil() -> None:
    code, out, err = _cli("bench", "--precheck", "--claims", "200", "--samples", "10")
    assert code == 0, err
    assert "yibao bench --precheck" in out and "p95 ms" in out and "target: p95 below 50 ms" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--screen", "--index"], "give one of --screen, --index, --precheck, --cases, --records, --model and --serve"),
    (["--cases", "--precheck"], "give one of --screen, --index, --precheck, --cases, --records, --model and --serve"),
    (["--records", "--cases"], "give one of --screen, --index, --precheck, --cases, --records, --model and --serve"),
    (["--model", "--cases"], "give one of --screen, --index, --precheck, --cases, --records, --model and --serve"),
    (["--serve", "--model"], "give one of --screen, --index, --precheck, --cases, --records, --model and --serve"),
    (["--serve", "--anvil"], "--anvil goes with the claim bench, not --serve"),
    (["--serve", "--db", "sqlite://"], "--db goes with --screen or --index or --precheck"),
    (["--serve", "--samples", "9"], "10..100000"),
    (["--model", "--rpc", "http://127.0.0.1:9"], "--model times the reference model, not a node"),
    (["--model", "--samples", "10"], "--samples goes with --precheck"),
    (["--model", "--claims", "0"], "1..10000000, not 0"),
    (["--sizes", "1000"], "--sizes goes with --screen"),
    (["--index", "--samples", "10"], "--samples goes with --precheck"),
    (["--claims", "10"], "--claims goes with --index or --precheck"),
    (["--db", "sqlite://"], "--db goes with --screen or --index or --precheck"),
    (["--screen", "--rpc", "http://127.0.0.1:9"], "--screen times a database, not a node"),
    (["--index", "--anvil"], "--anvil goes with the claim bench"),
    (["--screen", "--sizes", "5000,3000"], "sizes must grow: 3000 after 5000"),
    (["--screen", "--sizes", "1000,999"], "1000..10000000, not 999"),
    (["--screen", "--sizes", "1000,,2000"], "is not a whole number"),
    (["--screen", "--sizes", ",".join(str(1000 * k) for k in range(1, 12))], "at most 10 sizes"),
    (["--precheck", "--samples", "9"], "10..100000"),
    (["--screen", "--db", "nosuch://x"], "cannot open the index at nosuch://x"),
])
def test_index_benches_refuse_bad_options_in_one_line(argv: list[str], message: str) -> None:
    code, out, err = _cli("bench", *argv)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: "), (argv, err)
    assert message in err and out == "", (argv, err)


def test_bench_sizes_parser() -> None:
    assert bench_sizes(" 1000 , 20000") == "1000,20000"
    assert sizes_of("1000,20000") == [1_000, 20_000]
    assert growth([{"claims": 1000, "screen_s": 1.0}, {"claims": 10_000, "screen_s": 10.0}])[0]["exponent"] == 1.0
    assert judge_screen([{"claims": 1_000_000, "screen_s": 59.0}]) == {"screen_1m_within_60s": True}
    assert judge_screen([{"claims": 1_000_000, "screen_s": 61.0}]) == {"screen_1m_within_60s": False}


def test_index_bench_refuses_a_database_holding_an_index_before_starting_anvil(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yibao.chain.node

    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = open_index(url)
    with engine.begin() as conn:
        set_meta(conn, {"chain_id": "1", "ledger": "0x" + "cd" * 20})
    engine.dispose()

    def no_anvil(*_: object, **__: object) -> None:
        raise AssertionError("anvil started")

    monkeypatch.setattr(yibao.chain.node, "AnvilNode", no_anvil)
    for mode in ("--index", "--precheck"):
        code, _, err = _cli("bench", mode, "--claims", "10", "--db", url)
        assert code == 2 and "holds an index (chain 1 ledger 0x" in err and "anvil" not in err, err


def test_the_case_bench_measures_every_step() -> None:
    """`yibao bench --cases`: each step's gas from receipts; finalize grows with the found claims."""
    code, out, err = _cli("bench", "--cases", "--json")
    assert code == 0, err
    doc = json.loads(out)
    rows = doc["sizes"]
    assert [r["claims"] for r in rows] == [1, 10, 50] and [r["clawed_back"] for r in rows] == [1, 10, 50]
    for step in ("open", "finding", "decide", "finalize"):
        assert rows[0][step] < rows[1][step] < rows[2][step], step
    assert set(doc["steps"]) == {"contest", "ruling (upheld)", "finalize (10 approved claims rejected)",
                                 "close (no violation)", "pay a fine"}
    assert doc["rejected"] == 10 and all(20_000 < g < 400_000 for g in doc["steps"].values())


def test_the_record_bench_measures_every_step() -> None:
    """`yibao bench --records`: each step's gas from receipts, and a whole read's time."""
    code, out, err = _cli("bench", "--records", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc["gas"]) == {
        "register an encryption key", "register an encryption key (relayed)", "put a record",
        "grant a consent (one record)", "grant a consent (every record)", "serve a read (consent)",
        "serve a read (case)", "declare an emergency", "serve a read (emergency)", "revoke a consent",
        "rotate a record", "dispute a claim (an alert)"}
    assert all(21_000 < g < 400_000 for g in doc["gas"].values()), doc["gas"]
    assert doc["gas"]["register an encryption key"] < doc["gas"]["register an encryption key (relayed)"]
    assert doc["read_ms"] > 0 and doc["samples"] == 10


def test_the_model_bench_plays_and_compares_a_city() -> None:
    from yibao.bench_city import TARGETS, run_model_bench

    stages: set[str] = set()
    doc = run_model_bench(3_000, lambda stage, done, total: stages.add(stage))
    assert doc["claims"] == 3_000 and doc["people"] == 300 and doc["steps"] > 3_000
    assert doc["model_claims_per_second"] == int(3_000 / doc["play_seconds"])
    assert doc["city_seconds"] >= doc["generate_seconds"]
    assert doc["targets"] == TARGETS and doc["targets_met"]["city_seconds"] is None  # smaller than the target city
    assert doc["fund_change"]["variant"] > doc["fund_change"]["base"]  # the variant pays more outpatient care
    assert {"play (base)", "compare (base)", "compare (variant)"} <= stages


def test_the_model_bench_command_prints_json_and_a_table() -> None:
    code, out, _ = _cli("bench", "--model", "--claims", "2000", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["engine"] == "model" and doc["claims"] == 2000
    code, out, _ = _cli("bench", "--model", "--claims", "1000")
    assert code == 0 and "yibao bench --model" in out and "1,000 claims" in out
