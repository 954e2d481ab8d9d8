"""The README's story runs exactly as printed (issue 11 §1): the shell block after
``<!-- story: sh -->`` command by command, then the Python block after ``<!-- story: python
-->``, in a fresh folder beside the repository's ``docs/`` (so ``docs/examples/…`` resolve as
they do in a clone), on the default home ``./.yibao``. Nothing is copied out of the README
into this file: the commands are read from it each run, and the figures its prose states are
checked against the chain."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from yibao.cli import run

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def block(kind: str) -> str:
    """The fenced block right after the marker ``<!-- story: KIND -->``."""
    m = re.search(rf"<!-- story: {kind} -->\s*```[a-z]*\n(.*?)```", README, re.S)
    assert m, f"README.md has no <!-- story: {kind} --> block"
    return m.group(1)


def commands(text: str) -> list[list[str]]:
    """The shell block's commands: ``\\``-continued lines joined, ``#`` comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        argv = shlex.split(line, comments=True)
        if argv:
            out.append(argv)
    return out


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def yibao(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder where the shell story ran, every command exiting 0."""
    folder = tmp_path_factory.mktemp("story")
    (folder / "docs").symlink_to(ROOT / "docs")
    with inside(folder):
        for argv in commands(block("sh")):
            assert argv[0] == "yibao", f"the story runs yibao commands only: {argv}"
            code, _, err = yibao(*argv[1:])
            assert code == 0, f"`{shlex.join(argv)}` failed: {err}"
        yield folder


def test_the_story_names_only_files_a_clone_has() -> None:
    for argv in commands(block("sh")) + commands(block("patient")):
        for arg in argv:
            if arg.startswith("docs/"):
                assert (ROOT / arg).is_file(), arg
    assert "../shared" not in README


def test_the_shell_story_runs_as_printed_and_its_figures_are_the_chains(story: Path) -> None:
    with inside(story):
        def claim(invoice: str) -> dict:
            code, out, err = yibao("claim", "show", "--institution", "dev7", "--invoice", invoice, "--json")
            assert code == 0, err
            return json.loads(out)

        worked = claim("INV-0002")
        assert worked["status"] == "SETTLED" and worked["fund"] == 15300
        assert "153.00 元" in README
        flagged = claim("INV-0004")
        assert flagged["status"] == "SETTLED" and flagged["fund"] == 217000 and "2,170.00 元" in README
        code, out, _ = yibao("fund", "show", "500000", "--json")
        balance = json.loads(out)["balance"]
        assert code == 0 and f"{balance // 100:,}.{balance % 100:02d} 元" in README


def test_the_storys_precheck_warns_and_records_nothing(story: Path) -> None:
    """What the prose says of `claim precheck` and `screen`: APPROVED, a DUP_BILLING warning
    with INV-0001, nothing recorded, no lead."""
    argv = next(a for a in commands(block("sh")) if a[1:3] == ["claim", "precheck"])
    with inside(story):
        code, out, err = yibao(*argv[1:], "--json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["status"] == "APPROVED" and doc["precheck"] is True
        first = yibao("claim", "show", "--institution", "dev7", "--invoice", "INV-0001", "--json")[1]
        assert [(w["rule"], w["severity"], sorted(w["claims"])) for w in doc["warnings"]] == [
            ("DUP_BILLING", "HIGH", sorted([doc["claim_id"], json.loads(first)["claim_id"]]))]
        code, out, err = yibao("claim", "show", doc["claim_id"])
        assert code == 2 and "no claim" in err
        code, out, err = yibao("screen", "--json")
        assert code == 0 and json.loads(out)["leads"] == [], err
    assert "`DUP_BILLING` (重复收费, HIGH)" in README and "`screen` afterwards\n  finds no lead" in README


def test_the_python_story_runs_as_printed_after_it(story: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = block("python")
    with inside(story):
        exec(compile(code, "README.md <!-- story: python -->", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out.split()
    assert printed[:2] == ["APPROVED", "0"], printed  # what the README says the snippet prints
    assert re.search(r"# APPROVED 0\b", code)


def test_the_comparison_table_is_the_worked_examples() -> None:
    """The 基金测算 table's figures are those of docs/examples/compare/README.md (which
    tests/scenario/test_compare.py holds to the command's output)."""
    example = (ROOT / "docs" / "examples" / "compare" / "README.md").read_text(encoding="utf-8")
    section = README.split("## 基金测算", 1)[1].split("\n## ", 1)[0].split("**A city's year.**", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "元" in line]
    assert len(rows) == 4
    for row in rows:
        for figure in re.findall(r"[0-9][0-9,]*\.[0-9]{2}", row):
            assert figure in example, (figure, row)


@pytest.mark.slow
def test_the_city_table_is_the_commands() -> None:
    """The city's table: every figure is the default city's comparison with the example policy
    (a million claims: about two minutes, so with -m slow)."""
    from yibao.simulate.city import make_city
    from yibao.simulate.city_play import compare_city
    from yibao.simulate.model_engine import ModelEngine
    from yibao.units import yuan

    doc = compare_city(make_city(), ROOT / "docs" / "examples" / "city" / "richer-residents.json", ModelEngine)
    section = README.split("**A city's year.**", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| ") and "元" in line}
    figures = {"fund paid 统筹支付": doc["total"]["fund"],
               "residents' fund paid 居民": doc["by_scheme"]["RESIDENT"]["fund"],
               "deductible 起付线": doc["total"]["deductible"],
               "重庆市 fund at the year's end": doc["funds"]["500000"]}
    assert rows.keys() == figures.keys()
    for name, row in figures.items():
        for key in ("base", "variant"):
            assert f"{yuan(row[key])} 元" in rows[name], (name, key)
        change = f"{yuan(abs(row['diff']))} 元 ({row['pct'][:-1]} %)".replace("-", "−")
        assert change in rows[name], (name, change)


def test_the_patient_story_runs_as_printed_after_it(story: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The patient's walk: a doctor reads under consent, a regulator under a case, the patient
    revokes with --rotate, and the trail shows the two reads and nothing else."""
    monkeypatch.setenv("YIBAO_KEY_PASSWORD_ALICE", "the patient's app")
    with inside(story):
        for argv in commands(block("patient")):
            assert argv[0] == "yibao", f"the story runs yibao commands only: {argv}"
            code, _, err = yibao(*argv[1:])
            assert code == 0, f"`{shlex.join(argv)}` failed: {err}"
        code, out, err = yibao("patient", "trail", "--as", "alice", "--json")
        assert code == 0, err
        assert [(t["basis"], t["purpose"], t["basis_id"]) for t in json.loads(out)["trail"]] == [
            ("CONSENT", "TREATMENT", 1), ("CASE", "SUPERVISION", 1)]
        code, out, err = yibao("record", "get", "1", "--consent", "1", "--as", "dev8", "--json")
        assert code == 2 and json.loads(out)["name"] == "ConsentInactive", err
    assert "(`ConsentInactive`,\nexit 2)" in README
