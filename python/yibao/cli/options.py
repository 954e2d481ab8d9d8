"""What the commands share: the chain options (declared once, here) and the output helpers.

A chain command takes its options as one typed :class:`ChainOptions`, its first parameter,
and is decorated with :func:`chain_options`, which puts ``--rpc``, ``--manifest``,
``--home``, ``--as`` and ``--json`` on the command line after the command's own options::

    @region_app.command("add")
    @chain_options()
    def region_add(opts: ChainOptions, code: int, name: str) -> None:
        _, ledger = opts.open()
        opts.tx(f"region {code} added", ledger.add_region(code, name))

A read-only command passes ``signer=None`` (no ``--as``). Commands that are not about a
deployment (``simulate``, ``bench``, ``demo``) use the option types (:data:`RpcOpt`,
:data:`JsonOpt`) directly.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Concatenate, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from yibao.errors import InputError
from yibao.identity import PseudonymKey, parse_pseudonym
from yibao.units import yuan

if TYPE_CHECKING:
    from yibao.client import Ledger, TxResult
    from yibao.workspace import Workspace

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
RpcOpt = Annotated[str | None, typer.Option("--rpc", help="JSON-RPC URL of a node")]
ManifestOpt = Annotated[Path | None, typer.Option("--manifest", help="deployment manifest")]
HomeOpt = Annotated[Path | None, typer.Option("--home", help="state folder (default ./.yibao)")]
AsOpt = Annotated[str | None, typer.Option("--as", help="signing key name or 0x private key")]

#: A person named by national ID (hashed locally with the operator key) or by pseudonym.
NationalIdOpt = Annotated[str | None, typer.Option("--id", help="national ID")]
PseudonymOpt = Annotated[str | None, typer.Option(help="0x pseudonym")]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class ChainOptions:
    """The options of a chain command: which node, deployment, home folder and key, and
    whether to print JSON."""

    rpc: str | None = None
    manifest: Path | None = None
    home: Path | None = None
    who: str | None = None
    as_json: bool = False

    def workspace(self) -> Workspace:
        from yibao.workspace import Workspace

        return Workspace.at(self.home)

    def open(self) -> tuple[Workspace, Ledger]:
        """The home folder and the ledger of its deployment, acting as ``--as``."""
        from yibao.client import Ledger

        ws = self.workspace()
        chain, manifest = ws.open_chain(self.rpc, self.manifest)
        return ws, Ledger.open(chain, manifest, ws.account(self.who))

    def emit(self, doc: object, human: Callable[[], None] | None = None) -> None:
        emit(self.as_json, doc, human)

    def tx(self, what: str, result: TxResult) -> None:
        tx(self.as_json, what, result)


#: The chain options in the order they appear on the command line, with their defaults.
_OPTIONS: dict[str, tuple[object, object]] = {
    "rpc": (RpcOpt, None),
    "manifest": (ManifestOpt, None),
    "home": (HomeOpt, None),
    "who": (AsOpt, None),
    "as_json": (JsonOpt, False),
}


def chain_options(
    *, signer: object | None = AsOpt,
) -> Callable[[Callable[Concatenate[ChainOptions, P], R]], Callable[..., R]]:
    """Turn ``command(opts: ChainOptions, ...)`` into a typer command with the chain options.

    ``signer`` is the type of the ``--as`` option (another spelling or help text for one
    command), or ``None`` for a command that signs nothing and has no ``--as``.
    """
    options = {name: (signer, default) if name == "who" else (kind, default)
               for name, (kind, default) in _OPTIONS.items() if name != "who" or signer is not None}

    def decorate(command: Callable[Concatenate[ChainOptions, P], R]) -> Callable[..., R]:
        sig = inspect.signature(command, eval_str=True)
        own = list(sig.parameters.values())[1:]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
                 for name, (kind, default) in options.items()]
        target: Callable[..., R] = command

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> R:  # what typer parsed, passed through
            opts = ChainOptions(**{name: kwargs.pop(name) for name in options})
            return target(opts, *args, **kwargs)

        params = [*own, *added]
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": sig.return_annotation}
        return wrapper

    return decorate


# ---------------------------------------------------------------------- output


def emit(as_json: bool, doc: object, human: Callable[[], None] | None = None) -> None:
    """Print ``doc`` as JSON (with ``--json``, or when there is no human form), else ``human()``."""
    if as_json or human is None:
        from yibao.workspace import to_jsonable

        out.print_json(json.dumps(to_jsonable(doc), ensure_ascii=False))
    else:
        human()


def tx_fields(result: TxResult) -> dict[str, object]:
    """The last fields of a transaction's document: gas, hash and decoded events."""
    return {"gas_used": result.gas_used, "tx": result.tx_hash,
            "events": [{"event": e["event"], **e["args"]} for e in result.events]}


def tx(as_json: bool, what: str, result: TxResult) -> None:
    """Report a mined transaction: a ✓ line, or its document with ``--json``."""
    doc = {"ok": True, "action": what, **tx_fields(result)}
    emit(as_json, doc, lambda: out.print(f"[green]✓[/] {what} (gas {result.gas_used:,})"))


def money(fen: int) -> str:
    """Fen as printed for people: ``¥1,234.56``, ``-¥0.05``."""
    return f"{'-' if fen < 0 else ''}¥{yuan(abs(fen))}"


def table(title: str, doc: dict[str, object]) -> None:
    """A two-column table of a document's fields."""
    from yibao.workspace import to_jsonable

    t = Table(title=title, show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value")
    for k, v in doc.items():
        t.add_row(k, json.dumps(to_jsonable(v), ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))
    out.print(t)


def person_of(ws: Workspace, national_id: str | None, pseudonym: str | None) -> bytes:
    """The pseudonym of the person given by exactly one of ``--id`` and ``--pseudonym``."""
    if bool(national_id) == bool(pseudonym):
        raise InputError("give exactly one of --id and --pseudonym")
    if pseudonym:
        return parse_pseudonym(pseudonym)
    assert national_id is not None
    return PseudonymKey.from_env_or_file(ws.pseudonym_key_path).pseudonym(national_id)


__all__ = [
    "AsOpt",
    "ChainOptions",
    "HomeOpt",
    "JsonOpt",
    "ManifestOpt",
    "NationalIdOpt",
    "PseudonymOpt",
    "RpcOpt",
    "chain_options",
    "emit",
    "err",
    "money",
    "out",
    "person_of",
    "table",
    "tx",
    "tx_fields",
]
