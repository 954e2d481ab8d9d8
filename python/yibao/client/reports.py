"""Read-only reports built from several ledger calls (what ``yibao fund show`` prints)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yibao.client import Ledger
from yibao.errors import InputError
from yibao.model.types import expected_balance


def fund_expected_balance(f: Mapping[str, int]) -> int:
    """The balance the fund law gives a region's fund as :meth:`Ledger.fund` reads it."""
    return expected_balance(f["opening"], f["contributions"], f["settled"], f["clearing_in"],
                            f["clearing_out"], f["recovered"])


def fund_law_holds(f: Mapping[str, int]) -> bool:
    """balance = opening + contributions − settled + clearing in − clearing out + recovered."""
    return f["balance"] == fund_expected_balance(f)


def fund_report(ledger: Ledger, region: int) -> dict[str, Any]:
    """A region's fund, the law check, and the cross-region debts to and from it.

    ``owed_to_it`` maps each other region to what it owes this one (``owedBetween(other,
    region)``); ``it_owes`` what this region owes each other one. Regions owing nothing are
    left out; the totals cover all.
    """
    info = ledger.region(region)
    if not info["exists"]:
        raise InputError(f"region {region} is not registered")
    f = ledger.fund(region)
    expected = fund_expected_balance(f)
    owed_to_it: dict[int, int] = {}
    it_owes: dict[int, int] = {}
    for other in ledger.region_codes():
        if other == region:
            continue
        to_it = ledger.owed(other, region)
        from_it = ledger.owed(region, other)
        if to_it:
            owed_to_it[other] = to_it
        if from_it:
            it_owes[other] = from_it
    return {
        "region": region,
        "name": info["name"],
        **f,
        "law": {"holds": f["balance"] == expected, "expected_balance": expected},
        "owed_to_it": [{"region": r, "amount": a} for r, a in owed_to_it.items()],
        "it_owes": [{"region": r, "amount": a} for r, a in it_owes.items()],
        "owed_to_it_total": sum(owed_to_it.values()),
        "it_owes_total": sum(it_owes.values()),
    }


__all__ = ["fund_expected_balance", "fund_law_holds", "fund_report"]
