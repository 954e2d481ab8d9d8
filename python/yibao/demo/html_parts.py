"""The building blocks of the demo's report page (and of other yibao pages): the style sheet,
tables, notes, panels, shaded cells.

Text is escaped here unless it is :class:`Raw`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from yibao.demo.charts import esc
from yibao.demo.font import FONT_STACK

CSS = (
    f"body{{margin:0;background:#f5f6f8;color:#222;font:14px/1.45 {FONT_STACK}}}"
    + """
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 8px;border-bottom:2px solid #dde;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#666;margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin:14px 0}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:22px}.card span{color:#666;font-size:12px}
.panel{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08);margin:10px 0;
overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
th{background:#fafafa;font-weight:600}td:first-child,th:first-child{text-align:left}
td.l,th.l{text-align:left}
.heat{display:inline-block;min-width:34px;padding:1px 4px;border-radius:3px}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#78909c}
.filter{margin:6px 0 10px}.filter label{margin-right:14px;white-space:nowrap}
.note{color:#666;font-size:12.5px}code{font-size:12px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:14px}
"""
)

Doc = dict[str, Any]


class Raw(str):
    """HTML that is already safe."""


def cell(c: Any, tag: str = "td") -> str:
    """One cell: :class:`Raw` as it is, anything else escaped."""
    return f"<{tag}>{c if isinstance(c, Raw) else esc(c)}</{tag}>"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    head = "".join(cell(h, "th") for h in headers)
    body = "".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def heat(value: int, median: float) -> Raw:
    """A cell shaded by how far the month is above the institution's own median month."""
    r = value / median if median else 0.0
    a = max(0.0, min(1.0, (r - 1.0) / 2.0))  # 1× median: none; 3× or more: full
    bg = f"rgba(229,57,53,{0.06 + 0.84 * a:.2f})" if value else "transparent"
    fg = "#fff" if a > 0.5 else "#222"
    return Raw(f'<span class="heat" style="background:{bg};color:{fg}">{value:,}</span>')


def note(text: str) -> str:
    return f"<p class='note'>{text}</p>"


def panel(heading: str, *parts: str) -> str:
    """A heading and a white panel of ``parts`` below it."""
    return heading + "<div class='panel'>" + "".join(parts) + "</div>"


def two_columns(left: str, right: str) -> str:
    return f"<div class='two'><div>{left}</div><div>{right}</div></div>"


def counts_text(counts: dict[str, int]) -> str:
    """``A 1,234, B 5`` of a name → count mapping."""
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())


def claims_of(row: dict[str, Any]) -> list[int]:
    return [row["claims"], row["rejected"]]


def kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in kinds.items())


__all__ = [
    "CSS",
    "Doc",
    "Raw",
    "cell",
    "claims_of",
    "counts_text",
    "heat",
    "kinds_text",
    "note",
    "panel",
    "table",
    "two_columns",
]
