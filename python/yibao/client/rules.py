"""The rule base's calls: policy versions and the catalogue (IPolicy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from yibao import codec
from yibao.client.base import LedgerCore, iter_chunks
from yibao.client.types import GAS_CAP, TxResult
from yibao.model.types import CatalogueItem, PolicyVersion, Scheme, parse_enum
from yibao.units import to_day

#: Catalogue items per ``setItems`` / ``removeItems`` transaction (the contract accepts up to 500).
ITEM_BATCH = 100
_GAS_PER_ITEM = 80_000


class RuleCalls(LedgerCore):
    """Policy versions and catalogue items of a region."""

    def add_policy(self, p: PolicyVersion) -> TxResult:
        """Add a policy version of ``p.region`` × ``p.scheme`` (regulator of the region)."""
        return self.transact("addPolicy", p.region, int(p.scheme), codec.policy_tuple(p), gas=1_000_000)

    def policy_at(self, region: int, scheme: Scheme | str, day: dt.date) -> PolicyVersion:
        """The version in force on ``day`` (``PolicyNotFound`` if none)."""
        s = parse_enum(Scheme, scheme, "scheme")
        p, _index = self.call("policyAt", region, int(s), to_day(day))
        return codec.policy_from_tuple(region, s, p)

    def policy_count(self, region: int, scheme: Scheme | str) -> int:
        return int(self.call("policyCount", region, int(parse_enum(Scheme, scheme, "scheme"))))

    def set_items(self, region: int, items: Sequence[CatalogueItem], batch: int = ITEM_BATCH) -> list[TxResult]:
        """Add or change catalogue items of ``region``, ``batch`` per transaction.
        Every item is checked (codes, widths) before anything is sent."""
        rows = [codec.item_tuple(it) for it in items]
        return [
            self.transact("setItems", region, list(chunk),
                          gas=min(GAS_CAP, 150_000 + _GAS_PER_ITEM * len(chunk)))
            for chunk in iter_chunks(rows, batch)
        ]

    def remove_items(self, region: int, codes: Sequence[str], batch: int = ITEM_BATCH) -> list[TxResult]:
        """Remove catalogue items of ``region`` (``ItemUnknown`` for a code it lacks)."""
        raw = [codec.encode_code(c) for c in codes]
        return [
            self.transact("removeItems", region, list(chunk),
                          gas=min(GAS_CAP, 150_000 + 40_000 * len(chunk)))
            for chunk in iter_chunks(raw, batch)
        ]

    def item(self, region: int, code: str) -> CatalogueItem:
        """A catalogue item of ``region`` (``ItemUnknown`` if absent)."""
        return codec.item_from_tuple(self.call("itemOf", region, codec.encode_code(code)))


__all__ = ["ITEM_BATCH", "RuleCalls"]
