"""Random worlds for screening: a :func:`~worlds.random_world` made dense enough for the rules
of screening.md to fire, with off-chain facts and pre-checks.

On top of the random world (same seed, same claims): few people, so that their claims meet
(stays and visits on the same and nearby days, several institutions, two provinces); every
person gets a sex and birth date (some left unknown); some catalogue items get restrictions;
the ``screening`` parameters are loosened (a wider readmission window, two institutions a
day, a low surge floor); and pre-check steps are inserted: one just before some claims, the
same claim on the same day (screening.md: it must get the claim's decision), and others of
claims never submitted.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

from worlds.generator import random_world

SCREENING_PARAMS = {"readmit_days": 30, "same_day_institutions": 2, "over_supply_factor": 1,
                    "surge_min_fund": 1_000, "surge_yellow_bps": 12_000, "surge_red_bps": 15_000}


def screening_world(seed: int, claims: int = 150, *, people: int = 8, after: bool = False,
                    start: dt.date | None = None) -> dict[str, Any]:
    """A random world for screening (see the module); the same for the same arguments."""
    doc = random_world(seed, claims, people=people, after=after, start=start)
    rng = random.Random(f"yibao-worlds/screening/{seed}")
    for person in doc["people"]:
        roll = rng.random()
        if roll < 0.85:
            person["sex"] = rng.choice(("M", "F"))
        if roll > 0.1:
            person["birth_date"] = (dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30_000))).isoformat()
    for item in doc["catalogue"]:
        roll = rng.random()
        if roll < 0.15:
            item["sex"] = rng.choice(("M", "F"))
        elif roll < 0.3:
            low = rng.choice((0, 18, 40, 60))
            item["min_age"], item["max_age"] = low, low + rng.choice((10, 30, 60))
        elif roll < 0.4:
            item["min_level"] = rng.choice((2, 3))
    doc["screening"] = dict(SCREENING_PARAMS)
    doc["timeline"] = _with_prechecks(doc["timeline"], rng)
    return doc


def _with_prechecks(timeline: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    n = 0
    for step in timeline:
        claim = step.get("claim")
        if claim is not None and rng.random() < 0.25:
            n += 1
            body = copy.deepcopy(claim)
            if rng.random() < 0.6:  # the claim itself, just before it is submitted
                body.setdefault("invoice", claim["id"])
                body["id"] = f"Q{n}-{claim['id']}"
            else:  # a claim that is never submitted
                body["id"] = f"Q{n}"
                body.pop("invoice", None)
            out.append({"at": step["at"], "precheck": body})
        out.append(step)
    return out


def announced(doc: dict[str, Any]) -> dict[str, str]:
    """Pre-check id → the claim it announces (pre-checked on the claim's own day, just before
    it, with the claim's own fresh invoice: the claim's id)."""
    return {step["precheck"]["id"]: step["precheck"]["id"].split("-", 1)[1]
            for step in doc["timeline"]
            if "precheck" in step and "-" in step["precheck"]["id"]
            and step["precheck"].get("invoice") == step["precheck"]["id"].split("-", 1)[1]}


__all__ = ["SCREENING_PARAMS", "announced", "screening_world"]
