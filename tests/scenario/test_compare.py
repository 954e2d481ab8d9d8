"""``yibao simulate BASE --compare VARIANT`` (issue 11 §3): figures computed by hand from
adjudication.md, the document's structure, model and chain alike, refusals, the HTML report and
the worked example of docs/examples/compare."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from yibao.cli import run
from yibao.simulate import ModelEngine, run_scenario
from yibao.simulate import compare as compare_module
from yibao.simulate.compare import (
    BREAKDOWNS, METRICS, Variant, change_bps, compare, load_variant, pct_text, row, with_policies,
)
from yibao.io.schema import Policy
from yibao.simulate.compare_report import REPORT_NAME, print_comparison, render_report
from yibao.simulate.scenario import load_scenario, parse_scenario
from rich.console import Console

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "compare"


def policy(scheme: str, op_deductible: int, op_ratio: dict[str, int]) -> dict[str, Any]:
    return {
        "region": 500000, "scheme": scheme, "effective_from": "2026-01-01", "op_deductible": op_deductible,
        "ip_deductible": {"1": 20000, "2": 50000, "3": 100000}, "op_ratio_bps": op_ratio,
        "ip_ratio_bps": {"1": 9000, "2": 8500, "3": 8000}, "op_annual_cap": 500000, "annual_cap": 30000000,
        "monthly_visit_limit": 0, "class_b_self_pay_bps": 1000, "cross_region_cut_bps": 1000, "waiting_days": 0,
        "review_threshold": 5000000, "max_claim_age_days": 90, "appeal_days": 15,
    }


EMPLOYEE = policy("EMPLOYEE", 10000, {"0": 5000, "1": 7000, "2": 6000, "3": 5000})
RESIDENT = policy("RESIDENT", 5000, {"0": 5000, "1": 6000, "2": 5000, "3": 4000})


def claim(cid: str, at: str, inst: str, person: str, visit: str, qty: int, price: int,
          discharge: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"id": cid, "institution": inst, "person": person, "visit": visit, "date": at,
                         "lines": [{"code": "XA01", "qty": qty, "unit_price": price}]}
    if discharge:
        c["discharge"] = discharge
    return {"at": discharge or at, "claim": c}


TINY: dict[str, Any] = {
    "start": "2026-01-01",
    "regions": [{"code": 500000, "name": "Chongqing", "fund": 10_000_000}],
    "policies": [EMPLOYEE, RESIDENT],
    "catalogue": [{"region": 500000, "code": "XA01", "category": "A"}],
    "institutions": [{"id": "H3", "region": 500000, "level": 3, "grade": "A"},
                     {"id": "H1", "region": 500000, "level": 1, "grade": "A"}],
    "people": [{"id": "P1", "region": 500000, "scheme": "EMPLOYEE",
                "coverage_from": "2026-01-01", "coverage_to": "2026-12-31"},
               {"id": "P2", "region": 500000, "scheme": "RESIDENT",
                "coverage_from": "2026-01-01", "coverage_to": "2026-12-31"}],
    "timeline": [
        claim("C1", "2026-01-10", "H3", "P1", "OUTPATIENT", 1, 25000),
        claim("C2", "2026-02-05", "H1", "P1", "OUTPATIENT", 2, 10000),
        claim("C3", "2026-02-10", "H3", "P1", "INPATIENT", 1, 300000, discharge="2026-02-12"),
        claim("C4", "2026-02-15", "H1", "P2", "OUTPATIENT", 1, 8333),
        {"at": "2026-02-28", "settle": {"institution": "H1"}},
        {"at": "2026-02-28", "settle": {"institution": "H3"}},
    ],
}
# The variant: the EMPLOYEE outpatient deductible raised by 200 元 (10000 → 30000 fen). The
# RESIDENT version is not in the file, so it stays as it is.
VARIANT = [dict(EMPLOYEE, op_deductible=30000)]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    base, variant = tmp_path / "base.json", tmp_path / "variant.json"
    base.write_text(json.dumps(TINY), "utf-8")
    variant.write_text(json.dumps(VARIANT), "utf-8")
    return base, variant


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def tiny_comparison(engine: Any = ModelEngine) -> dict[str, Any]:
    base = parse_scenario(TINY)
    variant = Variant(with_policies(base, [Policy.model_validate(p) for p in VARIANT]), "policy")
    return compare(base, variant, engine)


def test_hand_computed_figures() -> None:
    """adjudication.md §3 and §5 by hand (E = eligible, d = deductible, fund = ⌊(E − d) × ratio⌋):

    C1 P1 EMPLOYEE, H3 (level 3) outpatient, 1 × 25000: E = 25000, ratio 5000 bps
      base:    d = min(25000, 10000) = 10000;  fund = (25000 − 10000) × 0.5 = 7500;  own 17500
      variant: d = min(25000, 30000) = 25000;  fund = 0;                          own 25000
    C2 P1, H1 (level 1) outpatient, 2 × 10000: E = 20000, ratio 7000 bps
      base:    deductible used 10000 of 10000 → d = 0;  fund = 20000 × 0.7 = 14000;   own 6000
      variant: used 25000 of 30000 → d = 5000;  fund = (20000 − 5000) × 0.7 = 10500; own 9500
    C3 P1, H3 inpatient, 1 × 300000: d = ip_deductible[3] = 100000 per admission in both;
      fund = (300000 − 100000) × 0.8 = 160000; own 140000 (the outpatient deductible plays no part)
    C4 P2 RESIDENT, H1 outpatient, 1 × 8333: the RESIDENT version is unchanged: d = 5000;
      fund = ⌊3333 × 0.6⌋ = ⌊1999.8⌋ = 1999; own 6334 in both

    fund paid: base 7500 + 14000 + 160000 + 1999 = 183499; variant 0 + 10500 + 160000 + 1999 = 172499
      → −11000 (C1 −7500, C2 −3500); change −11000 × 10000 / 183499 = −599.46 bps → −599 → "-5.99%"
    own pay: billed 25000 + 20000 + 300000 + 8333 = 353333; base 353333 − 183499 = 169834,
      variant 353333 − 172499 = 180834 → +11000 (what the fund saves, the patients pay)
    deductible: base 10000 + 0 + 100000 + 5000 = 115000; variant 25000 + 5000 + 100000 + 5000 = 135000
    fund balance after both settlements: 10,000,000 − 183499 = 9816501; 10,000,000 − 172499 = 9827501
      → +11000; 11000 × 10000 / 9816501 = 11.21 bps → 11 → "+0.11%"
    """
    doc = tiny_comparison()
    t = doc["total"]
    assert t["fund"] == {"base": 183499, "variant": 172499, "diff": -11000, "bps": -599, "pct": "-5.99%"}
    assert t["own_pay"] == {"base": 169834, "variant": 180834, "diff": 11000, "bps": 648, "pct": "+6.48%"}
    # 11000 × 10000 / 169834 = 647.69 → 648 bps (rounded half away from zero)
    assert (t["billed"]["base"], t["billed"]["diff"]) == (353333, 0)
    assert (t["deductible"]["base"], t["deductible"]["variant"]) == (115000, 135000)
    assert (t["claims"]["base"], t["held"]["base"], t["flagged"]["diff"], t["rejected"]["diff"]) == (4, 0, 0, 0)
    # per scheme: only EMPLOYEE changes (C1, C2); RESIDENT C4 stays at 1999
    assert doc["by_scheme"]["EMPLOYEE"]["fund"] == row(7500 + 14000 + 160000, 0 + 10500 + 160000)
    assert doc["by_scheme"]["RESIDENT"]["fund"] == row(1999, 1999)
    # per level: level 1 = C2 + C4 (15999 → 12499), level 3 = C1 + C3 (167500 → 160000)
    assert doc["by_level"]["1"]["fund"]["diff"] == -3500
    assert doc["by_level"]["3"]["fund"] == row(167500, 160000)
    # per month: January = C1 (7500 → 0: −100 %), February = C2 + C3 + C4 (175999 → 172499)
    assert doc["by_month"]["2026-01"]["fund"] == {"base": 7500, "variant": 0, "diff": -7500, "bps": -10000,
                                                  "pct": "-100.00%"}
    assert doc["by_month"]["2026-02"]["own_pay"]["diff"] == 3500
    assert doc["funds"]["500000"] == {"base": 9816501, "variant": 9827501, "diff": 11000, "bps": 11,
                                      "pct": "+0.11%"}
    assert doc["policy_changes"] == [{"region": 500000, "scheme": "EMPLOYEE", "effective_from": "2026-01-01",
                                      "field": "op_deductible", "base": 10000, "variant": 30000}]
    assert doc["refused_steps"] == {"base": 0, "variant": 0}


def test_percentages_are_integers() -> None:
    assert change_bps(1, 3) == 3333 and change_bps(2, 3) == 6667 and change_bps(-2, 3) == -6667
    assert change_bps(5, 0) is None and pct_text(None) is None
    assert [pct_text(b) for b in (1250, -5, 0, 10000)] == ["+12.50%", "-0.05%", "0.00%", "+100.00%"]


def test_document_structure(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base, variant = files
    code, out, err = cli(capsys, "simulate", str(base), "--model", "--compare", str(variant), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["base", "variant", "engine", "variant_kind", "policy_changes", "total", *BREAKDOWNS,
                         "funds", "regions", "refused_steps"]
    assert (doc["engine"], doc["variant_kind"]) == ("model", "policy")
    assert list(doc["total"]) == list(METRICS)
    assert list(doc["by_scheme"]) == ["EMPLOYEE", "RESIDENT"]
    assert list(doc["by_level"]) == ["1", "3"] and list(doc["by_month"]) == ["2026-01", "2026-02"]
    for groups in (doc["total"], *(g for b in BREAKDOWNS for g in doc[b].values()), doc["funds"]):
        for r in groups.values() if "base" not in groups else [groups]:
            assert list(r) == ["base", "variant", "diff", "bps", "pct"]
            assert all(isinstance(r[k], int) for k in ("base", "variant", "diff"))
            assert r["pct"] is None or isinstance(r["pct"], str)
    assert "\x1b" not in out and err == ""  # no progress bar with --json

    code, text, _ = cli(capsys, "simulate", str(base), "--model", "--compare", str(variant))
    assert code == 0
    for heading in ("policy change", "totals", "by scheme", "by institution level", "by service month",
                    "fund balance at the end"):
        assert heading in text
    assert re.search(r"fund paid 统筹支付\s+1,834\.99\s+1,724\.99\s+-110\.00\s+-5\.99%", text)
    assert re.search(r"own pay 个人自付\s+1,698\.34\s+1,808\.34\s+\+110\.00\s+\+6\.48%", text)
    assert re.search(r"500000 Chongqing\s+98,165\.01\s+98,275\.01\s+\+110\.00\s+\+0\.11%", text)


def test_model_and_chain_give_identical_figures(files: tuple[Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base, variant = files
    docs = {}
    for engine in ("--model", None):
        args = ["simulate", str(base), "--compare", str(variant), "--json", *([engine] if engine else [])]
        code, out, err = cli(capsys, *args)
        assert code == 0, err
        docs[engine] = json.loads(out)
    assert docs["--model"].pop("engine") == "model" and docs[None].pop("engine") == "anvil"
    assert docs["--model"] == docs[None]
    assert docs[None]["total"]["fund"]["diff"] == -11000


def test_variant_as_a_whole_scenario(tmp_path: Path) -> None:
    """A scenario variant of the same world gives what the policy file gives."""
    whole = copy.deepcopy(TINY)
    whole["policies"][0]["op_deductible"] = 30000
    (tmp_path / "whole.json").write_text(json.dumps(whole), "utf-8")
    base = parse_scenario(TINY)
    variant = load_variant(base, tmp_path / "whole.json")
    assert variant.kind == "scenario"
    doc = compare(base, variant, ModelEngine)
    assert doc.pop("variant_kind") == "scenario"
    expected = tiny_comparison()
    expected.pop("variant_kind")
    assert doc == expected


def test_policy_file_adds_a_version(tmp_path: Path) -> None:
    """A version of another date is added: from July the deductible is 300 元 (C1..C4 are earlier)."""
    (tmp_path / "july.json").write_text(json.dumps(dict(EMPLOYEE, effective_from="2026-07-01",
                                                         op_deductible=30000)), "utf-8")
    base = parse_scenario(TINY)
    variant = load_variant(base, tmp_path / "july.json")
    assert [p.effective_from.isoformat() for p in variant.scenario.policies] == [
        "2026-01-01", "2026-01-01", "2026-07-01"]
    doc = compare(base, variant, ModelEngine)
    assert doc["total"]["fund"]["diff"] == 0
    assert doc["policy_changes"][0]["base"] is None and doc["policy_changes"][0]["effective_from"] == "2026-07-01"


BAD_VARIANTS: list[tuple[str, str]] = [
    ("{not json", "not valid JSON"),
    ('{"region": 500000}', "missing key"),
    ("[]", "no policies"),
    (json.dumps(dict(EMPLOYEE, region=440100)), "region 440100 is not a region of the base scenario"),
    (json.dumps(dict(EMPLOYEE, op_deductible=-1)), "op_deductible"),
    (json.dumps({**TINY, "people": [TINY["people"][0], {**TINY["people"][1], "coverage_to": "2026-06-30"}]}),
     "people differ from the base scenario"),
    (json.dumps({**TINY, "timeline": TINY["timeline"][:2]}), "timeline differ from the base scenario"),
    (json.dumps({**TINY, "regions": []}), "variant.json"),
]


@pytest.mark.parametrize(("text", "message"), BAD_VARIANTS)
def test_bad_variant_is_one_line_before_anything_runs(
        text: str, message: str, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, variant = files
    variant.write_text(text, "utf-8")

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a play started")

    monkeypatch.setattr(compare_module, "run_scenario", no_run)
    for engine in (["--model"], []):
        code, out, err = cli(capsys, "simulate", str(base), "--compare", str(variant), *engine)
        assert code == 2 and out == ""
        assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize("args", [
    ["--compare", "/nonexistent/variant.json"],
    ["--report", "/proc/version/x"],
    ["--report", "out"],  # without --compare
    ["--compare", "{variant}", "--rpc", "http://127.0.0.1:1"],
])
def test_bad_options(args: list[str], files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base, variant = files
    argv = ["simulate", str(base), "--model", *(a.replace("{variant}", str(variant)) for a in args)]
    if "--rpc" in args:
        argv.remove("--model")
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1, err


def test_report_writes_html_with_the_figures(files: tuple[Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    base, variant = files
    folder = tmp_path / "report" / "new"
    code, out, err = cli(capsys, "simulate", str(base), "--model", "--compare", str(variant),
                         "--report", str(folder), "--json")
    assert code == 0, err
    doc = json.loads(out)
    page = (folder / REPORT_NAME).read_text("utf-8")
    assert doc["report"] == str(folder / REPORT_NAME)
    assert page.startswith("<!doctype html>") and page.endswith("</html>")
    assert page.count("<svg") == 2 * (len(BREAKDOWNS) + 1)  # base/variant and Δ: per breakdown, funds
    for figure in ("1,834.99", "1,724.99", "-110.00", "-5.99%", "+110.00", "98,165.01", "98,275.01",
                   "op_deductible", "¥100.00", "¥300.00", "2026-01", "-100.00%"):
        assert figure in page, figure
    assert "<script" not in page
    # Chinese renders without a CJK font: the page embeds one with every CJK character it shows
    import base64
    import re

    from fontTools.ttLib import TTFont
    from yibao.demo.font import cjk_chars

    data = re.findall(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)", page)
    assert len(data) == 1
    cmap = {chr(u) for u in TTFont(io.BytesIO(base64.b64decode(data[0]))).getBestCmap()}
    used = cjk_chars(page.replace(data[0], ""))
    assert {"基", "金", "测", "算"} <= used and used <= cmap


def test_plain_simulate_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).parent / "data" / "world.json"
    code, out, _ = cli(capsys, "simulate", str(path), "--model")
    assert code == 0
    assert out == json.dumps(run_scenario(load_scenario(path), ModelEngine()), ensure_ascii=False, indent=2) + "\n"


def test_worked_example_readme_shows_the_measured_output(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/examples/compare/README.md shows what the command prints (the chain's figures are
    the model's; only the engine's name in the first line differs)."""
    monkeypatch.chdir(EXAMPLE)
    code, out, err = cli(capsys, "simulate", "base.json", "--compare", "deductible-plus-200.json", "--model",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)
    doc["engine"] = "anvil"
    text = io.StringIO()
    print_comparison(doc, Console(file=text, width=80, color_system=None))
    readme = (EXAMPLE / "README.md").read_text("utf-8")
    shown = readme.split("```text\n", 1)[1].split("```", 1)[0]
    assert shown == "".join(line.rstrip() + "\n" for line in text.getvalue().splitlines())


def test_report_renders_from_the_document() -> None:
    doc = tiny_comparison()
    console = Console(record=True, width=100)
    print_comparison(doc, console)
    assert "-110.00" in console.export_text()
    assert "<svg" in render_report(doc)


def test_model_and_chain_agree_on_a_world_with_reviews_appeals_and_clawbacks(tmp_path: Path) -> None:
    """world.json (reviews, appeals, settlements, clearing, a clawback, three regions) under a
    deductible raised by 200 元: the chain's comparison is the model's."""
    from yibao.simulate.chain_engine import ChainEngine

    path = Path(__file__).parent / "data" / "world.json"
    base = load_scenario(path)
    entry = json.loads(path.read_text("utf-8"))["policies"][0]
    (tmp_path / "variant.json").write_text(json.dumps(dict(entry, op_deductible=entry["op_deductible"] + 20000)))
    variant = load_variant(base, tmp_path / "variant.json")
    on_model = compare(base, variant, ModelEngine)
    assert on_model["total"]["deductible"]["diff"] > 0 and on_model["total"]["fund"]["diff"] < 0
    assert compare(base, variant, ChainEngine) == on_model
