"""``yibao index``: the ledger's events into SQL (SQLite by default, PostgreSQL by URL).

A read-only command (no key): :func:`yibao.index.ingest.index_ledger` over the home's
deployment, resuming after the last block indexed; ``--people`` and ``--catalogue`` add the
off-chain person attributes and item restrictions (:mod:`yibao.index.attributes`). The files
are checked before the database is opened, so a bad file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from yibao.cli.options import ChainOptions, chain_options, err, out, text_file

if TYPE_CHECKING:
    from yibao.index.attributes import AttributeEntry
    from yibao.io.rules import RestrictionEntry

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy URL of the index (default: sqlite:///HOME/index.db; "
                 "PostgreSQL: postgresql+psycopg://USER:PASSWORD@HOST/DB)")]


def _attributes(opts: ChainOptions, people: Path | None, catalogue: Path | None
                ) -> tuple[list[AttributeEntry], list[RestrictionEntry]]:
    from yibao.identity import PseudonymKey
    from yibao.index.attributes import read_item_restrictions, read_person_attributes

    persons = []
    if people is not None:
        key = PseudonymKey.from_env_or_file(opts.workspace().pseudonym_key_path)
        persons = read_person_attributes(people, key)
    items = read_item_restrictions(catalogue) if catalogue is not None else []
    return persons, items


@chain_options(signer=None)
def index(
    opts: ChainOptions,
    db: DbOpt = None,
    people: Annotated[Path | None, typer.Option(
        "--people", parser=text_file,
        help="enrolment CSV with the optional columns sex (M/F) and birth_date (YYYY-MM-DD), kept off chain")] = None,
    catalogue: Annotated[Path | None, typer.Option(
        "--catalogue", parser=text_file,
        help="catalogue CSV or JSON with the optional columns sex, min_age, max_age, min_level, kept off chain")]
    = None,
) -> None:
    """Read the ledger's events into the index database: incremental (from the last block
    indexed), idempotent, rolled back and re-read after a reorg."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from yibao.index.attributes import store_attributes
    from yibao.index.database import default_url, open_index, shown_url
    from yibao.index.ingest import index_ledger

    persons, items = _attributes(opts, people, catalogue)
    ws, ledger = opts.open()
    url = db or default_url(ws.home)
    engine = open_index(url)
    try:
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err, disable=opts.as_json or not err.is_terminal,
                      transient=True) as bar:
            task = bar.add_task("indexing blocks", total=None)
            report = index_ledger(ledger, engine, progress=lambda done, total: bar.update(
                task, completed=done, total=total))
        stored = (0, 0)
        if persons or items:
            with engine.begin() as conn:
                stored = store_attributes(conn, persons, items)
    finally:
        engine.dispose()
    doc: dict[str, Any] = {"db": shown_url(url), **report.to_dict(), "people": stored[0], "items": stored[1]}
    doc["seconds"] = round(report.seconds, 3)

    plain: dict[str, Any] = {"highlight": False, "soft_wrap": True}

    def human() -> None:
        rate = f" ({report.claims / report.seconds:,.0f} claims/s)" if report.claims and report.seconds else ""
        rolled = (f"; a reorg: rolled back {report.rolled_back} blocks to {report.fork_block}"
                  if report.fork_block is not None else "")
        out.print(f"indexed {report.blocks:,} blocks: {report.claims:,} claims, {report.rows:,} rows in "
                  f"{report.seconds:.2f} s{rate}{rolled}; last block {report.last_block}", **plain)
        if persons or items:
            out.print(f"stored {stored[0]:,} people's attributes and {stored[1]:,} item restrictions", **plain)
        out.print(f"index: {doc['db']}", **plain)

    opts.emit(doc, human)


__all__ = ["DbOpt", "index"]
