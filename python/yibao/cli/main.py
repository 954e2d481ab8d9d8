"""The ``yibao`` command line: a thin layer over :mod:`yibao.client`.

Every command takes ``--json`` (machine-readable output), and the chain commands take
``--rpc URL`` (a JSON-RPC node; default: the one in the manifest, or the embedded chain
persisted in the home folder), ``--manifest PATH`` and ``--as NAME`` (the signing key); see
:mod:`yibao.cli.options`. Errors print one line to stderr and exit with status 1 (2 for
usage errors).
"""

from __future__ import annotations

import json
import sys

import typer

from yibao.cli import claims, ops, registry, rules, settlement
from yibao.errors import YibaoError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="yibao — 医保 on an EVM ledger")

for _name, _command in (
    ("node", ops.node), ("deploy", ops.deploy), ("enrol", registry.enrol), ("appeal", settlement.appeal),
    ("clawback", settlement.clawback), ("settle", settlement.settle), ("clear", settlement.clear),
    ("freeze", settlement.freeze), ("unfreeze", settlement.unfreeze), ("contribute", settlement.contribute),
    ("simulate", ops.simulate), ("bench", ops.bench), ("demo", ops.demo),
):
    app.command(_name)(_command)

for _name, _group in (
    ("institution", registry.institution_app), ("person", registry.person_app), ("region", registry.region_app),
    ("role", registry.role_app), ("claim", claims.claim_app), ("review", settlement.review_app),
    ("fund", settlement.fund_app), ("policy", rules.policy_app), ("catalogue", rules.catalogue_app),
):
    app.add_typer(_group, name=_name)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv``; return the exit status (0 ok, 1 refused, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=argv, prog_name="yibao", standalone_mode=False)
    except YibaoError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "--json" in argv:
            print(json.dumps({"ok": False, "error": type(exc).__name__,
                              "name": getattr(exc, "name", None), "message": msg}))
        print(f"error: {msg}", file=sys.stderr)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            print(f"error: {exc}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 2))
    return 0


def main() -> None:
    sys.exit(run())


__all__ = ["app", "main", "run"]
