"""What is configured, read back from the chain: regions, institutions, policy versions,
catalogue items, and a person's counters of the year.

The contracts keep no list of institutions, policy versions or items that a view returns, so
each list is found from the ledger's events (``InstitutionAdded``, ``PolicyVersionAdded``,
``CatalogueItemSet`` / ``CatalogueItemRemoved``, read by block range with
:func:`yibao.chain.logs.read_logs`), and each entry is then read from its view (``institutionInfo``,
``policyAt``); a catalogue item's fields are those of its last ``CatalogueItemSet``. Names come
from the names file (:class:`yibao.names.Names`), never from the chain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from web3 import Web3

from yibao import codec
from yibao.chain.logs import read_logs
from yibao.client.ledger import Ledger
from yibao.client.types import Person
from yibao.errors import ContractError, InputError
from yibao.model.types import Category, PolicyVersion, Scheme
from yibao.names import Names
from yibao.units import from_day


def _events(ledger: Ledger, *names: str, region: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(event, arguments) of the ledger's events ``names``, of ``region`` when given (the
    region must be their first indexed argument)."""
    topics: list[Any] = [[ledger.event_topic(n) for n in names]]
    if region is not None:
        topics.append(region.to_bytes(32, "big"))
    out = []
    for log in read_logs(ledger.chain, ledger.address, topics, ledger.manifest.block):
        e = ledger.decode_log(log.raw())
        if e is not None:
            out.append((str(e["event"]), e["args"]))
    return out


def require_region(ledger: Ledger, region: int) -> None:
    if region not in ledger.region_codes():
        raise InputError(f"region {region} is not registered")


def list_regions(ledger: Ledger) -> list[dict[str, Any]]:
    """Every region in registration order, with its name (on chain) and fund balance."""
    rows = []
    for code in ledger.region_codes():
        r = ledger.region(code)
        rows.append({"code": code, "name": r["name"], "opening_balance": r["opening_balance"],
                     "balance": ledger.fund(code)["balance"]})
    return rows


def list_institutions(ledger: Ledger, region: int | None = None, names: Names | None = None) -> list[dict[str, Any]]:
    """Every designated institution (of ``region``), in order of designation, as stored now."""
    if region is not None:
        require_region(ledger, region)
    rows = []
    for _, a in _events(ledger, "InstitutionAdded"):
        if region is not None and int(a["region"]) != region:
            continue
        doc = ledger.institution(str(Web3.to_checksum_address(a["account"]))).to_json()
        rows.append({"account": doc["account"], "name": names.institution(doc["account"]) if names else None,
                     **{k: v for k, v in doc.items() if k != "account"}})
    return rows


# ---------------------------------------------------------------------- policies


def policy_json(p: PolicyVersion) -> dict[str, Any]:
    """A policy version as a document (dates ISO, money in fen, rates in basis points)."""
    doc: dict[str, Any] = {}
    for f in dataclasses.fields(p):
        v = getattr(p, f.name)
        doc[f.name] = v.isoformat() if isinstance(v, dt.date) else v.name if isinstance(v, Scheme) else \
            list(v) if isinstance(v, tuple) else v
    return doc


def list_policies(ledger: Ledger, region: int | None = None) -> list[dict[str, Any]]:
    """Every policy version (of ``region``) by region, scheme and start, each with the day its
    successor starts (``effective_to`` is the day before; None for the latest)."""
    if region is not None:
        require_region(ledger, region)
    starts: dict[tuple[int, int], list[int]] = {}
    for _, a in _events(ledger, "PolicyVersionAdded", region=region):
        starts.setdefault((int(a["region"]), int(a["scheme"])), []).append(int(a["effectiveFrom"]))
    rows = []
    for (r, s), days in sorted(starts.items()):
        days.sort()
        for i, day in enumerate(days):
            p = ledger.policy_at(r, Scheme(s), from_day(day))
            to = from_day(days[i + 1] - 1).isoformat() if i + 1 < len(days) else None
            rows.append({"index": i, **policy_json(p), "effective_to": to})
    return rows


