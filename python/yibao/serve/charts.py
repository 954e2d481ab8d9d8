"""The dashboard's charts, as inline SVG drawn on the server with the demo report's chart
functions (:mod:`yibao.demo.charts`): nothing is fetched, no script draws them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from yibao.demo.charts import Stacks, hbars, line_chart

ALERT_COLOUR = "#c0392b"
SCORE_COLOUR = "#1f6feb"


def share_bars(counts: Mapping[str, int], label: Callable[[str], str], title: str) -> str:
    """Horizontal bars of ``counts`` by key, largest first (empty when there is nothing to count)."""
    items = sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
    if not items:
        return ""
    return hbars(Stacks([label(k) for k, _ in items], {"n": [n for _, n in items]}, {"n": ALERT_COLOUR}),
                 title=title, width=720, label_w=260)


def score_chart(credit: list[dict[str, Any]], now: Mapping[str, int]) -> str:
    """An institution's credit score over time: 100 at the start of each scored year, each case's
    new score on the day it was finalized, and the score now (empty without a score change)."""
    points: list[tuple[dt.date, float]] = []
    for row in credit:
        day = dt.date.fromisoformat(str(row["time"])[:10]) if row.get("time") else None
        if day is None:
            continue
        if not points:
            points.append((dt.date(day.year, 1, 1), 100.0))
        points.append((day, float(row["score"])))
    if not points:
        return ""
    if int(now["score"]) != int(points[-1][1]) or len(points) < 2:  # the score now, when it moved on since
        points.append((points[-1][0] + dt.timedelta(days=1), float(now["score"])))
    return line_chart({"信用分 credit score": points}, {"信用分 credit score": SCORE_COLOUR}, width=720, height=260,
                      title="信用分 credit score")


__all__ = ["score_chart", "share_bars"]
