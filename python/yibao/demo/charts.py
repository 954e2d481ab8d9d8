"""Inline SVG charts for the demo's report page: a line chart, stacked vertical bars and
(stacked) horizontal bars. No JavaScript, no network: each chart is one ``<svg>`` element.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yibao.demo.font import FONT_STACK

FONT = f"font-family:{FONT_STACK}"


def esc(x: Any) -> str:
    return html.escape(str(x))


def nice_axis(top: float) -> tuple[float, float]:
    """A round axis maximum above ``top`` and its tick step (5 ticks or so)."""
    if top <= 0:
        return 1.0, 0.2
    exp = 10 ** math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if top <= m * exp:
            return m * exp, m * exp / 5
    return 10 * exp, 2 * exp


def svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT};font-size:12px" role="img" aria-label="{esc(title)}">'
    )


def svg_close(parts: list[str]) -> str:
    return "".join(parts) + "</svg>"


def y_axis(x0: int, x1: int, lo: float, top: float, step: float, y: Callable[[float], float]) -> list[str]:
    """Horizontal grid lines from ``lo`` to ``top`` every ``step``, labelled left of ``x0``."""
    out = []
    v = lo
    while v <= top + 1e-9:
        at = y(v)
        out.append(
            f'<line x1="{x0}" y1="{at:.1f}" x2="{x1}" y2="{at:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{x0 - 6}" y="{at + 4:.1f}" text-anchor="end" fill="#555">{v:,.0f}</text>'
        )
        v += step
    return out


def baseline(x0: int, x1: int, y: int) -> str:
    return f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#999"/>'


def legend(names: Iterable[str], colours: Mapping[str, str], *, x: int, y: int, text_y: int,
        swatch: tuple[int, int] = (12, 12), text_dx: int = 16, advance: tuple[int, int] = (0, 0)) -> list[str]:
    """One entry per name: a swatch at (x, y) and the name; the next entry ``advance[0]`` plus
    ``advance[1]`` per character further right."""
    out = []
    w, h = swatch
    for name in names:
        out.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colours[name]}"/>'
            f'<text x="{x + text_dx}" y="{text_y}" fill="#333">{esc(name)}</text>'
        )
        x += advance[0] + advance[1] * len(name)
    return out


def month_ticks(x0: dt.date, x1: dt.date, x: Callable[[dt.date], float], top: int, ph: int) -> list[str]:
    """A vertical line and a label (``3月``, ``1月 2026``) at the first of every month."""
    out = []
    d = dt.date(x0.year, x0.month, 1)
    while d <= x1:
        if d >= x0:
            at = x(d)
            out.append(f'<line x1="{at:.1f}" y1="{top}" x2="{at:.1f}" y2="{top + ph}" stroke="#f0f0f0"/>')
            out.append(
                f'<text x="{at:.1f}" y="{top + ph + 16}" text-anchor="middle" fill="#555">'
                f"{d.month}月" + (f" {d.year}" if d.month == 1 else "") + "</text>"
            )
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def line_chart(series: dict[str, list[tuple[dt.date, float]]], colours: dict[str, str], *, width: int = 1040,
        height: int = 320, unit: str = "", title: str = "") -> str:
    left, right, top, bottom = 70, 20, 30, 40
    pw, ph = width - left - right, height - top - bottom
    xs = [d for pts in series.values() for d, _ in pts]
    ys = [v for pts in series.values() for _, v in pts]
    if not xs:
        return ""
    x0, x1 = min(xs), max(xs)
    span = max(1, (x1 - x0).days)
    lo = min(0.0, min(ys))
    ymax, step = nice_axis(max(ys) - lo)
    ymax += lo

    def X(d: dt.date) -> float:
        return left + pw * (d - x0).days / span

    def Y(v: float) -> float:
        return top + ph * (1 - (v - lo) / (ymax - lo))

    out = [svg_open(width, height, title), *y_axis(left, width - right, lo, ymax, step, Y)]
    out += month_ticks(x0, x1, X, top, ph)
    out.append(baseline(left, width - right, top + ph))
    out.append(f'<text x="{left - 60}" y="{top - 12}" fill="#333">{esc(unit)}</text>')
    keys = legend(
        series, colours, x=left + 10, y=top - 22, text_y=top - 16, swatch=(14, 4), text_dx=20, advance=(160, 0)
    )
    for (name, pts), key in zip(series.items(), keys, strict=True):
        path = " ".join(f"{'M' if i == 0 else 'L'}{X(dd):.1f},{Y(vv):.1f}" for i, (dd, vv) in enumerate(pts))
        out.append(f'<path d="{path}" fill="none" stroke="{colours[name]}" stroke-width="2.2"/>')
        out.append(key)
    return svg_close(out)


@dataclass(frozen=True)
class Stacks:
    """Bars of ``labels``, each a stack of the named series of ``values`` (drawn in ``colours``)."""

    labels: Sequence[str]
    values: Mapping[str, Sequence[int]]
    colours: Mapping[str, str]

    def totals(self) -> list[int]:
        return [sum(s[i] for s in self.values.values()) for i in range(len(self.labels))]


def stacked_bars(bars: Stacks, *, width: int = 1040, height: int = 320, title: str = "", unit: str = "",
        key_advance: tuple[int, int] = (24, 8)) -> str:
    """Vertical stacked bars with their totals above them; the legend's entries ``key_advance``
    apart (a fixed step plus one per character of the name)."""
    left, right, top, bottom = 60, 20, 34, 40
    pw, ph = width - left - right, height - top - bottom
    totals = bars.totals()
    ymax, step = nice_axis(max(totals or [1]))
    bw = pw / max(1, len(bars.labels))
    grid = y_axis(left, width - right, 0.0, ymax, step, lambda v: top + ph * (1 - v / ymax))
    out = [svg_open(width, height, title), *grid]
    for i, lab in enumerate(bars.labels):
        x = left + i * bw + bw * 0.15
        y = float(top + ph)
        for name, vals in bars.values.items():
            h = ph * vals[i] / ymax
            if h > 0:
                y -= h
                out.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{bars.colours[name]}"><title>{esc(lab)} {esc(name)}: {vals[i]:,}</title></rect>'
                )
        out.append(
            f'<text x="{x + bw * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#333">{totals[i]:,}</text>'
        )
        out.append(
            f'<text x="{x + bw * 0.35:.1f}" y="{top + ph + 16}" text-anchor="middle" fill="#555">{esc(lab)}</text>'
        )
    out.append(baseline(left, width - right, top + ph))
    out += legend(bars.values, bars.colours, x=left, y=top - 26, text_y=top - 16, advance=key_advance)
    if unit:
        out.append(f'<text x="{width - right}" y="{top - 16}" text-anchor="end" fill="#555">{esc(unit)}</text>')
    return svg_close(out)


def hbars(bars: Stacks, *, title: str = "", fmt: Callable[[int], str] | None = None,
        note: Sequence[str] | None = None, label_w: int = 250, bar: int = 22, width: int = 1040) -> str:
    """Horizontal (stacked) bars, a legend above them when there are several series, each bar
    labelled with ``fmt`` of its total and its ``note``."""
    show = fmt or (lambda v: f"{v:,}")
    several = len(bars.values) > 1
    top, gap = (30 if several else 6), 10
    height = top + len(bars.labels) * (bar + gap) + 10
    pw = width - label_w - 170
    totals = bars.totals()
    vmax = max(totals or [1]) or 1
    out = [svg_open(width, height, title)]
    if several:
        out += legend(bars.values, bars.colours, x=label_w, y=6, text_y=16, advance=(30, 8))
    for i, lab in enumerate(bars.labels):
        y = top + i * (bar + gap)
        out.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" fill="#333">{esc(lab)}</text>')
        x = float(label_w)
        for name, vals in bars.values.items():
            w = pw * vals[i] / vmax
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{bars.colours[name]}">'
                    f"<title>{esc(lab)} {esc(name)}: {esc(show(vals[i]))}</title></rect>"
                )
                x += w
        extra = f"  {note[i]}" if note else ""
        out.append(
            f'<text x="{x + 6:.1f}" y="{y + bar * 0.7:.1f}" fill="#333">{esc(show(totals[i]))}{esc(extra)}</text>'
        )
    return svg_close(out)


__all__ = [
    "FONT",
    "Stacks",
    "baseline",
    "esc",
    "hbars",
    "legend",
    "line_chart",
    "month_ticks",
    "nice_axis",
    "stacked_bars",
    "svg_close",
    "svg_open",
    "y_axis",
]
