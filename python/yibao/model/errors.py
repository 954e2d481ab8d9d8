"""Errors of the reference model."""

from __future__ import annotations

from yibao.errors import OperationRefused, YibaoError


class ModelRefusal(OperationRefused):
    """The reference model refused an operation, as the contracts would revert.

    ``name`` is exactly the contract custom-error name (see docs/decisions.md);
    the ledger's state is unchanged.
    """


class FundLawBroken(YibaoError):
    """The fund law of adjudication.md does not hold for a region (a bug, never expected)."""


__all__ = [
    "FundLawBroken",
    "ModelRefusal",
]
