"""``yibao simulate --city``: a generated city's year (基金测算), and two policies compared on it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from yibao.cli.options import emit, err, out, whole_number
from yibao.errors import InputError
from yibao.units import yuan

if TYPE_CHECKING:
    from yibao.simulate.city_play import CityProgress
    from yibao.simulate.engine import Engine


def city_people(text: str | int) -> int:
    """People in a generated city, 100..10,000,000."""
    return whole_number(text, 100, 10_000_000, "people in the city")


def city_claims(text: str | int) -> int:
    """Claims in a generated city's year, 0..50,000,000."""
    return whole_number(text, 0, 50_000_000, "claims in the city's year")


def city_seed(text: str | int) -> int:
    """The city's random seed, 0..2^63-1."""
    return whole_number(text, 0, (1 << 63) - 1, "a seed")


PeopleOpt = Annotated[int | None, typer.Option(parser=city_people, help="with --city: insured people (100000)")]
ClaimsOpt = Annotated[int | None, typer.Option(parser=city_claims, help="with --city: claims in the year (1000000)")]
SeedOpt = Annotated[int | None, typer.Option(parser=city_seed, help="with --city: the random seed (7)")]
CITY_DEFAULTS = {"people": 100_000, "claims": 1_000_000, "seed": 7}
"""The city ``--city`` generates unless told otherwise."""


def no_city_options(people: int | None, claims: int | None, seed: int | None) -> None:
    """Refuse ``--people``, ``--claims`` or ``--seed`` given without ``--city``."""
    given = [name for name, value in (("--people", people), ("--claims", claims), ("--seed", seed))
             if value is not None]
    if given:
        raise InputError(f"{', '.join(given)} go with --city")


@contextmanager
def play_bars(quiet: bool) -> Iterator[CityProgress]:
    """A progress callback ``(play, done, total)`` with a bar per play on stderr (none when
    ``quiet`` or not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=quiet or not err.is_terminal, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def note(play: str, done: int, total: int) -> None:
            if play not in tasks:
                tasks[play] = bar.add_task(f"{play} steps", total=total)
            bar.update(tasks[play], completed=done)

        yield note


def simulate_city(*, people: int | None, claims: int | None, seed: int | None, engine: str,
                  compare: Path | None, report: Path | None, as_json: bool) -> None:
    """Generate the city (:data:`CITY_DEFAULTS` for what is not given), play it on ``engine``
    (``model`` or a fresh chain's engine), print the summary, or with ``compare`` the comparison
    (and with ``report`` its HTML)."""
    from yibao.simulate.city import make_city
    from yibao.simulate.city_play import compare_city, play_city

    people = CITY_DEFAULTS["people"] if people is None else people
    claims = CITY_DEFAULTS["claims"] if claims is None else claims
    seed = CITY_DEFAULTS["seed"] if seed is None else seed

    if report is not None and compare is None:
        raise InputError("--report needs --compare")
    make = engine_factory(engine)
    if not as_json and err.is_terminal:
        err.print(f"generating a city of {people:,} people and {claims:,} claims (seed {seed}) …")
    started = time.perf_counter()
    city = make_city(people, claims, seed)
    generated = round(time.perf_counter() - started, 2)
    with play_bars(as_json) as note:
        if compare is None:
            doc = {"engine": engine, **play_city(city, make, note), "generate_seconds": generated}
            emit(as_json, doc, lambda: _print_summary(doc))
            return
        figures = compare_city(city, compare, make, note)
    doc = {"base": f"city (people {people:,}, claims {claims:,}, seed {seed})", "variant": str(compare),
           "engine": engine, **figures, "generate_seconds": generated}
    emit_comparison(doc, report, as_json)


def emit_comparison(doc: dict[str, Any], report: Path | None, as_json: bool) -> None:
    """Print a comparison document (``simulate --compare``), after writing its HTML into
    ``report`` when given."""
    from yibao.simulate.compare_report import print_comparison, write_report

    if report is not None:
        doc["report"] = str(write_report(doc, report))
    emit(as_json, doc, lambda: print_comparison(doc, out))
    if report is not None and not as_json:
        err.print(f"report written to {doc['report']}")


def engine_factory(engine: str) -> Callable[[], Engine]:
    """Fresh engines of ``engine``: ``model``, or a chain engine (``anvil``, ``pyevm``)."""
    from yibao.simulate import ModelEngine

    if engine == "model":
        return ModelEngine
    from yibao.simulate.chain_engine import ChainEngine

    return partial(ChainEngine, engine=engine)


def _print_summary(doc: dict[str, Any]) -> None:
    city = doc["city"]
    out.print(f"基金测算: a city of {city['people']:,} people, {city['claims']:,} claims, "
              f"{city['institutions']:,} institutions (seed {city['seed']}) on {doc['engine']}: "
              f"generated in {doc['generate_seconds']} s, played in {doc['seconds']} s", soft_wrap=True)
    funds = Table(title="funds at the end of the year (元)")
    for col in ("region", "contributions", "settled", "clearing in", "clearing out", "balance"):
        funds.add_column(col, justify="right" if col != "region" else "left")
    for code, f in doc["funds"].items():
        funds.add_row(f"{code} {city['regions'][code]}", yuan(f["contributions"]), yuan(f["settled"]),
                      yuan(f["clearing_in"]), yuan(f["clearing_out"]), yuan(f["balance"]))
    out.print(funds)
    total = doc["figures"]["total"]
    claims = Table(title="claims")
    for col in ("claims", "billed 元", "fund 元", "held 元", "own pay 元", "flagged", "rejected"):
        claims.add_column(col, justify="right")
    claims.add_row(f"{total['claims']:,}", yuan(total["billed"]), yuan(total["fund"]), yuan(total["held"]),
                   yuan(total["own_pay"]), f"{total['flagged']:,}", f"{total['rejected']:,}")
    out.print(claims)
    out.print("by status: " + ", ".join(f"{k} {v:,}" for k, v in doc["claims_by_status"].items()), soft_wrap=True)
    out.print("by reason: " + ", ".join(f"{k} {v:,}" for k, v in doc["claims_by_reason"].items()), soft_wrap=True)


__all__ = ["CITY_DEFAULTS", "ClaimsOpt", "PeopleOpt", "SeedOpt", "city_claims", "city_people", "city_seed",
           "emit_comparison", "engine_factory", "no_city_options", "play_bars", "simulate_city"]
