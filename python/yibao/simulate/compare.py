"""Policy comparison for 基金测算: one world played under two policies (``yibao simulate --compare``).

:func:`load_variant` reads the variant: a whole scenario whose world (regions, catalogue,
institutions, reviewers, people, timeline, supervision) must equal the base's, or a policy file in the
format ``yibao policy add`` reads (:func:`yibao.io.rules.read_policies`). A policy file's
versions replace the base's versions of the same region, scheme and ``effective_from``, or are
added. Either way only the policy differs, so both plays see the same people and the same claims.

:func:`compare` plays both (each on an engine of its own) and :func:`compare_documents` builds
the comparison from the two output documents of :func:`~yibao.simulate.runner.run_scenario`.
Per claim, from the document:

- ``fund`` — fund paid: the fund share of claims that end APPROVED or SETTLED;
- ``held`` — the fund share of claims still held for a reviewer (FLAGGED, APPEALED);
- ``own_pay`` — what patients pay (个人自付): ``Σ patient = billed − fund − held``;
- ``deductible`` — the deductible (起付线) applied, ``billed``, ``claims``;
- ``flagged`` — claims whose decision raised a flag; ``rejected`` — claims that end REJECTED.

They are summed in all, per scheme (of the person), per institution level and per service
month (an admission's month for inpatient care); the regions' fund balances are read at the
end. Every figure is an integer (fen, or a count); each row holds ``base``, ``variant``,
``diff`` (variant − base), and the change in basis points of the base (``bps``, rounded half
away from zero) and as text (``pct``, e.g. ``"+12.50%"``), both ``None`` when the base is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from yibao import inputs
from yibao.errors import InputError, ScenarioError
from yibao.io.rules import read_policies
from yibao.io.schema import Policy, one_line
from yibao.simulate.engine import Engine
from yibao.model.types import VOID_STATUSES
from yibao.simulate.runner import LeanRun, run_scenario
from yibao.simulate.scenario import Scenario, load_scenario, parse_scenario

METRICS = ("claims", "billed", "fund", "held", "own_pay", "deductible", "flagged", "rejected")
"""The figures of each group, in the order they are shown."""
MONEY_METRICS = frozenset({"billed", "fund", "held", "own_pay", "deductible"})
"""The figures that are money (fen); the others are counts."""
BREAKDOWNS = ("by_scheme", "by_level", "by_month")
"""The groupings of the comparison document, after ``total``."""
SCHEMES = ("EMPLOYEE", "RESIDENT")

_WORLD_KEYS = ("start", "regions", "catalogue", "institutions", "reviewers", "people", "timeline", "supervision")
_SCENARIO_KEYS = frozenset({"start", "regions", "timeline", "people", "institutions", "catalogue"})
_BIG_KEYS = frozenset({"people", "timeline"})
_PAID = frozenset({"APPROVED", "SETTLED"})
_HELD = frozenset({"FLAGGED", "APPEALED"})

Figures = dict[str, int]
Progress = Callable[[str, int, int], None]
"""``progress(play, done, total)``: ``play`` is ``"base"`` or ``"variant"``."""


@dataclass(frozen=True)
class Variant:
    """The variant world: the base's world under the variant's policies."""

    scenario: Scenario
    kind: Literal["scenario", "policy"]


# ---------------------------------------------------------------------- the variant


def _dump(model: Scenario | Policy) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _dump_key(scenario: Scenario, key: str) -> Any:
    """One top-level key of the scenario as :func:`_dump` has it (None when absent)."""
    return scenario.model_dump(mode="json", by_alias=True, exclude_none=True, include={key}).get(key)


def _policy_key(p: Mapping[str, Any]) -> tuple[int, str, str]:
    return (p["region"], p["scheme"], p["effective_from"])


def with_policies(base: Scenario, policies: list[Policy], where: str = "the variant") -> Scenario:
    """``base`` with ``policies`` in place of its versions of the same region, scheme and
    ``effective_from`` (or added); versions are kept in date order. Raises :class:`InputError`
    for a policy of a region the base does not have."""
    regions = {r.code for r in base.regions}
    for i, p in enumerate(policies):
        if p.region not in regions:
            raise InputError(f"{where}[{i}]: region {p.region} is not a region of the base scenario")
    doc = base.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=set(_BIG_KEYS))
    merged: dict[tuple[int, str, str], dict[str, Any]] = {_policy_key(p): p for p in doc["policies"]}
    for p in policies:
        entry = _dump(p)
        merged[_policy_key(entry)] = entry
    doc["policies"] = sorted(merged.values(), key=lambda p: p["effective_from"])
    # the people and the timeline are the base's own, valid and untouched by a policy: the rest
    # is checked again with the new policies, and they are put back as they are (a city has a
    # million steps)
    return parse_scenario(doc).model_copy(update={k: getattr(base, k) for k in _BIG_KEYS})


def _read_policy_entries(path: Path) -> list[Policy]:
    read_policies(path)  # every problem of the file, named by entry, before anything else
    doc = inputs.loads(inputs.read_text(path), str(path))
    entries = doc if isinstance(doc, list) else [doc]
    try:
        return [Policy.model_validate(e) for e in entries]
    except ValidationError as exc:  # pragma: no cover - read_policies refused it already
        raise InputError(f"{path}: {one_line(exc)}") from None


def load_variant(base: Scenario, path: Path) -> Variant:
    """The variant of ``path`` (a scenario, or a policy file) over ``base``'s world.

    Raises :class:`~yibao.errors.InputError` (one line) for a file that is neither, and for a
    scenario whose world differs from the base's in anything but its policies."""
    doc = inputs.loads(inputs.read_text(path), str(path))
    if isinstance(doc, dict) and _SCENARIO_KEYS & doc.keys():
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {exc}") from None
        for key in _WORLD_KEYS:
            if _dump_key(base, key) != _dump_key(scenario, key):
                raise ScenarioError(f"{path}: its {key} differ from the base scenario's "
                                    "(a variant may change only the policies)")
        return Variant(scenario, "scenario")
    return Variant(with_policies(base, _read_policy_entries(path), str(path)), "policy")


