"""The reference model: adjudication rules and the whole world, with no chain.

``types`` holds the vocabulary (enums with the contracts' numbers, frozen records),
``rules`` the pure math of adjudication.md §2–§7, ``ledger`` the state machine
:class:`ReferenceLedger`, and ``errors`` :class:`ModelRefusal`.
"""

from yibao.model.errors import FundLawBroken, ModelRefusal
from yibao.model.ledger import ClaimEvent, ReferenceLedger

__all__ = ["ClaimEvent", "FundLawBroken", "ModelRefusal", "ReferenceLedger"]
