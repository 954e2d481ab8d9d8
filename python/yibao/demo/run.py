"""``yibao demo`` from start to end: build the world, open the chain, play the year with a
progress bar, read the report back and write its files, timing each step."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yibao.chain import Chain
from yibao.client import Ledger
from yibao.demo.document import write_claims_csv, write_report
from yibao.demo.generator import build_world
from yibao.demo.patients import play_patients
from yibao.demo.cases_report import cases_doc, cases_summary
from yibao.demo.player import Player
from yibao.demo.readback import build_doc
from yibao.demo.screening_report import screen_year, screening_summary
from yibao.demo.supervision import CasePlayer
from yibao.demo.world_rules import SETUP_DAY, YEAR

SETUP_STEPS = 4  # regions and roles, policies and catalogues, institutions, enrolment and filings


def open_chain(rpc: str | None, engine: str = "anvil") -> Chain:
    """A fresh chain of ``engine`` (anvil started here, or the embedded py-evm) starting the day
    before the setup, or the node at ``rpc`` if its clock is not past the setup day yet."""
    return Chain.for_run(SETUP_DAY, rpc, "the demo's first day", engine=engine)


@dataclass
class DemoRun:
    """A finished demo: the report document and the ledger it was played on (still open)."""

    doc: dict[str, Any]
    ledger: Ledger
    player: CasePlayer | None = None  #: the parties and keys of the world played (``yibao demo --serve``)
    out_dir: Path | None = None


def progress_bar(console: Console | None) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
        transient=False,
    )


class YearProgress:
    """The player's progress on two bars: the setup steps, then the claims of the year."""

    def __init__(self, bar: Progress, claims: int) -> None:
        self.bar = bar
        self.setup = bar.add_task("setting up", total=SETUP_STEPS, note="")
        self.claims = bar.add_task("claims", total=claims, note="", visible=False)

    def __call__(self, what: str, n: int) -> None:
        bar = self.bar
        if what == "claims":
            bar.advance(self.claims, n)
        elif what.startswith("day "):
            bar.update(self.claims, note=what[4:])
        else:
            bar.advance(self.setup, n)
            bar.update(self.setup, note=what)
            if bar.tasks[self.setup].completed >= SETUP_STEPS:
                bar.update(self.claims, visible=True, description=f"playing {YEAR}")


def play_year(pl: Player, timing: dict[str, float]) -> None:
    t = time.perf_counter()
    pl.setup()
    timing["setup_s"] = time.perf_counter() - t
    t = time.perf_counter()
    pl.play()
    timing["year_s"] = time.perf_counter() - t


def play_demo(rpc: str | None = None, people: int = 1000, claims: int = 10000, seed: int = 7,
        out_dir: Path = Path("out/demo"), console: Console | None = None, engine: str = "anvil") -> DemoRun:
    """:func:`run_demo`, also handing back the ledger (tests re-read the chain through it)."""
    import yibao.demo as package  # its ``open_chain`` is the one to call (tests replace it there)

    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    world = build_world(seed, people, claims)
    timing["world_s"] = time.perf_counter() - t0
    chain = package.open_chain(rpc, engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    with progress_bar(console) as bar:
        pl = CasePlayer(chain, world, YearProgress(bar, len(world.claims)), out_dir=out_dir)
        play_year(pl, timing)
    t = time.perf_counter()
    patients = play_patients(pl, out_dir)
    timing["patients_s"] = time.perf_counter() - t
    t = time.perf_counter()
    manifest_path = out_dir / "manifest.json"
    pl.ledger.manifest.save(manifest_path)
    doc = build_doc(pl, seed, people, claims)
    doc["manifest"] = str(manifest_path)
    doc["patients"] = patients["patients"]
    timing["read_back_s"] = time.perf_counter() - t
    t = time.perf_counter()
    doc["screening"] = screen_year(pl, out_dir, pl.midyear_leads)
    doc["summary"].append(screening_summary(doc["screening"]))
    timing["screening_s"] = time.perf_counter() - t
    t = time.perf_counter()
    doc["cases"] = cases_doc(pl)
    doc["summary"].append(cases_summary(doc["cases"]))
    timing["cases_s"] = time.perf_counter() - t
    timing.update({f"year_{k.replace(' ', '_')}_s": v for k, v in sorted(pl.spent.items())})
    n_sub = doc["claims"]["submitted"]
    timing["claims_per_second_in_year"] = n_sub / timing["year_s"] if timing["year_s"] else 0.0
    t = time.perf_counter()
    doc["timing"] = timing
    write_report(doc, out_dir)
    write_claims_csv(pl, out_dir / "claims.csv")
    timing["report_s"] = time.perf_counter() - t
    timing["total_s"] = time.perf_counter() - t0
    doc["timing"] = {k: round(v, 2) for k, v in timing.items()}
    doc["summary"].append(
        f"took {timing['total_s']:.1f} s (year {timing['year_s']:.1f} s, "
        f"{timing['claims_per_second_in_year']:.0f} claims/s); report in {out_dir}/report.html"
    )
    write_report(doc, out_dir)
    return DemoRun(doc, pl.ledger, pl, out_dir)


class DemoOptions(TypedDict, total=False):
    """The arguments of :func:`play_demo`, by name."""

    rpc: str | None
    people: int
    claims: int
    seed: int
    out_dir: Path
    console: Console | None
    engine: str


def run_demo(**options: Unpack[DemoOptions]) -> dict[str, Any]:
    """Build the world, play the year on the chain (a fresh one of ``engine``, or the node at ``rpc``), write the
    report into ``out_dir`` (report.html, report.json, CSV files, manifest.json) and return the
    report document; ``doc["summary"]`` is a few lines for the terminal, ``doc["timing"]`` the
    measured wall-clock seconds. The options and their defaults are :func:`play_demo`'s."""
    return play_demo(**options).doc


__all__ = [
    "SETUP_STEPS",
    "DemoOptions",
    "DemoRun",
    "YearProgress",
    "open_chain",
    "play_demo",
    "play_year",
    "progress_bar",
    "run_demo",
]