def _flat(policy: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in policy.items():
        if isinstance(v, dict):
            out.update({f"{k}[{lv}]": x for lv, x in v.items()})
        elif k not in ("region", "scheme", "effective_from"):
            out[k] = v
    return out


def policy_changes(base: Scenario, variant: Scenario) -> list[dict[str, Any]]:
    """Each policy field that differs: region, scheme, effective_from, field, base, variant
    (a version only one side has shows ``None`` on the other side's fields)."""
    b = {_policy_key(p): _flat(p) for p in map(_dump, base.policies)}
    v = {_policy_key(p): _flat(p) for p in map(_dump, variant.policies)}
    out: list[dict[str, Any]] = []
    for key in sorted(b.keys() | v.keys(), key=lambda k: (k[2], k[0], k[1])):
        old, new = b.get(key, {}), v.get(key, {})
        for field in dict.fromkeys([*old, *new]):
            if old.get(field) != new.get(field):
                out.append({"region": key[0], "scheme": key[1], "effective_from": key[2], "field": field,
                            "base": old.get(field), "variant": new.get(field)})
    return out


# ---------------------------------------------------------------------- figures


def _zero() -> Figures:
    return dict.fromkeys(METRICS, 0)


Cell = tuple[str, str, str, str, bool]
"""The finest grouping a :class:`Tally` keeps: scheme, level, month, status, flagged."""


class Tally:
    """The sums of claims by :data:`Cell`; every figure of :func:`figures` is a sum over cells
    (one pass over a million claims adds each claim once, not once per breakdown)."""

    def __init__(self) -> None:
        """An empty tally."""
        self.cells: dict[Cell, list[int]] = {}

    def add(self, groups: tuple[str, str, str], status: str, flagged: bool, billed: int, fund: int,
            patient: int, deductible: int) -> None:
        """Count one claim: its groups (scheme, level, ``YYYY-MM``), its status and whether it
        raised a flag, and its amounts as the output document shows them (``fund`` 0 for a
        rejected or clawed-back claim)."""
        key = (*groups, status, flagged)
        cell = self.cells.get(key)
        if cell is None:
            self.cells[key] = [1, billed, fund, patient, deductible]
        else:
            cell[0] += 1
            cell[1] += billed
            cell[2] += fund
            cell[3] += patient
            cell[4] += deductible

    def figures(self) -> dict[str, Any]:
        """``total`` and each breakdown's groups (sorted), as :func:`figures` gives them."""
        total = _zero()
        by: dict[str, dict[str, Figures]] = {b: {} for b in BREAKDOWNS}
        for (scheme, level, month, status, flagged), (n, billed, fund, patient, deductible) in self.cells.items():
            groups = zip(BREAKDOWNS, (scheme, level, month), strict=True)
            for into in (total, *(by[b].setdefault(g, _zero()) for b, g in groups)):
                into["claims"] += n
                into["billed"] += billed
                into["fund"] += fund if status in _PAID else 0
                into["held"] += fund if status in _HELD else 0
                into["own_pay"] += patient
                into["deductible"] += deductible
                into["flagged"] += n if flagged else 0
                into["rejected"] += n if status == "REJECTED" else 0
        order = {"by_scheme": lambda g: SCHEMES.index(g)}
        return {"total": total, **{b: {g: by[b][g] for g in sorted(by[b], key=order.get(b))} for b in BREAKDOWNS}}


def claim_groups(scenario: Scenario) -> dict[str, dict[str, str]]:
    """Scenario claim id → its group in each breakdown (scheme, level, ``YYYY-MM``)."""
    schemes = {p.id: p.scheme for p in scenario.people}
    levels = {i.id: str(i.level) for i in scenario.institutions}
    out: dict[str, dict[str, str]] = {}
    for step in scenario.timeline:
        c = step.claim
        if c is not None and c.id not in out:
            out[c.id] = {"by_scheme": schemes[c.person], "by_level": levels[c.institution],
                         "by_month": f"{c.date.year:04d}-{c.date.month:02d}"}
    return out


def figures(scenario: Scenario, document: Mapping[str, Any]) -> dict[str, Any]:
    """The sums of one run's document: ``total`` and each breakdown's groups (sorted)."""
    groups = claim_groups(scenario)
    tally = Tally()
    for claim_id, claim in document["claims"].items():
        g = groups[claim_id]
        tally.add((g["by_scheme"], g["by_level"], g["by_month"]), claim["status"], bool(claim["flags"]),
                  claim["billed"], claim["fund"], claim["patient"], claim["deductible"])
    return tally.figures()


@dataclass(frozen=True)
class RunFigures:
    """What a comparison reads of one run: :func:`figures`, each region's fund balance at the end
    (by region code as text) and the number of refused steps."""

    figures: dict[str, Any]
    balances: dict[str, int]
    refused: int


def run_figures(scenario: Scenario, document: Mapping[str, Any]) -> RunFigures:
    """The :class:`RunFigures` of an output document of :func:`~yibao.simulate.runner.run_scenario`."""
    return RunFigures(figures(scenario, document), {code: f["balance"] for code, f in document["funds"].items()},
                      sum(1 for s in document["steps"] if not s["ok"]))


def lean_figures(scenario: Scenario, run: LeanRun) -> RunFigures:
    """The :class:`RunFigures` of a lean run (:func:`~yibao.simulate.runner.play_lean`): the same
    as :func:`run_figures` of the document :func:`~yibao.simulate.runner.run_scenario` would give."""
    schemes = {p.id: p.scheme for p in scenario.people}
    levels = {i.id: str(i.level) for i in scenario.institutions}
    months: dict[tuple[int, int], str] = {}
    tally = Tally()
    for lean in run.claims:
        claim, d = lean.claim, lean.decision
        day = claim.service_date
        month = months.get((day.year, day.month))
        if month is None:
            month = months[(day.year, day.month)] = f"{day.year:04d}-{day.month:02d}"
        fund = 0 if d.status in VOID_STATUSES else d.fund
        tally.add((schemes[claim.person], levels[claim.institution], month), d.status.name, bool(d.flags),
                  d.billed, fund, d.billed - fund, 0 if d.status in VOID_STATUSES else d.deductible)
    return RunFigures(tally.figures(), {code: f.balance for code, f in run.funds.items()}, sum(run.refused.values()))


def change_bps(diff: int, base: int) -> int | None:
    """``diff`` in basis points of ``base``, rounded half away from zero (``None`` for base 0)."""
    if base == 0:
        return None
    q, r = divmod(abs(diff) * 10_000, abs(base))
    q += 1 if 2 * r >= abs(base) else 0
    return q if (diff >= 0) == (base > 0) else -q


def pct_text(bps: int | None) -> str | None:
    """Basis points as a signed percentage with two decimals: ``1250`` → ``"+12.50%"``."""
    if bps is None:
        return None
    sign = "+" if bps > 0 else "-" if bps < 0 else ""
    return f"{sign}{abs(bps) // 100}.{abs(bps) % 100:02d}%"


def row(base: int, variant: int) -> dict[str, Any]:
    """One compared figure: base, variant, diff, bps, pct."""
    bps = change_bps(variant - base, base)
    return {"base": base, "variant": variant, "diff": variant - base, "bps": bps, "pct": pct_text(bps)}


def _rows(base: Figures, variant: Figures) -> dict[str, dict[str, Any]]:
    return {m: row(base[m], variant[m]) for m in METRICS}


def compare_documents(base: Scenario, base_doc: Mapping[str, Any], variant: Scenario,
                      variant_doc: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison of two runs' documents (module docstring): ``policy_changes``, ``total``,
    ``by_scheme``, ``by_level``, ``by_month``, ``funds`` (balance per region), ``regions``
    (their names) and ``refused_steps``."""
    return compare_runs(base, run_figures(base, base_doc), variant, run_figures(variant, variant_doc))


def compare_runs(base: Scenario, b: RunFigures, variant: Scenario, v: RunFigures) -> dict[str, Any]:
    """The comparison of two runs' figures, as :func:`compare_documents` describes it."""
    fb, fv = b.figures, v.figures
    out: dict[str, Any] = {"policy_changes": policy_changes(base, variant), "total": _rows(fb["total"], fv["total"])}
    for k in BREAKDOWNS:
        out[k] = {g: _rows(fb[k].get(g, _zero()), fv[k].get(g, _zero())) for g in dict.fromkeys([*fb[k], *fv[k]])}
    out["funds"] = {code: row(balance, v.balances[code]) for code, balance in b.balances.items()}
    out["regions"] = {str(r.code): r.name for r in base.regions}
    out["refused_steps"] = {"base": b.refused, "variant": v.refused}
    return out


def compare(base: Scenario, variant: Variant, engine: Callable[[], Engine],
            progress: Progress | None = None) -> dict[str, Any]:
    """Play ``base`` and ``variant`` each on a fresh ``engine()`` (closed after it) and compare them."""
    docs = []
    for name, scenario in (("base", base), ("variant", variant.scenario)):
        def note(done: int, total: int, name: str = name) -> None:
            if progress is not None:
                progress(name, done, total)

        played = engine()
        try:
            docs.append(run_scenario(scenario, played, progress=note))
        finally:
            played.close()
    return {"variant_kind": variant.kind, **compare_documents(base, docs[0], variant.scenario, docs[1])}


__all__ = [
    "BREAKDOWNS",
    "METRICS",
    "MONEY_METRICS",
    "SCHEMES",
    "Cell",
    "Figures",
    "Progress",
    "RunFigures",
    "Tally",
    "Variant",
    "change_bps",
    "claim_groups",
    "compare",
    "compare_documents",
    "compare_runs",
    "figures",
    "lean_figures",
    "load_variant",
    "pct_text",
    "policy_changes",
    "row",
    "run_figures",
    "with_policies",
]
