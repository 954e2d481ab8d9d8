"""`make demo` leaves the checkout as it was: the demo writes only into its ``--out`` folder (and
the home it is given), and what the make targets do create is ignored by git."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def files_under(top: Path) -> set[str]:
    return {str(p.relative_to(top)) for p in top.rglob("*") if p.is_file()}


def test_the_demo_writes_only_into_its_out_folder(tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    top_before = {p.name for p in ROOT.iterdir()}
    env = {**os.environ, "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-c", "from yibao.cli import main; main()", "demo", "--people", "20", "--claims", "60",
           "--out", "out", "--json"]
    done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    written = files_under(work)
    assert written and all(f.startswith("out" + os.sep) for f in written), sorted(written)
    assert {"out/report.html", "out/report.json", "out/manifest.json"} <= written
    assert files_under(home) == set()
    assert {p.name for p in ROOT.iterdir()} <= top_before  # nothing new beside the checkout's files


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_what_make_creates_is_ignored_by_git() -> None:
    made = ["out/demo/report.html", ".yibao/manifest.json", "node_modules/.installed", ".venv/.installed",
            "python/yibao.egg-info/PKG-INFO", "python/yibao/demo/__pycache__/run.cpython-311.pyc",
            ".pytest_cache/README.md", ".mypy_cache/x", ".ruff_cache/x", ".hypothesis/x"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *made], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert sorted(done.stdout.split()) == sorted(made)
    kept = ["package-lock.json", "python/yibao/demo/fonts/ReportSans-subset.woff2", "python/yibao/demo/fonts/OFL.txt"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *kept], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.stdout == ""


def test_make_installs_node_packages_without_writing_the_lock() -> None:
    """`npm ci` installs exactly the committed lock and never rewrites it (`npm install` may)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("$(NODE_OK):"):].split("\n\n", 1)[0]
    assert "npm ci" in recipe and "npm install" not in recipe