def policies_in_force(ledger: Ledger, region: int, day: dt.date, scheme: Scheme | None = None) -> list[dict[str, Any]]:
    """The version in force on ``day`` for each scheme of ``region`` (or for ``scheme``)."""
    require_region(ledger, region)
    rows = []
    for s in [scheme] if scheme is not None else list(Scheme):
        try:
            rows.append(policy_json(ledger.policy_at(region, s, day)))
        except ContractError as exc:
            if exc.name != "PolicyNotFound":
                raise
            if scheme is not None:
                raise InputError(f"no {s.name} policy of {region} is in force on {day}") from None
    if not rows:
        raise InputError(f"no policy of {region} is in force on {day}")
    return rows


# ---------------------------------------------------------------------- catalogue


def _item_json(region: int, code: str, category: int, price_cap: int, inpatient_only: bool, max_qty: int,
               interval: int, names: Names | None) -> dict[str, Any]:
    return {"region": region, "code": code, "name": names.item(region, code) if names else None,
            "category": Category(category).name, "price_cap": price_cap, "inpatient_only": bool(inpatient_only),
            "max_qty": max_qty, "min_interval_days": interval}


def list_items(ledger: Ledger, region: int | None = None, names: Names | None = None) -> list[dict[str, Any]]:
    """The catalogue (of ``region``) as it stands: each item's last setting, removed ones left
    out, by region and code."""
    if region is not None:
        require_region(ledger, region)
    items: dict[tuple[int, str], dict[str, Any]] = {}
    for event, a in _events(ledger, "CatalogueItemSet", "CatalogueItemRemoved", region=region):
        key = (int(a["region"]), codec.decode_code(bytes(a["code"])))
        if event == "CatalogueItemRemoved":
            items.pop(key, None)
            continue
        items[key] = _item_json(key[0], key[1], int(a["category"]), int(a["priceCap"]), bool(a["inpatientOnly"]),
                                int(a["maxQty"]), int(a["minIntervalDays"]), names)
    return [items[k] for k in sorted(items)]


def show_item(ledger: Ledger, code: str, region: int | None = None, names: Names | None = None) -> list[dict[str, Any]]:
    """Item ``code`` as stored in ``region`` (or in every region that has it)."""
    regions = [region] if region is not None else ledger.region_codes()
    if region is not None:
        require_region(ledger, region)
    rows = []
    for r in regions:
        try:
            it = ledger.item(r, code)
        except ContractError as exc:
            if exc.name != "ItemUnknown":
                raise
            continue
        rows.append(_item_json(r, it.code, int(it.category), it.price_cap, it.inpatient_only, it.max_qty,
                               it.min_interval_days, names))
    if not rows:
        raise InputError(f"no catalogue item {code!r} in {'region ' + str(region) if region else 'any region'}")
    return rows


# ---------------------------------------------------------------------- a person's year


def _left(cap: int, used: int) -> int:
    return max(0, cap - used)


def person_year(ledger: Ledger, person: Person, day: dt.date) -> dict[str, Any]:
    """A person's counters of ``day``'s year as the contract keeps them (``countersOf``), and
    what the home region's policy in force on ``day`` leaves of them: the outpatient deductible
    (起付线, shared by outpatient and pharmacy claims), the outpatient and annual caps, and the
    visits of ``day``'s month against the monthly limit (0 = no limit)."""
    c = ledger.counters(person.pseudonym, day.year)
    doc: dict[str, Any] = {
        "year": day.year, "month": day.month, "as_of": day.isoformat(),
        "deductible_used": c.deductible_used, "fund_used": c.fund_used, "op_fund_used": c.op_fund_used,
        "visits_this_month": c.visits[day.month - 1], "visits_by_month": list(c.visits),
    }
    try:
        p = ledger.policy_at(person.region, person.scheme, day)
    except ContractError as exc:
        if exc.name != "PolicyNotFound":
            raise
        return {**doc, "policy_from": None}
    limit = p.monthly_visit_limit
    return {
        **doc, "policy_from": p.effective_from.isoformat(),
        "op_deductible": p.op_deductible, "deductible_left": _left(p.op_deductible, c.deductible_used),
        "op_annual_cap": p.op_annual_cap, "op_cap_left": _left(p.op_annual_cap, c.op_fund_used),
        "annual_cap": p.annual_cap, "annual_cap_left": _left(p.annual_cap, c.fund_used),
        "monthly_visit_limit": limit,
        "visits_left": _left(limit, c.visits[day.month - 1]) if limit else None,
    }


__all__ = [
    "list_institutions",
    "list_items",
    "list_policies",
    "list_regions",
    "person_year",
    "policies_in_force",
    "policy_json",
    "require_region",
    "show_item",
]
