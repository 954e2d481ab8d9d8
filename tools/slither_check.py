"""Run Slither over the contracts and fail on any High or Medium finding (``make slither``).

Slither cannot drive solc-js itself, but it reads a Hardhat build-info file. This tool makes
one from the project's own standard-JSON input (``tools/build_contracts.py``: the same sources,
the same compiler search), asking solc for the ``ast`` output only, writes it into a temporary
folder beside an empty ``hardhat.config.js``, and runs every Slither detector through its
Python API. Source paths resolve against the repository, so findings name
``contracts/…:LINE``. OpenZeppelin's code under ``node_modules`` is not reported.

A finding that is not a bug is excused in the source, on the line before the statement or
the function it names, with a reason::

    // slither-disable-next-line divide-before-multiply (calendar math: the truncation is the point)

Slither honours these itself. Exit status: 0 when no High or Medium finding is left, 1 when
some are (each printed on one line), 2 when the contracts do not compile. ``--report FILE``
writes every finding, of every impact, as JSON.

Run from the repository: ``.venv/bin/python tools/slither_check.py [--report FILE]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_contracts as bc  # tools/ is not a package: imported from its folder

from yibao.errors import BuildError

#: Impacts that fail the check.
FAILING = ("High", "Medium")
IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")
#: Findings only in these paths (regular expressions) are not reported.
FILTER_PATHS = ["node_modules"]


def build_info() -> dict[str, Any]:
    """A Hardhat-style build-info (``solcVersion``, ``input``, ``output``) with every AST."""
    import solcx

    compiler = bc.find_compiler()
    sources = bc.collect_sources()
    std = bc.standard_input(sources)
    # The AST of every source (OpenZeppelin's too) is all Slither reads; no code generation.
    std["settings"]["outputSelection"] = {key: {"": ["ast"]} for key in sources}
    try:
        out = solcx.compile_standard(std, solc_binary=compiler.path, allow_empty=True)
    except solcx.exceptions.SolcError as exc:
        try:  # solc answered with JSON errors
            out = json.loads(exc.stdout_data or "")
        except (ValueError, TypeError):
            raise BuildError(f"solc failed: {str(exc).splitlines()[0]}") from None
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:  # the first one, with its file and line
        raise BuildError("solc: " + errors[0].get("formattedMessage", str(errors[0])).strip())
    version = compiler.version.split("+")[0]
    return {
        "_format": "hh-sol-build-info-1",
        "id": bc.sources_hash(sources).removeprefix("sha256:")[:32],
        "solcVersion": version,
        "solcLongVersion": compiler.version,
        "input": std,
        "output": out,
    }


def _location(result: dict[str, Any]) -> tuple[str, int]:
    """The file (relative to the repository) and line a finding points at: its first
    statement (node) if it names one, else its first element."""
    elements = [e for e in result.get("elements", []) if e.get("source_mapping", {}).get("lines")]
    if not elements:
        return "?", 0
    nodes = [e for e in elements if e.get("type") == "node"]
    mapping = (nodes or elements)[0]["source_mapping"]
    path = Path(mapping.get("filename_absolute", "?"))
    try:
        shown = str(path.resolve().relative_to(bc.REPO_ROOT))
    except ValueError:
        shown = mapping.get("filename_relative", str(path))
    return shown, int(mapping["lines"][0])


def run_slither(info: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Every finding left after filters and ``slither-disable`` comments, the unused such
    comments, and the number of contracts analysed."""
    from slither import Slither
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    with tempfile.TemporaryDirectory(prefix="yibao-slither-") as tmp:
        root = Path(tmp)
        build_dir = root / "artifacts" / "build-info"
        build_dir.mkdir(parents=True)
        (root / "hardhat.config.js").write_text("", encoding="utf-8")
        (build_dir / f"{info['id']}.json").write_text(json.dumps(info), encoding="utf-8")
        slither = Slither(
            str(root),
            compile_force_framework="hardhat",
            hardhat_ignore_compile=True,
            hardhat_artifacts_directory=str(root / "artifacts"),
            hardhat_working_dir=str(bc.REPO_ROOT),  # sources resolve to the repository's files
            npx_disable=True,  # never start npx (it would look for hardhat on the network)
            filter_paths=FILTER_PATHS,  # a list: a plain string is taken one character a regex
        )
        detectors: list[type[AbstractDetector]] = [
            d for d in vars(all_detectors).values()
            if isinstance(d, type) and issubclass(d, AbstractDetector) and d is not AbstractDetector
        ]
        for detector in sorted(detectors, key=lambda d: str(d.ARGUMENT)):
            slither.register_detector(detector)
        results = [r for per_detector in slither.run_detectors() for r in per_detector]
        unused = slither.get_unused_ignore_comments()
        return results, unused, len(slither.contracts)


def findings(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per finding, deduplicated (the ledger inherits the claim path, so one
    statement can be reported once per contract that contains it), sorted by impact."""
    seen: dict[tuple[str, str, int, str], dict[str, Any]] = {}
    for r in results:
        file, line = _location(r)
        first = " ".join(r["description"].split())
        key = (r["check"], file, line, r["impact"])
        if key in seen:
            seen[key]["contexts"] += 1
            continue
        seen[key] = {
            "impact": r["impact"],
            "confidence": r["confidence"],
            "check": r["check"],
            "file": file,
            "line": line,
            "description": first,
            "contexts": 1,
            "id": r["id"],
        }
    order = {impact: i for i, impact in enumerate(IMPACTS)}
    return sorted(seen.values(), key=lambda f: (order.get(f["impact"], 9), f["file"], f["line"], f["check"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="write every finding as JSON to this file")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # crytic-compile and Slither log every step at INFO
    start = time.monotonic()
    try:
        info = build_info()
    except BuildError as exc:
        print(f"slither: {exc}", file=sys.stderr)
        return 2
    results, unused, contracts = run_slither(info)
    found = findings(results)
    seconds = time.monotonic() - start
    counts = Counter(f["impact"] for f in found)
    failing = [f for f in found if f["impact"] in FAILING]
    for f in failing:
        print(f"{f['impact']} {f['check']} {f['file']}:{f['line']}: {f['description']}")
    for c in unused:
        file = Path(c["file"])
        shown = file.relative_to(bc.REPO_ROOT) if file.is_relative_to(bc.REPO_ROOT) else file
        print(f"warning: unused slither-disable comment {shown}:{c['line']} ({', '.join(c['unused_detectors'])})")
    from importlib.metadata import version

    summary = ", ".join(f"{counts.get(i, 0)} {i.lower()}" for i in IMPACTS)
    print(f"slither {version('slither-analyzer')}: {contracts} contracts, {summary} ({seconds:.1f} s)")
    if args.report:
        args.report.write_text(
            json.dumps(
                {
                    "slither": version("slither-analyzer"),
                    "solc": info["solcLongVersion"],
                    "seconds": round(seconds, 1),
                    "contracts": contracts,
                    "counts": {i: counts.get(i, 0) for i in IMPACTS},
                    "findings": found,
                    "unused_ignore_comments": unused,
                },
                indent=1,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    if failing:
        print(f"slither: {len(failing)} high or medium finding(s): fix them, or excuse each with "
              "`// slither-disable-next-line DETECTOR` and a reason", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
