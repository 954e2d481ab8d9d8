"""The entries of a bureau's files as strict pydantic models: regions, policies, catalogue
items, institutions and people, shared by scenario files (:mod:`yibao.simulate.scenario`) and
rule-base files (:mod:`yibao.io.rules`).

Validation is strict (no ``"1"`` for ``1``, no ``1.0``, no ``0`` for ``false``), dates are
exactly ``YYYY-MM-DD``, money is non-negative fen, and every field the chain stores narrower
than it arrives is bounded by its stored width (:data:`yibao.codec.POLICY_FIELD_MAX`), so a
value beyond is refused here by name instead of failing on chain. :func:`one_line` turns a
pydantic error into the one line the user reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
)

from yibao import codec
from yibao.errors import InputError
from yibao.model.screening import ItemRestriction, PersonAttributes
from yibao.model.types import CatalogueItem, Category, Filing, PolicyVersion, Scheme, is_reason_code

_MAX = codec.POLICY_FIELD_MAX
V = TypeVar("V", bound=int)
_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_day(value: object) -> object:
    """Accept a ``date`` or a string exactly ``YYYY-MM-DD`` naming a real day."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DAY_RE.fullmatch(value):
        raise ValueError("expected a date 'YYYY-MM-DD'")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a calendar date") from None


def _short_code(value: object) -> object:
    """A reason code (adjudication.md v1.1): 1–32 of ``A–Z``, ``0–9``, ``_``, or empty."""
    if isinstance(value, str) and value and not is_reason_code(value):
        raise ValueError("not a code: 1-32 of A-Z, 0-9 and _ (no free text on chain)")
    return value


def _item_code(value: object) -> object:
    """A catalogue code travels as ``bytes32`` (:func:`yibao.codec.encode_code`)."""
    if isinstance(value, str) and value:
        try:
            codec.encode_code(value)
        except InputError as exc:
            raise ValueError(str(exc)) from None
    return value


def _policy_day(value: object) -> object:
    """Policy dates are stored as day numbers in 20 bits on chain (before 4840-11-26)."""
    if isinstance(value, dt.date) and (value - dt.date(1970, 1, 1)).days > _MAX["effective_from"]:
        raise ValueError("on or after 4840-11-26, beyond what a policy version can store")
    return value


def _bounded(field: str) -> Any:
    """A non-negative int no larger than what the chain stores for policy ``field``."""
    return Field(ge=0, le=_MAX[field])


Day: TypeAlias = Annotated[dt.date, BeforeValidator(_parse_day)]
Money: TypeAlias = Annotated[int, Field(ge=0)]
PolicyDay: TypeAlias = Annotated[dt.date, BeforeValidator(_parse_day), AfterValidator(_policy_day)]
ItemCode: TypeAlias = Annotated[str, Field(min_length=1), BeforeValidator(_item_code)]
ShortCode: TypeAlias = Annotated[str, BeforeValidator(_short_code)]
Count: TypeAlias = Annotated[int, Field(ge=0)]
Bps: TypeAlias = Annotated[int, _bounded("bps")]
Level: TypeAlias = Annotated[int, Field(ge=0, le=3)]
RegionCode: TypeAlias = Annotated[int, Field(ge=100_000, le=999_999)]
Name: TypeAlias = Annotated[str, Field(min_length=1)]
GradeName: TypeAlias = Literal["A", "B", "C", "D", "E"]
SchemeName: TypeAlias = Literal["EMPLOYEE", "RESIDENT"]
SexName: TypeAlias = Literal["M", "F"]
Age: TypeAlias = Annotated[int, Field(ge=0, le=150)]

MAX_FILINGS = 8


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---------------------------------------------------------------------------
# setup
# ---------------------------------------------------------------------------


class Region(Model):
    """A region (统筹区) and its fund's opening balance in fen."""

    code: RegionCode
    name: str
    fund: Money


class ByLevel(Model, Generic[V]):
    """Inpatient figures by hospital level 1..3 (keys ``"1"``, ``"2"``, ``"3"``)."""

    l1: V = Field(alias="1")
    l2: V = Field(alias="2")
    l3: V = Field(alias="3")

    def table(self) -> tuple[int, int, int, int]:
        """As a 4-tuple indexed by level (index 0 unused, 0)."""
        return (0, self.l1, self.l2, self.l3)


IpMoney: TypeAlias = ByLevel[Annotated[int, _bounded("ip_deductible")]]
"""Inpatient deductibles by level, each within its stored width."""
IpBps: TypeAlias = ByLevel[Bps]
"""Inpatient ratios by level."""


class OpBps(Model):
    """Outpatient/pharmacy ratios by level 0..3 (0 = retail pharmacy)."""

    l0: Bps = Field(alias="0")
    l1: Bps = Field(alias="1")
    l2: Bps = Field(alias="2")
    l3: Bps = Field(alias="3")

    def table(self) -> tuple[int, int, int, int]:
        """As a 4-tuple indexed by level."""
        return (self.l0, self.l1, self.l2, self.l3)


