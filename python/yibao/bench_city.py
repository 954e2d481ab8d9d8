"""``yibao bench --model``: the reference model's speed on a generated city (issue 15 §3).

The city of :func:`~yibao.simulate.city.make_city` (one person per ten claims) is generated, played
once through the model (its claims per second: the claims over the play's wall-clock time, the
year's contributions, settlements and clearings included), then compared with a variant policy as
``yibao simulate --city --model --compare`` does: generation and both plays are the city's time.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yibao.simulate.city import CITY, city_policies, make_city
from yibao.simulate.city_play import compare_city, play_city
from yibao.simulate.model_engine import ModelEngine

TARGETS = {"model_claims_per_second": 100_000, "city_claims": 1_000_000, "city_seconds": 120}
"""Issue 15's targets: the model's claims per second, and the city of this many claims generated,
played and compared in at most this many seconds."""


def variant_policies() -> list[dict[str, Any]]:
    """The bench's variant: the city's resident scheme with half its outpatient deductible and
    five points more of outpatient ratio at every level (as a policy file has it)."""
    out = []
    for p in city_policies():
        if p["region"] == CITY and p["scheme"] == "RESIDENT":
            out.append({**p, "effective_from": p["effective_from"].isoformat(),
                        "op_deductible": p["op_deductible"] // 2,
                        "op_ratio_bps": {lv: r + 500 for lv, r in p["op_ratio_bps"].items()}})
    return out


def run_model_bench(claims: int, note: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Generate a city of ``claims`` claims, play it, compare it with :func:`variant_policies`;
    the seconds of each part, the model's claims per second and the targets met."""
    people = max(100, claims // 10)
    started = time.perf_counter()
    city = make_city(people, claims)
    generate = time.perf_counter() - started

    def stage(name: str) -> Callable[[str, int, int], None] | None:
        if note is None:
            return None
        report = note
        return lambda play, done, total: report(f"{name} ({play})", done, total)

    played = play_city(city, ModelEngine, stage("play"))
    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "variant.json"
        policy.write_text(json.dumps(variant_policies()), encoding="utf-8")
        compared = compare_city(city, policy, ModelEngine, stage("compare"))
    per_second = int(claims / played["seconds"]) if played["seconds"] else 0
    city_seconds = round(generate + compared["seconds"], 1)
    doc: dict[str, Any] = {
        "engine": "model", "people": people, "claims": claims, "steps": played["steps"],
        "institutions": city.institutions, "generate_seconds": round(generate, 1), "play_seconds": played["seconds"],
        "model_claims_per_second": per_second, "compare_seconds": compared["seconds"],
        "city_seconds": city_seconds, "fund_change": compared["total"]["fund"],
    }
    doc["targets"] = TARGETS
    doc["targets_met"] = {
        "model_claims_per_second": per_second >= TARGETS["model_claims_per_second"],
        "city_seconds": city_seconds <= TARGETS["city_seconds"] if claims >= TARGETS["city_claims"] else None,
    }
    return doc


__all__ = ["TARGETS", "run_model_bench", "variant_policies"]
