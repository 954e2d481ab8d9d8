"""The ``yibao`` command line: a thin layer over :mod:`yibao.client`.

Every command takes ``--json`` (machine-readable output), and the chain commands take
``--rpc URL`` (a JSON-RPC node; default: the one in the manifest, or the embedded chain
persisted in the home folder), ``--manifest PATH`` and ``--as NAME`` (the signing key); see
:mod:`yibao.cli.options`.

Errors print one line to stderr (``error: …``) and exit with status 2: bad input, a usage
error, a refused contract call, a missing role, an unreachable node, a stale manifest. With
``--json`` the error is also a JSON document on stdout. No exception escapes as a traceback:
an unexpected one is reported on one line naming its type (``YIBAO_TRACEBACK=1`` shows it).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Any

import typer
import typer.main

from yibao.cli import cases, claims, clock, consents, keys, ops, patient, queries, records, registry, rules, settlement
from yibao.cli.screen import screen as screen_command
from yibao.cli.serve import serve as serve_command
from yibao.cli.index import index as index_command
from yibao.errors import ContractError, YibaoError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="yibao — 医保 on an EVM ledger")

#: modules whose commands join a group defined elsewhere (consents: `yibao record grant …`)
JOINING = (consents,)

for _name, _command in (
    ("node", ops.node), ("deploy", ops.deploy), ("enrol", registry.enrol), ("appeal", settlement.appeal),
    ("clawback", settlement.clawback), ("settle", settlement.settle), ("clear", settlement.clear),
    ("freeze", settlement.freeze), ("unfreeze", settlement.unfreeze), ("contribute", settlement.contribute),
    ("simulate", ops.simulate), ("bench", ops.bench), ("demo", ops.demo), ("alerts", queries.alerts),
    ("screen", screen_command), ("serve", serve_command),
    ("index", index_command),
):
    app.command(_name)(_command)
claims.claim_app.command("list")(queries.claim_list)

for _name, _group in (
    ("institution", registry.institution_app), ("person", registry.person_app), ("region", registry.region_app),
    ("role", registry.role_app), ("claim", claims.claim_app), ("review", settlement.review_app),
    ("fund", settlement.fund_app), ("policy", rules.policy_app), ("catalogue", rules.catalogue_app),
    ("key", keys.key_app), ("clock", clock.clock_app), ("case", cases.case_app), ("fine", cases.fine_app),
    ("record", records.record_app), ("patient", patient.patient_app),
):
    app.add_typer(_group, name=_name)


#: Exit status of every refusal: bad input, a usage error, a refused call, an unreachable node.
EXIT_REFUSED = 2


def _one_line(text: str) -> str:
    """A message as one line (pydantic's "Value error, " prefix of a parser's message dropped)."""
    return " ".join(text.replace("Value error, ", "").split()) or "failed"


def _refuse(argv: list[str], kind: str, name: str | None, message: str, problems: list[str] | None = None,
            args: dict[str, object] | None = None) -> int:
    """The one error line (and with ``--json`` the error document; a file's ``problems``, each
    on its own, when it had several; a contract error's ``args`` as decoded, an enum as its number)."""
    msg = _one_line(message)
    if "--json" in argv:
        doc: dict[str, object] = {"ok": False, "error": kind, "name": name, "message": msg}
        if problems:
            doc["problems"] = [_one_line(p) for p in problems]
        if args is not None:
            doc["args"] = args
        print(json.dumps(doc, ensure_ascii=False))
    print(f"error: {msg}", file=sys.stderr)
    return EXIT_REFUSED


def _error_args(exc: YibaoError) -> dict[str, object] | None:
    """A contract error's arguments by name for the JSON error document (numbers as numbers, the
    message shows an enum by name; bytes as 0x hex), else None."""
    if not isinstance(exc, ContractError):
        return None
    from yibao.workspace import to_jsonable

    return {k: int(v) if isinstance(v, int) and not isinstance(v, bool) else to_jsonable(v)
            for k, v in exc.inputs.items()}


@functools.cache
def _click_app() -> Any:
    """The click command of :data:`app`, built once (building it costs more than parsing)."""
    return typer.main.get_command(app)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv``; return the exit status (0 ok, 2 refused or bad input, 130
    interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _click_app().main(args=argv, prog_name="yibao", standalone_mode=False)
    except YibaoError as exc:
        return _refuse(argv, type(exc).__name__, getattr(exc, "name", None), str(exc) or type(exc).__name__,
                       list(getattr(exc, "problems", ())), _error_args(exc))
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("error: interrupted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, bad value, missing argument
        return _usage(argv, exc)
    except OSError as exc:  # a file or folder that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        return _refuse(argv, type(exc).__name__, None, f"{where}{exc.strerror or exc}")
    except Exception as exc:  # the last resort: never a traceback
        if os.environ.get("YIBAO_TRACEBACK"):
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        return _refuse(argv, type(exc).__name__, None, f"unexpected {type(exc).__name__}: {first}"[:500])
    return 0


def _usage(argv: list[str], exc: typer.TyperException) -> int:
    """A usage error as one line naming the command (help for a group given no command)."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # a group without its command: its help
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return EXIT_REFUSED
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    path = str(getattr(getattr(exc, "ctx", None), "command_path", "") or "")
    where = f"{path}: " if path else ""
    return _refuse(argv, "UsageError", None, f"{where}{message}")


def main() -> None:
    sys.exit(run())


__all__ = ["EXIT_REFUSED", "app", "main", "run"]