class Policy(Model):
    """One policy version of a home region × scheme (see adjudication.md)."""

    region: RegionCode
    scheme: SchemeName
    effective_from: PolicyDay
    op_deductible: Annotated[int, _bounded("op_deductible")]
    ip_deductible: IpMoney
    op_ratio_bps: OpBps
    ip_ratio_bps: IpBps
    op_annual_cap: Annotated[int, _bounded("op_annual_cap")]
    annual_cap: Annotated[int, _bounded("annual_cap")]
    monthly_visit_limit: Annotated[int, _bounded("monthly_visit_limit")]
    class_b_self_pay_bps: Bps
    cross_region_cut_bps: Bps
    waiting_days: Annotated[int, _bounded("waiting_days")]
    review_threshold: Annotated[int, _bounded("review_threshold")]
    max_claim_age_days: Annotated[int, _bounded("max_claim_age_days")]
    appeal_days: Annotated[int, _bounded("appeal_days")]

    def to_model(self) -> PolicyVersion:
        """The reference model's record."""
        plain = {f.name: getattr(self, f.name) for f in dataclasses.fields(PolicyVersion)}
        tables = {name: getattr(self, name).table() for name in ("ip_deductible", "op_ratio_bps", "ip_ratio_bps")}
        return PolicyVersion(**{**plain, **tables, "scheme": Scheme[self.scheme]})


class Item(Model):
    """A catalogue item of a region; ``0`` means "none" for the three limits. ``sex``,
    ``min_age``, ``max_age`` and ``min_level`` are its payment restriction (限定支付): they feed
    screening only, never the chain (:meth:`restriction`; :meth:`to_model` leaves them out)."""

    region: RegionCode
    code: ItemCode
    category: Literal["A", "B", "C"]
    price_cap: Annotated[int, Field(ge=0, le=codec.ITEM_FIELD_MAX["price_cap"])] = 0
    inpatient_only: bool = False
    max_qty: Annotated[int, Field(ge=0, le=codec.ITEM_FIELD_MAX["max_qty"])] = 0
    min_interval_days: Annotated[int, Field(ge=0, le=codec.ITEM_FIELD_MAX["min_interval_days"])] = 0
    sex: SexName | None = None
    min_age: Age | None = None
    max_age: Age | None = None
    min_level: Level | None = None

    @model_validator(mode="after")
    def _ages(self) -> Item:
        if self.min_age is not None and self.max_age is not None and self.max_age < self.min_age:
            raise ValueError("max_age is below min_age")
        return self

    def to_model(self) -> CatalogueItem:
        """The reference model's record (what the chain stores: no restriction)."""
        plain = {f.name: getattr(self, f.name) for f in dataclasses.fields(CatalogueItem)}
        return CatalogueItem(**{**plain, "category": Category[self.category]})

    def restriction(self) -> ItemRestriction:
        """The item's payment restriction, for screening (``empty`` when it has none)."""
        return ItemRestriction(self.sex, self.min_age, self.max_age, self.min_level)


class Institution(Model):
    """A designated institution: level 0 (retail pharmacy) or hospital level 1..3."""

    id: Name
    region: RegionCode
    level: Level
    grade: GradeName


class FilingIn(Model):
    """A cross-region filing (dates inclusive)."""

    region: RegionCode
    from_: Day = Field(alias="from")
    to: Day

    @model_validator(mode="after")
    def _ordered(self) -> FilingIn:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self

    def to_model(self) -> Filing:
        """The reference model's record."""
        return Filing(self.region, self.from_, self.to)


class Person(Model):
    """An insured person, known by the file's own id."""

    id: Name
    region: RegionCode
    scheme: SchemeName
    coverage_from: Day
    coverage_to: Day
    filings: list[FilingIn] = Field(default_factory=list, max_length=MAX_FILINGS)
    sex: SexName | None = None
    birth_date: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Person:
        if self.coverage_to < self.coverage_from:
            raise ValueError("coverage_to is before coverage_from")
        return self

    def attributes(self) -> PersonAttributes:
        """The off-chain attributes (sex, birth date) that feed screening only."""
        return PersonAttributes(self.sex, self.birth_date)


# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------



# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def one_line(error: ValidationError) -> str:
    """One line for the first problem pydantic found (and how many more there are)."""
    first = error.errors(include_url=False)[0]
    line = _problem(first)
    if not _path(first["loc"]) or (first["type"] == "value_error" and not first["loc"]):
        return line
    extra = len(error.errors()) - 1
    suffix = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
    return f"{line}{suffix}"


def problem_lines(error: ValidationError) -> list[str]:
    """One line for each problem pydantic found, in its order."""
    return [_problem(e) for e in error.errors(include_url=False)]


def _problem(e: Any) -> str:
    where = _path(e["loc"])
    kind = e["type"]
    msg = str(e["msg"])
    if kind == "extra_forbidden":
        msg = "unknown key"
    elif kind == "missing":
        msg = "missing key"
    else:
        msg = msg.removeprefix("Value error, ")
        value: Any = e.get("input")
        scalar = isinstance(value, str | int | float | bool) or value is None
        if scalar and (kind != "value_error" or where):
            msg += f" (got {json.dumps(value, ensure_ascii=False)})"
    if not where or (kind == "value_error" and not e["loc"]):
        return msg
    return f"{where}: {msg}"


__all__ = [
    "MAX_FILINGS",
    "Age",
    "Bps",
    "ByLevel",
    "Count",
    "Day",
    "FilingIn",
    "GradeName",
    "Institution",
    "IpBps",
    "IpMoney",
    "Item",
    "ItemCode",
    "Level",
    "Model",
    "Money",
    "Name",
    "OpBps",
    "Person",
    "Policy",
    "PolicyDay",
    "Region",
    "RegionCode",
    "SchemeName",
    "SexName",
    "ShortCode",
    "one_line",
    "problem_lines",
]
