"""The one exception tree of yibao.

Every error the package raises on purpose derives from :class:`YibaoError`, so a caller
(the CLI, a test) can tell "the project refused" from "a bug crashed". Leaves also derive
from the builtin they behave like (``ValueError`` for bad input, ``ConnectionError`` for an
unreachable node, ``PermissionError`` for a missing role). Messages are one line and name
what is wrong.
"""

from __future__ import annotations

from typing import Any


class YibaoError(Exception):
    """Root of every error the project raises on purpose."""


class BuildError(YibaoError):
    """The contracts could not be compiled, or the compiler could not be found."""


class InputError(YibaoError, ValueError):
    """Bad input from a user or a file: a malformed ID, date, CSV row or option.

    ``problems`` lists each problem when a file had several (the message then sums them up
    on one line); it is empty for a single problem."""

    def __init__(self, message: str = "", problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class ScenarioError(InputError):
    """A scenario file is unreadable or invalid.

    The message is one line that names the key and the entry, for example
    ``timeline[3].claim.institution: unknown institution 'H9'``.
    """


class KeyRefused(InputError, PermissionError):
    """A signing key cannot be used: a well-known dev key on a chain that is not a dev chain,
    a key file that others can read, a wrong keystore password, or a private key given where
    a key name belongs (argv lands in shell history and ``ps``)."""


class SignInRefused(YibaoError, PermissionError):
    """A Sign-In with Ethereum (EIP-4361) message or signature that does not sign this account in:
    malformed, for another domain, chain or nonce, expired, not yet valid, or signed by another
    account. The message names which."""


class ManifestError(YibaoError, ValueError):
    """A deployment manifest is unreadable, stale, or does not match the node."""


class OperationRefused(YibaoError):
    """An engine (the reference model or the contracts) refused an operation.

    ``name`` is the contract's custom-error name (``NothingToSettle``,
    ``ReviewerConflict``, ...); ``error_args`` are the error's arguments, if any.
    A refused operation changes nothing.
    """

    def __init__(self, name: str, error_args: tuple[object, ...] = ()) -> None:
        self.name = name
        self.error_args = tuple(error_args)
        detail = ", ".join(repr(a) for a in self.error_args)
        super().__init__(f"{name}({detail})")


class ChainError(YibaoError):
    """Something went wrong talking to the chain."""


class NodeUnreachable(ChainError, ConnectionError):
    """The JSON-RPC node does not answer."""


class TransactionFailed(ChainError):
    """A transaction failed without a decodable reason (out of gas, invalid opcode)."""


class ContractError(ChainError, OperationRefused):
    """A contract reverted with a custom error, decoded by name against the ABI.

    The same exception is raised on the embedded chain and on a JSON-RPC node.
    ``name`` is the Solidity error name, ``error_args`` its arguments in order and
    ``inputs`` the same by parameter name.
    """

    def __init__(self, name: str, error_args: tuple[Any, ...] = (),
                 inputs: dict[str, Any] | None = None, selector: str = "") -> None:
        self.name = name
        self.error_args = tuple(error_args)
        self.inputs = dict(inputs or {})
        self.selector = selector
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.inputs.items())
        Exception.__init__(self, f"{name}({shown})")


class AccessDenied(ContractError, PermissionError):
    """The caller lacks the role a function needs (OpenZeppelin AccessControl)."""


class IndexDatabaseError(YibaoError):
    """Something went wrong with the event index's database."""


class DatabaseUnreachable(IndexDatabaseError, ConnectionError):
    """The index's database does not answer (a server that is down, a path that cannot be
    written, a URL of an unknown kind)."""


class IndexMismatch(IndexDatabaseError, ValueError):
    """The index belongs to another chain or another ledger, or its schema is newer than this
    version of yibao knows."""


class RecordError(YibaoError):
    """A medical record could not be served, read or verified off chain (yibao.records)."""


class RecordTampered(RecordError, ValueError):
    """A record's ciphertext is not the one the chain registered (its SHA-256 differs), or it
    does not decrypt under its data key: tampered with, or another record's."""


class RecordUnavailable(RecordError, LookupError):
    """The custodian's store holds no ciphertext for the record's current version."""


def _show(v: Any) -> str:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return str(v)


__all__ = [
    "AccessDenied",
    "BuildError",
    "ChainError",
    "ContractError",
    "DatabaseUnreachable",
    "IndexDatabaseError",
    "IndexMismatch",
    "InputError",
    "KeyRefused",
    "ManifestError",
    "NodeUnreachable",
    "OperationRefused",
    "RecordError",
    "RecordTampered",
    "RecordUnavailable",
    "ScenarioError",
    "SignInRefused",
    "TransactionFailed",
    "YibaoError",
]
