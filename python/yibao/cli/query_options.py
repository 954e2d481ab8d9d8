"""The options of the listing commands (issue 11, the query side), declared once.

Their parsers live here rather than in :mod:`yibao.cli.options` only because that module is at
the package's size limit; they follow its rules: each refuses a bad value while the command
line is parsed, with one line naming the range or the choices.

Every listing pages the same way: ``--limit N`` rows (default 50) after the first
``--offset N``, oldest first, so a page stays the same as the history grows; the JSON
document says ``total`` and ``next_offset`` (None on the last page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from yibao.cli.options import ChainOptions, whole_number
from yibao.errors import InputError

if TYPE_CHECKING:
    from yibao.client import Ledger
    from yibao.names import Names
    from yibao.workspace import Workspace


def page_limit(text: str | int) -> int:
    """Rows of one page of a listing, 1..10,000."""
    return whole_number(text, 1, 10_000, "rows per page")


def page_offset(text: str | int) -> int:
    """Rows of a listing to skip, 0..2^32-1."""
    return whole_number(text, 0, (1 << 32) - 1, "rows to skip")


def wait_seconds(text: str | int) -> int:
    """How long a following command runs at most, in seconds, 0..86,400."""
    return whole_number(text, 0, 86_400, "seconds")


def item_count(text: str | int) -> int:
    """How many rows a following command prints before it ends, 1..1,000,000."""
    return whole_number(text, 1, 1_000_000, "a count")


def _member(text: str, names: list[str], what: str) -> str:
    t = text.strip().upper()
    if t not in names:
        raise InputError(f"{text[:40]!r} is not {what} ({', '.join(names)})")
    return t


def claim_status_text(text: str) -> str:
    """A claim status by name: APPROVED, FLAGGED, REJECTED, APPEALED, SETTLED or CLAWED_BACK."""
    from yibao.model.types import ClaimStatus

    return _member(text, [s.name for s in ClaimStatus if s is not ClaimStatus.NONE], "a claim status")


def alert_kind_text(text: str) -> str:
    """An alert kind by name: DUPLICATE, OVERCLAIM, VISIT_LIMIT, REVIEW_THRESHOLD or INSTITUTION_GRADE."""
    from yibao.model.types import AlertKind

    return _member(text, [k.name for k in AlertKind], "an alert kind")


def scheme_text(text: str) -> str:
    """A scheme by name: EMPLOYEE or RESIDENT."""
    from yibao.model.types import Scheme

    return _member(text, list(Scheme.__members__), "a scheme")


def item_code_text(text: str) -> str:
    """A catalogue item code: 1-32 printable ASCII characters without spaces."""
    t = text.strip()
    if not t or len(t) > 32 or not t.isascii() or not t.isprintable() or " " in t:
        raise InputError(f"{t[:40]!r} is not an item code (1-32 printable ASCII characters)")
    return t


def name_text(text: str) -> str:
    """A human name of an institution or an item: 1-64 printable characters (kept off chain)."""
    from yibao.names import check_name

    return check_name(text)


LimitOpt = Annotated[int, typer.Option(parser=page_limit, help="rows per page (1-10000)")]
OffsetOpt = Annotated[int, typer.Option(parser=page_offset, help="rows to skip (paging, oldest first)")]
SchemeOpt = Annotated[str | None, typer.Option(parser=scheme_text, help="EMPLOYEE | RESIDENT")]
NameOpt = Annotated[str | None, typer.Option(parser=name_text, help="human name (kept off chain, in names.json)")]



#: Columns of a listing that hold fen, printed as yuan.
MONEY_COLUMNS = ("opening_balance", "balance", "payable", "paid", "debt", "price_cap", "billed", "fund",
                 "op_deductible", "op_annual_cap", "annual_cap", "review_threshold")


def rows_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Rows of a listing as a table (money columns in yuan), or ``none``."""
    from rich.table import Table

    from yibao.cli.options import money, out

    if not rows:
        out.print("none")
        return
    t = Table()
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*("" if r.get(c) is None else money(int(r[c])) if c in MONEY_COLUMNS and isinstance(r[c], int)
                    else ", ".join(map(str, r[c])) if isinstance(r[c], list) else str(r[c]) for c in columns))
    out.print(t)


def names_of(opts: ChainOptions, ws: Workspace, ledger: Ledger) -> Names:
    """The names file of the deployment the command talks to (next to its manifest)."""
    from yibao.names import Names

    return Names.beside(opts.manifest or ws.manifest_path, ledger.address)


__all__ = [
    "MONEY_COLUMNS",
    "LimitOpt",
    "NameOpt",
    "OffsetOpt",
    "SchemeOpt",
    "alert_kind_text",
    "claim_status_text",
    "item_code_text",
    "item_count",
    "name_text",
    "names_of",
    "page_limit",
    "page_offset",
    "rows_table",
    "scheme_text",
    "wait_seconds",
]
