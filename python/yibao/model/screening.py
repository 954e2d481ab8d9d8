"""Vocabulary of screening (事后监管) and pre-checks (事前提醒): rules, severities, parameters, leads.

``screening.md`` defines ten rules over the live claims of the history. Two engines find
them: the reference model in plain Python (:mod:`yibao.model.screening_rules`) and the
index's SQL (:mod:`yibao.index.screen`); both speak the types of this module, and the tests
require them to give equal leads. Person attributes (sex, birth date) and item restrictions
are off-chain facts: they feed screening only and never go on chain. The patients' feedback
on their claims (records.md) is on chain; PATIENT_DISPUTE reads it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from yibao.errors import InputError


class Rule(StrEnum):
    """A screening rule of screening.md (the value is its code)."""

    READMIT = "READMIT"  # 分解住院
    OVERLAP_STAY = "OVERLAP_STAY"  # 重复住院
    GHOST_BED = "GHOST_BED"  # 挂床住院
    SAME_DAY_MULTI = "SAME_DAY_MULTI"  # 同日多机构
    IMPOSSIBLE_TRAVEL = "IMPOSSIBLE_TRAVEL"  # 异地同日
    DUP_BILLING = "DUP_BILLING"  # 重复收费
    OVER_SUPPLY = "OVER_SUPPLY"  # 超量开药
    RESTRICTED_ITEM = "RESTRICTED_ITEM"  # 限定支付
    SURGE = "SURGE"  # 费用激增
    PATIENT_DISPUTE = "PATIENT_DISPUTE"  # 患者异议


RULES: tuple[Rule, ...] = tuple(Rule)
"""Every rule, in the order of screening.md's table."""

PRECHECK_RULES: tuple[Rule, ...] = tuple(r for r in Rule if r not in (Rule.SURGE, Rule.PATIENT_DISPUTE))
"""The rules a pre-check warns of (screening.md, "Pre-check"): all but SURGE and
PATIENT_DISPUTE (a claim not yet submitted has no feedback)."""

NO_INSTITUTION: frozenset[Rule] = frozenset({
    Rule.OVERLAP_STAY, Rule.SAME_DAY_MULTI, Rule.IMPOSSIBLE_TRAVEL, Rule.OVER_SUPPLY,
})
"""Rules whose leads name no institution."""


class Severity(StrEnum):
    """How urgent a lead is."""

    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


SEXES = ("M", "F")


@dataclass(frozen=True)
class PersonAttributes:
    """The registry operator's off-chain facts about a person (either may be unknown)."""

    sex: str | None = None
    birth_date: dt.date | None = None


@dataclass(frozen=True)
class ItemRestriction:
    """A catalogue item's payment restriction (限定支付): who may be billed for it and where.
    ``None`` is "no restriction" for each."""

    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    min_level: int | None = None

    @property
    def empty(self) -> bool:
        """Whether it restricts nothing."""
        return all(v is None for v in dataclasses.astuple(self))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in full years on ``day`` (a person born on 29 February turns a year older on
    1 March in a common year)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def province(region: int) -> int:
    """The province of a region code (screening.md: ``region // 10000``)."""
    return region // 10_000


@dataclass(frozen=True)
class ScreeningParams:
    """The rules' parameters (screening.md's defaults) and which rules run."""

    readmit_days: int = 15
    same_day_institutions: int = 3
    over_supply_factor: int = 3
    surge_min_fund: int = 100_000
    surge_yellow_bps: int = 15_000
    surge_red_bps: int = 20_000
    rules: tuple[Rule, ...] = RULES

    @classmethod
    def from_mapping(cls, data: Any, where: str = "screening") -> ScreeningParams:
        """Parameters from a JSON object: screening.md's keys, plus ``rules`` (a list of rule
        codes; default: all). An unknown key or rule, a value that is not a whole number, a
        negative threshold or a red level below the yellow one is an :class:`InputError`
        naming it."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: must be a JSON object of rule parameters")
        names = [f.name for f in dataclasses.fields(cls) if f.name != "rules"]
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "rules":
                values["rules"] = _rules(value, f"{where}.rules")
                continue
            if key not in names:
                raise InputError(f"{where}: unknown parameter {key!r} (known: {', '.join(names)}, rules)")
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(f"{where}.{key}: must be a whole number, not {value!r}")
            if value < 0:
                raise InputError(f"{where}.{key}: must not be negative, not {value}")
            values[key] = value
        params = cls(**values)
        if params.same_day_institutions < 2:
            raise InputError(f"{where}.same_day_institutions: must be at least 2, not {params.same_day_institutions}")
        if params.over_supply_factor < 1:
            raise InputError(f"{where}.over_supply_factor: must be at least 1, not {params.over_supply_factor}")
        if params.surge_red_bps < params.surge_yellow_bps:
            raise InputError(f"{where}.surge_red_bps: must not be below surge_yellow_bps "
                             f"({params.surge_red_bps} < {params.surge_yellow_bps})")
        return params

    def document(self) -> dict[str, Any]:
        """The parameters as JSON (``from_mapping`` reads it back)."""
        doc: dict[str, Any] = dataclasses.asdict(self)
        doc["rules"] = [str(r) for r in self.rules]
        return doc


def _rules(value: Any, where: str) -> tuple[Rule, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(f"{where}: must be a non-empty list of rule codes")
    out: list[Rule] = []
    for v in value:
        try:
            rule = Rule(v)
        except ValueError:
            raise InputError(f"{where}: unknown rule {v!r} (known: {', '.join(RULES)})") from None
        if rule not in out:
            out.append(rule)
    return tuple(r for r in RULES if r in out)


K = TypeVar("K")


@dataclass(frozen=True)
class Lead(Generic[K]):
    """What a rule found: ``claims`` (claim references of type ``K``: names, ids or keys) make
    the lead; two leads with the same ``rule`` and the same set of claims are the same lead.
    ``amount`` is the fund share (fen) of its claims as they stand."""

    rule: Rule
    severity: Severity
    institution: str | None
    person: str | None
    claims: tuple[K, ...]
    amount: int = field(default=0, compare=False)

    def identity(self) -> tuple[Rule, frozenset[K]]:
        """What makes two leads the same lead (screening.md)."""
        return (self.rule, frozenset(self.claims))


def lead_document(lead: Lead[str]) -> dict[str, Any]:
    """A lead as ``yibao simulate --screen`` prints it (claims sorted)."""
    return {"rule": str(lead.rule), "severity": str(lead.severity), "institution": lead.institution,
            "person": lead.person, "claims": sorted(lead.claims)}


def sort_leads(leads: list[Lead[str]]) -> list[Lead[str]]:
    """Leads in screening.md's order: by rule code, then by the sorted claims."""
    return sorted(leads, key=lambda x: (str(x.rule), sorted(x.claims)))


__all__ = [
    "NO_INSTITUTION",
    "PRECHECK_RULES",
    "RULES",
    "SEXES",
    "ItemRestriction",
    "Lead",
    "PersonAttributes",
    "Rule",
    "ScreeningParams",
    "Severity",
    "age_on",
    "lead_document",
    "province",
    "sort_leads",
]
