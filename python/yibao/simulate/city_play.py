"""Playing a generated city (:mod:`yibao.simulate.city`): its summary, and two policies compared.

:func:`play_city` plays the city's year on an engine with the lean runner
(:func:`~yibao.simulate.runner.play_lean`) and sums it up (:func:`city_summary`): each region's
fund, the claims by status and by reason, and the figures of a comparison (fund paid, held,
patients' own pay, deductible ... in all, by scheme, by level, by month).

:func:`compare_city` plays the same city under the base policies and under a variant (a policy
file, as ``policy add`` reads it) and compares them as ``simulate --compare`` does
(:func:`~yibao.simulate.compare.compare_runs`). Where the platform can fork, the variant plays in
a second process while the base plays in this one (they share nothing but the city, which the
child inherits; only the variant's figures come back).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import asdict
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from yibao.errors import InputError, YibaoError
from yibao.simulate.city import City
from yibao.simulate.compare import RunFigures, compare_runs, lean_figures, load_variant
from yibao.simulate.engine import Engine
from yibao.simulate.runner import LeanRun, play_lean
from yibao.simulate.scenario import Scenario

CityProgress = Callable[[str, int, int], None]
"""``progress(play, done, total)``: how far a play (``base``, ``variant``) is, in steps."""


def city_facts(city: City) -> dict[str, Any]:
    """What the city is: its size, its seed, its institutions and regions."""
    return {"people": city.people, "claims": city.claims, "seed": city.seed, "institutions": city.institutions,
            "regions": {str(r.code): r.name for r in city.scenario.regions}}


def city_summary(city: City, run: LeanRun) -> dict[str, Any]:
    """A played city's summary: ``steps``, ``refused`` (by error name), ``funds`` (each region's
    account at the end), ``claims_by_status``, ``claims_by_reason`` and ``figures``."""
    status: dict[str, int] = {}
    reason: dict[str, int] = {}
    for lean in run.claims:
        d = lean.decision
        status[d.status.name] = status.get(d.status.name, 0) + 1
        reason[d.reason.name] = reason.get(d.reason.name, 0) + 1
    return {
        "steps": run.steps,
        "refused": run.refused,
        "funds": {code: asdict(f) for code, f in run.funds.items()},
        "claims_by_status": dict(sorted(status.items())),
        "claims_by_reason": dict(sorted(reason.items(), key=lambda kv: (-kv[1], kv[0]))),
        "figures": lean_figures(city.scenario, run).figures,
    }


def _note(progress: CityProgress | None, play: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def note(done: int, total: int) -> None:
        progress(play, done, total)

    return note


def play_city(city: City, make: Callable[[], Engine], progress: CityProgress | None = None) -> dict[str, Any]:
    """Play ``city`` on a fresh ``make()`` (closed after it) and return ``city``
    (:func:`city_facts`), the summary (:func:`city_summary`) and ``seconds`` (the play's
    wall-clock time)."""
    engine = make()
    started = time.perf_counter()
    try:
        run = play_lean(city.scenario, engine, _note(progress, "base"), steps=city.steps)
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    return {"city": city_facts(city), **city_summary(city, run), "seconds": round(seconds, 2)}


def _figures(city: City, scenario: Scenario, make: Callable[[], Engine],
             progress: Callable[[int, int], None] | None) -> RunFigures:
    """One play's figures on a fresh ``make()``, closed after it (a forked child ends without
    running the process's exit handlers: a chain engine's anvils would outlive it)."""
    engine = make()
    try:
        return lean_figures(scenario, play_lean(scenario, engine, progress, steps=city.steps))
    finally:
        engine.close()


def _child(city: City, scenario: Scenario, make: Callable[[], Engine], done: Synchronized[int],
           answer: Connection) -> None:
    """The variant's play in a forked process: its figures (or its error's text) go back on ``answer``."""
    def note(steps: int, _total: int) -> None:
        done.value = steps

    try:
        answer.send(("ok", _figures(city, scenario, make, note)))
    except BaseException as exc:  # noqa: BLE001 - whatever stopped it is reported to the parent as one line
        answer.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        answer.close()


def _both(city: City, variant: Scenario, make: Callable[[], Engine],
          progress: CityProgress | None) -> tuple[RunFigures, RunFigures]:
    """The base's figures (played here) and the variant's (played in a forked child, when the
    platform forks; else after the base)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return (_figures(city, city.scenario, make, _note(progress, "base")),
                _figures(city, variant, make, _note(progress, "variant")))
    ctx = multiprocessing.get_context("fork")
    done = ctx.Value("q", 0)
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(city, variant, make, done, send), daemon=True)
    child.start()
    send.close()
    total = len(city.steps)

    def note(steps: int, _total: int) -> None:
        if progress is not None:
            progress("base", steps, total)
            progress("variant", int(done.value), total)

    try:
        base = _figures(city, city.scenario, make, note)
        while not receive.poll(0.2):
            note(total, total)
            if not child.is_alive() and not receive.poll(0):
                raise YibaoError(f"the variant's play stopped (exit status {child.exitcode})")
        kind, value = receive.recv()
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
    if kind != "ok":
        raise YibaoError(f"the variant's play failed: {value}")
    if progress is not None:
        progress("variant", total, total)
    return base, value


def compare_city(city: City, variant_file: Path, make: Callable[[], Engine],
                 progress: CityProgress | None = None) -> dict[str, Any]:
    """The comparison of ``city`` under its policies and under ``variant_file``'s (a policy file:
    a city's variant can change only its policies), as ``simulate --compare`` gives it, with
    ``city`` (:func:`city_facts`) and ``seconds`` (both plays, wall clock)."""
    variant = load_variant(city.scenario, variant_file)
    if variant.kind != "policy":
        raise InputError(f"{variant_file}: a city's variant is a policy file (a scenario file has its own world)")
    started = time.perf_counter()
    base, other = _both(city, variant.scenario, make, progress)
    seconds = time.perf_counter() - started
    return {"city": city_facts(city), "variant_kind": variant.kind,
            **compare_runs(city.scenario, base, variant.scenario, other), "seconds": round(seconds, 2)}


__all__ = ["CityProgress", "city_facts", "city_summary", "compare_city", "play_city"]
