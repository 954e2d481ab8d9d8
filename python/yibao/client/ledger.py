"""The typed Python API of a yibao deployment.

>>> chain = Chain.embedded()
>>> ledger = Ledger.deploy(chain)             # or Ledger.open(chain, manifest)
>>> ledger.add_region(500000, "Chongqing", 100_000_000)

Every write signs locally with the acting account (``ledger.acting_as(key)``), returns a
:class:`~yibao.client.types.TxResult` with the decoded events, and raises the decoded
contract error (:class:`~yibao.errors.ContractError`) on a revert, the same on every kind of
chain. The calls are grouped by the part of the contracts they reach: registry, rule base,
claims, what comes after the decision, supervision cases, and the patient's records.
"""

from __future__ import annotations

from yibao.client.claims import ClaimCalls
from yibao.client.records import RecordCalls
from yibao.client.registry import RegistryCalls
from yibao.client.rules import RuleCalls
from yibao.client.settlement import SettlementCalls
from yibao.client.supervision import SupervisionCalls


class Ledger(RegistryCalls, RuleCalls, ClaimCalls, SettlementCalls, SupervisionCalls, RecordCalls):
    """A client of one deployment, acting as one account at a time."""


__all__ = ["Ledger"]
