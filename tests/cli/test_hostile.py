"""Bad input is never a traceback (issue 10 §4): one line on stderr, exit status 2, and no
state change, for the cases the review reproduced and for hostile values driven by
Hypothesis through every command of the typer app."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from cli_runner import nid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yibao.chain import dev_account
from yibao.cli import run
from yibao.cli.main import app

ID1 = nid("11010119900307427")
PSEUDONYM = "0x" + "11" * 32
U256 = str(2**256)
U64 = str(2**64)


def state(home: Path) -> dict[str, str]:
    """Every file of the home folder (but lock files) by content hash."""
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def assert_refused(code: int, out: str, err: str, argv: list[str]) -> None:
    assert code == 2, (argv, code, err)
    assert "Traceback" not in err + out, (argv, err)
    assert err.count("\n") == 1 and err.startswith("error: "), (argv, err)
    if "--json" in argv:
        doc = json.loads(out.strip().splitlines()[-1])
        assert doc["ok"] is False and doc["message"] == err.removeprefix("error: ").strip(), (argv, out)


class Home:
    """``yibao`` on one home folder, output captured without pytest's per-test fixtures."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def __call__(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run([*args, "--home", str(self.home)])
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """One deployment for the module's explicit cases (each must leave it as it was)."""
    h = Home(tmp_path_factory.mktemp("cases") / "home")
    for args in (["deploy"], ["region", "add", "500000", "Chongqing", "--fund", "100000000"],
                 ["role", "grant", "regulator", "dev1", "--region", "500000"],
                 ["role", "grant", "operator", "dev2", "--region", "500000", "--as", "dev1"]):
        assert h(*args)[0] == 0, args
    return h


def refused(home: Home, *args: str) -> str:
    """Run a command that must be refused with nothing changed, the embedded chain's journal
    included (a call the contract would refuse is tried first and never mined); its error line."""
    before = state(home.home)
    argv = [*args, "--json"]
    code, out, err = home(*argv)
    assert_refused(code, out, err, argv)
    after = state(home.home)
    assert after == before, f"{args} changed the home folder"
    return err


@pytest.fixture
def manifest(home: Home) -> Iterator[Path]:
    """The home's manifest, restored after the test."""
    m = home.home / "manifest.json"
    saved = m.read_bytes()
    try:
        yield m
    finally:
        m.write_bytes(saved)


# ---------------------------------------------------------------------- the review's cases


