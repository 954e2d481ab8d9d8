"""yibao — medical-insurance enrolment, claims and supervision on an EVM ledger."""

__version__ = "0.1.0"
