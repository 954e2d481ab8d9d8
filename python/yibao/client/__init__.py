"""The client: the ledger's API in Python (split by role), its types, and readers of its events.

``Ledger`` is the one class a user needs; the modules behind it are ``registry``, ``rules``,
``claims`` and ``settlement`` (its calls by part of the contracts), ``types`` (what goes in and
comes out), ``history`` (a claim's story from events) and ``reports`` (fund reports).
"""

from yibao.client.base import iter_chunks
from yibao.client.ledger import Ledger
from yibao.client.registry import ENROL_BATCH
from yibao.client.roles import ROLE_KINDS, describe_role, role_ids
from yibao.client.rules import ITEM_BATCH
from yibao.client.types import (
    ClaimInput, ClaimResult, ClaimView, Counters, Enrolment, Institution, LineOutcome, Person, Precheck, TxResult,
    line_results, to_decision
)
from yibao.codec import claim_id_of
from yibao.model.types import AlertKind

__all__ = [
    "ENROL_BATCH", "ITEM_BATCH", "ROLE_KINDS", "AlertKind", "ClaimInput", "ClaimResult", "ClaimView", "Counters",
    "Enrolment", "Institution", "Ledger", "LineOutcome", "Person", "Precheck", "TxResult", "claim_id_of",
    "describe_role", "iter_chunks", "line_results", "role_ids", "to_decision",
]