def test_non_utf8_csv(home: Home, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_bytes(b"national_id,region,scheme,coverage_from,coverage_to\n"
                  + f"{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31\n".encode()
                  + "张三,500000,EMPLOYEE,2026-01-01,2026-12-31\n".encode("gbk"))
    err = refused(home, "enrol", "--csv", str(f), "--as", "dev2")
    assert f"{f}:3: not UTF-8" in err


def test_csv_with_a_nul_byte(home: Home, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_bytes(b"national_id,region,scheme,coverage_from,coverage_to\n\0\n")
    assert "NUL" in refused(home, "enrol", "--csv", str(f), "--as", "dev2")


@pytest.mark.parametrize("batch", ["0", "-1", "501"])
def test_enrol_batch_out_of_range(home: Home, tmp_path: Path, batch: str) -> None:
    f = tmp_path / "people.csv"
    f.write_text(f"national_id,region,scheme,coverage_from,coverage_to\n{ID1},500000,EMPLOYEE,2026-01-01,2026-12-31\n")
    err = refused(home, "enrol", "--csv", str(f), "--as", "dev2", f"--batch={batch}")
    assert "--batch" in err and "1..500" in err


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2026-02-30", "26-01-01"])
def test_claim_date_out_of_range(home: Home, day: str) -> None:
    err = refused(home, "claim", "submit", "--invoice", "INV-1", "--pseudonym", PSEUDONYM,
                  "--line", "XA01:1:100", "--date", day, "--as", "dev7")
    assert "--date" in err and day in err


@pytest.mark.parametrize("amount", [U256, U64, "0", "-5"])
def test_contribute_amount_out_of_range(home: Home, amount: str) -> None:
    err = refused(home, "contribute", "--pseudonym", PSEUDONYM, f"--amount={amount}", "--as", "dev2")
    assert "--amount" in err and "1..18446744073709551615" in err


def test_region_code_out_of_range(home: Home) -> None:
    err = refused(home, "region", "add", "99999999999", "Nowhere")
    assert "6 digits" in err and "99999999999" in err


@pytest.mark.parametrize("fund", [U64, U256, "-1"])
def test_opening_fund_out_of_range(home: Home, fund: str) -> None:
    assert "--fund" in refused(home, "region", "add", "440100", "Guangzhou", f"--fund={fund}")


@pytest.mark.parametrize(("key", "value"), [("modules", [1]), ("modules", "x"), ("artifacts", [1]),
                                            ("chain_id", "x"), ("rpc", 5)])
def test_malformed_manifest(home: Home, manifest: Path, key: str, value: Any) -> None:
    m = manifest
    doc = json.loads(m.read_text())
    doc[key] = value
    m.write_text(json.dumps(doc))
    err = refused(home, "region", "show", "500000")
    assert "malformed manifest" in err and key in err


def test_manifest_naming_another_contract_is_stale(home: Home, manifest: Path) -> None:
    m = manifest
    doc = json.loads(m.read_text())
    doc["ledger"] = doc["modules"]["SettlementModule"]  # code there, but not the ledger
    m.write_text(json.dumps(doc))
    err = refused(home, "region", "show", "500000")
    assert "stale manifest" in err and "is not the YibaoLedger" in err and "execution reverted" not in err
    refused(home, "region", "add", "440100", "Guangzhou")


def test_a_refused_contract_call_exits_2_with_its_json_document(home: Home) -> None:
    refused(home, "region", "add", "500000", "Again")
    code, out, err = home("region", "add", "500000", "Again", "--json")
    assert_refused(code, out, err, ["--json"])
    assert json.loads(out.strip().splitlines()[-1]) == {
        "ok": False, "error": "ContractError", "name": "RegionExists", "message": "RegionExists(region=500000)",
        "args": {"region": 500000}}
    err = refused(home, "institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "dev3")
    assert "lacks the role regulator of 500000" in err
    assert refused(home, "institution", "show", "dev7")  # not added


def test_usage_errors_are_one_line(home: Home) -> None:
    assert "No such option: --bogus" in refused(home, "region", "show", "500000", "--bogus")
    assert "yibao region add" in refused(home, "region", "add", "abc", "X")
    assert "Missing" in refused(home, "region", "add")


def test_an_unexpected_exception_is_one_line_naming_its_type(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    from yibao.workspace import Workspace

    def boom(*_: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(Workspace, "open_chain", boom)
    assert "unexpected RuntimeError: boom" in refused(home, "region", "show", "500000")


def test_an_unreachable_node_exits_2(home: Home) -> None:
    assert "no JSON-RPC node answers at http://127.0.0.1:9" in refused(
        home, "region", "show", "500000", "--rpc", "http://127.0.0.1:9")


# ---------------------------------------------------------------------- every command, hostile values

#: Commands not driven here with random values, and why: they start processes or write outside
#: the home folder. Each of their options is driven below (test_long_commands_refuse_...).
NOT_DRIVEN = {"node": "starts anvil and waits", "demo": "writes --out and runs for minutes",
              "bench": "runs for minutes", "serve": "listens until stopped (tests/serve/test_serve_cli.py)"}
FIXED = {"home", "manifest", "rpc", "help"}  # set by the test, never hostile

HEX64 = "5c" * 32
BAD_CHECKSUM = dev_account(0).address.swapcase().replace("0X", "0x")
INTS = ["", " ", "-1", "-99999999999", U256, U64, "99999999999", "1e3", "1_000", "0x10", "NaN", "+-1", "9" * 400]
HOSTILE: dict[str, list[str]] = {
    "int": INTS,
    "region": [*INTS, "0", "99999", "1000000", "050000"],
    "date": ["", "0001-01-01", "1969-12-31", "2026-02-30", "2026-13-01", "26-01-01", "２０２６-01-01", "yesterday",
             "2026-01-01T00:00", "9" * 300],
    "account": ["", " ", "0x", "0x123", "0x" + "g" * 40, "0x" + HEX64, HEX64, BAD_CHECKSUM, "名字", "x" * 300,
                "dev99", "admin\n", "-1"],
    "claim_id": ["", "0x", "0x12", "0x" + "g" * 64, "0x" + "00" * 33, "名", "-1", HEX64],
    "national_id": ["", "123", ID1[:-1] + ("0" if ID1[-1] != "0" else "1"), "名" * 18, "x" * 1000, ID1 + "1"],
    "pseudonym": ["", "0x" + "00" * 32, "0x12", HEX64, "0x" + "g" * 64],
    "line": ["", "A", "A:1", "A:-1:5", ":1:1", f"A:{U256}:1", f"A:1:{2**40}", "名:1:1", "A:1:1.5", "A:1_0:1",
             "A" * 40 + ":1:1", "A:1:1.234元", "A:1:-1元", "A:1:１元", f"A:1:{2**40}元"],
    # money: whole fen or yuan with the unit (at most two decimals, ASCII digits, no sign)
    "money": [*INTS, "1.234元", "-1元", "1e3元", "１元", "1,000元", "元", ".5元", "1.元", "1 元", "1.5", "¥1",
              "1.5YUAN", f"{2**64}元", "NaN元"],
    "key_name": ["", "0x1", "1abc", "名", "a" * 33, HEX64, "a b", "-x", "dev1", "admin"],
    "enum": ["", "BOGUS", "名", "x" * 300, "-1"],
    "free": ["", "名", "x" * 3000, "\t", "a\nb"],
}
KIND_OF = {
    "code": "region", "region": "region", "from_region": "region", "to_region": "region",
    "account": "account", "institution": "account", "admin": "account", "who": "account",
    "wallet": "account", "address": "account",
    "claim_id": "claim_id", "national_id": "national_id", "pseudonym": "pseudonym", "line": "line",
    "coverage_from": "date", "coverage_to": "date", "start": "date", "end": "date", "date": "date",
    "discharge": "date", "to": "date", "since": "date",
    "file": "file", "csv_file": "file", "keystore": "file", "password_file": "secret", "private_key_file": "secret",
    "kind": "enum", "status": "enum", "grade": "enum", "visit": "enum", "scheme": "enum",
    "invoice": "free", "documents": "free", "evidence": "free", "ref": "free",
    "amount": "money", "fund": "money", "claimed_fund": "money",
    "sizes": "int",  # bench --screen's sizes: whole numbers separated by commas (one is a list too)
}
NEVER_ALONE = {"free", "flag"}  # values that may be valid: an example also needs one that is not


def _commands() -> list[tuple[str, ...]]:
    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                yield from walk(sub, (*path, name))
        else:
            yield path

    return [p for p in walk(typer.main.get_command(app), ()) if p[0] not in NOT_DRIVEN]


def _all_params(path: tuple[str, ...]) -> list[Any]:
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return list(cmd.params)


def _params(path: tuple[str, ...]) -> list[Any]:
    return [p for p in _all_params(path) if p.name not in FIXED]


def _kind(path: tuple[str, ...], param: Any) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    annotation = str(param.type_descriptor.annotation)
    if param.name == "name":
        return "key_name" if path[0] == "key" else "free"
    if param.name in KIND_OF:
        return KIND_OF[param.name]
    if "int" in annotation:
        return "int"  # reason codes, levels, batch sizes, and any new whole-number option
    if "Path" in annotation:
        return "file"
    return "free"


#: Every command that takes a value that can be hostile (``key list`` takes none).
COMMANDS = [c for c in _commands() if any(_kind(c, p) not in NEVER_ALONE for p in _params(c))]


def test_every_command_is_driven_or_excused() -> None:
    driven = {c[0] for c in COMMANDS} | set(NOT_DRIVEN)
    assert driven >= {c[0] for c in _commands()} - {"key"} and ("region", "add") in COMMANDS
    assert len(COMMANDS) >= 33


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployed home with two regions, and a folder of hostile files."""
    home = tmp_path_factory.mktemp("hostile") / "home"
    for argv in (["deploy"], ["region", "add", "500000", "Chongqing", "--fund", "100000000"],
                 ["region", "add", "440100", "Guangzhou"]):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert run([*argv, "--home", str(home)]) == 0
    files = home.parent / "files"
    files.mkdir()
    (files / "gbk.csv").write_bytes("national_id,region\n张三,500000\n".encode("gbk"))
    (files / "nul.csv").write_bytes(b"region,code,category\n\0,\0,\0\n")
    (files / "empty.csv").write_bytes(b"")
    (files / "list.json").write_text("[1]")
    (files / "deep.json").write_text("[" * 100_000)
    (files / "readable.txt").write_text("password\n")
    (files / "readable.txt").chmod(0o644)
    return home


def _files(home: Path) -> dict[str, list[str]]:
    files = home.parent / "files"
    paths = [str(files / n) for n in ("gbk.csv", "nul.csv", "empty.csv", "list.json", "deep.json")]
    return {"file": [*paths, str(files / "missing.csv"), str(files), ""],
            "secret": [str(files / "readable.txt"), str(files / "missing"), str(files), ""]}


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_refuses_hostile_values(hostile_home: Path, path: tuple[str, ...], data: st.DataObject) -> None:
    values = {**HOSTILE, **_files(hostile_home)}
    params = [(p, _kind(path, p)) for p in _params(path)]
    hostile = [(p, k) for p, k in params if k not in NEVER_ALONE]
    must = data.draw(st.sampled_from(hostile), label="hostile parameter")
    # the required parameters, and now and then an optional one (so that some examples get past
    # the command line's checks to those made on the chain's side)
    chosen = [must] + [x for x in params if x[0] is not must[0]
                       and (x[0].required or data.draw(st.integers(0, 3), label=x[0].name) == 0)]
    argv: list[str] = list(path)
    for param, kind in chosen:
        if kind == "flag":
            argv.append(param.opts[0])
            continue
        value = data.draw(st.sampled_from(values[kind]), label=param.name)
        if param.param_type_name == "argument":
            argv.append(value)
        elif data.draw(st.booleans(), label="--opt=value"):
            argv.append(f"{param.opts[0]}={value}")
        else:
            argv += [param.opts[0], value]
    if data.draw(st.booleans(), label="--json") and any(p.name == "as_json" for p, _ in params):
        argv.append("--json")
    if any(p.name == "home" for p in _all_params(path)):
        argv += ["--home", str(hostile_home)]
    before = state(hostile_home)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    assert_refused(code, out.getvalue(), err.getvalue(), argv)
    assert state(hostile_home) == before, f"{argv} changed the home folder"


# ---------------------------------------------------------------------- node, demo, bench

#: The whole-number options of the long-running commands and the range each accepts (the demo
#: needs twenty people for its regions; the bench's batch is YibaoLedger's MAX_CLAIMS; 9999-12-31
#: 23:59:59 is the last genesis time).
RANGES = {
    ("node", "port"): (1, 65_535), ("node", "timestamp"): (0, 253_402_300_799), ("node", "state_interval"): (1, 86_400),
    ("bench", "history"): (0, 10_000_000), ("bench", "batch"): (1, 200), ("bench", "singles"): (1, 100_000),
    ("bench", "claims"): (1, 10_000_000), ("bench", "samples"): (10, 100_000), ("bench", "sizes"): (1_000, 10_000_000),
    ("demo", "people"): (20, 1_000_000), ("demo", "claims"): (1, 10_000_000), ("demo", "seed"): (0, 2**63 - 1),
    ("demo", "port"): (1, 65_535), ("serve", "port"): (1, 65_535),
}


class Ran(Exception):
    """The command got past its command line to the work it does."""


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting anvil, the demo, the bench and a server all raise :class:`Ran` instead."""
    import yibao.bench
    import yibao.bench_db
    import yibao.chain.node
    import yibao.demo
    import yibao.serve.server

    def ran(*_: object, **__: object) -> None:
        raise Ran

    monkeypatch.setattr(yibao.chain.node, "AnvilNode", ran)
    monkeypatch.setattr(yibao.demo, "play_demo", ran)
    monkeypatch.setattr(yibao.serve.server, "home_context", ran)
    monkeypatch.setattr(yibao.bench, "run_bench", ran)
    monkeypatch.setattr(yibao.bench_db, "run_screen", ran)


def _whole_in(text: str, lo: int, hi: int) -> bool:
    t = text.strip()
    return t.lstrip("+-").isascii() and t.lstrip("+-").isdigit() and t.count("-") + t.count("+") <= 1 \
        and lo <= int(t) <= hi


def _long(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(argv))
    return code, err.getvalue()


def test_every_whole_number_option_of_node_demo_and_bench_has_a_range() -> None:
    ints = {(c, p.name) for c in NOT_DRIVEN for p in _params((c,)) if _kind((c,), p) == "int"}
    assert ints == set(RANGES)


@pytest.mark.usefixtures("no_work")
@pytest.mark.parametrize(("command", "option"), sorted(RANGES), ids="-".join)
def test_long_commands_refuse_out_of_range_values_before_any_work(command: str, option: str) -> None:
    lo, hi = RANGES[command, option]
    flag = "--" + option.replace("_", "-")
    extra = {("node", "state_interval"): ["--state", "/nonexistent/state.json"], ("bench", "sizes"): ["--screen"],
             ("bench", "claims"): ["--index"], ("bench", "samples"): ["--precheck"]}.get((command, option), [])
    for value in [*INTS, str(lo - 1), str(hi + 1), f" {hi} "]:
        argv = [command, f"{flag}={value}", *extra]
        code, err = _long(*argv)
        if _whole_in(value, lo, hi):
            assert "unexpected Ran" in err, (argv, err)  # accepted: it went on to the work
            continue
        assert_refused(code, "", err, argv)
        assert f"Invalid value for '{flag}'" in err and "Ran" not in err, (argv, err)
    for value in (lo, hi):
        assert "unexpected Ran" in _long(command, f"{flag}={value}", *extra)[1]


@pytest.mark.usefixtures("no_work")
def test_demo_refuses_an_out_folder_it_cannot_write_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    bad = ["", "\0", str(tmp_path / "a-file"), str(tmp_path / "a-file" / "sub")]
    if os.geteuid() != 0:  # root writes anywhere: there the locked folder proves nothing
        bad.append(str(locked / "out"))
    for folder in bad:
        code, err = _long("demo", "--out", folder)
        assert_refused(code, "", err, ["demo", "--out", folder])
        assert "Invalid value for '--out'" in err, (folder, err)
    assert "unexpected Ran" in _long("demo", "--out", str(tmp_path / "new" / "folder"))[1]


@pytest.mark.usefixtures("no_work")
def test_node_refuses_conflicting_or_incomplete_options_before_starting_anvil(tmp_path: Path) -> None:
    for argv, message in ((["--timestamp", "1", "--start", "2026-01-01"], "either --timestamp or --start"),
                          (["--state-interval", "5"], "--state-interval needs --state"),
                          (["--state", str(tmp_path)], "is a folder, not a file")):
        code, err = _long("node", *argv)
        assert_refused(code, "", err, ["node", *argv])
        assert message in err, (argv, err)
