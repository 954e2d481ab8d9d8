"""``yibao screen``: run the screening rules (事后监管) over the index and record the leads.

Reads the index at ``--db`` (an SQLAlchemy URL; default: the home's SQLite index, the one
``yibao index`` writes), runs every rule of screening.md (parameters from ``--rules FILE``),
stores the leads (each rule and set of claims once) and prints them: a table, or with
``--json`` every lead with ``new`` (whether this run stored it). ``--since DATE`` reports only
leads with a claim on or after that service date; the rules still read the whole history.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from yibao.cli.options import HomeOpt, JsonOpt, day_text, emit, out
from yibao.errors import InputError
from yibao.model.screening import Lead, lead_document
from yibao.units import parse_date, to_day, yuan


def default_db(home: Path | None) -> str:
    """The index URL ``yibao screen`` uses by default, the same as ``yibao index``'s:
    :func:`yibao.index.database.default_url` of the home (``--home``, ``$YIBAO_HOME`` or
    ``./.yibao``)."""
    from yibao.index.database import default_url
    from yibao.workspace import Workspace

    return default_url(Workspace.at(home).home)


def check_index_file(url: str) -> None:
    """Refuse a SQLite URL whose file does not exist (opening it would create an empty one)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
        if not path.is_file():
            raise InputError(f"--db: no index at {str(path)[:120]} (build it with `yibao index`)")


def _short(text: str | None) -> str:
    return "—" if text is None else f"{text[:10]}…"


def _human(rows: list[tuple[Lead[str], bool, tuple[int, str, int | None]]], since: str | None) -> None:
    if not rows:
        out.print("no leads" + (f" with a claim since {since}" if since else ""))
        return
    t = Table(title="screening leads")
    for name in ("id", "rule", "severity", "institution", "person", "claims", "amount", "new"):
        t.add_column(name, justify="right" if name in ("id", "amount") else "left")
    for lead, new, (lead_id, status, case) in rows:
        t.add_row(str(lead_id), str(lead.rule), str(lead.severity), _short(lead.institution), _short(lead.person),
                  "\n".join(lead.claims), f"{yuan(lead.amount)} 元",
                  f"case {case}" if status == "CASE" else ("new" if new else ""))
    out.print(t)
    fresh = sum(1 for _, new, _ in rows if new)
    out.print(f"{len(rows)} leads, {fresh} new")


def screen(
    db: Annotated[str | None, typer.Option(
        "--db", help="SQLAlchemy URL of the index (default: sqlite:///HOME/index.db, as `yibao index`)")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="rules file (JSON): which rules, parameters")]
    = None,
    since: Annotated[str | None, typer.Option(
        parser=day_text, help="only leads with a claim on or after YYYY-MM-DD")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Screen the index's live claims with the rules of screening.md, store the leads and print them."""
    from sqlalchemy.exc import SQLAlchemyError

    from yibao.index.cases import lead_ids
    from yibao.index.database import open_index, shown_url
    from yibao.index.screen import screen as run_screen
    from yibao.index.screen import store_leads
    from yibao.io.screening import read_screening
    from yibao.model.screening import ScreeningParams

    params = read_screening(rules) if rules else ScreeningParams()
    since_day = to_day(parse_date(since, "--since")) if since else None
    url = db or default_db(home)
    check_index_file(url)
    engine = open_index(url)
    try:
        with engine.begin() as conn:
            leads = run_screen(conn, params, since_day=since_day)
            new, _ = store_leads(conn, leads, int(time.time()))
            stored = lead_ids(conn, leads)
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        raise InputError(f"--db {shown_url(url)}: cannot screen the index ({first})") from None
    finally:
        engine.dispose()
    fresh = {id(lead) for lead in new}
    rows = [(lead, id(lead) in fresh, ref) for lead, ref in zip(leads, stored, strict=True)]
    doc: dict[str, Any] = {
        "ok": True, "since": since, "params": params.document(), "count": len(rows), "new": len(new),
        "leads": [dict(lead_document(lead), id=ref[0], amount=lead.amount, new=is_new, status=ref[1], case=ref[2])
                  for lead, is_new, ref in rows]}
    emit(as_json, doc, lambda: _human(rows, since))


__all__ = ["check_index_file", "default_db", "screen"]
