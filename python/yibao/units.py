"""Dates as the chain carries them: day numbers in China Standard Time."""

from __future__ import annotations

import datetime as dt

from yibao.errors import InputError

EPOCH = dt.date(1970, 1, 1)
CST = dt.timezone(dt.timedelta(hours=8))


def to_day(d: dt.date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def from_day(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def parse_date(text: str, what: str = "date") -> dt.date:
    """A ``YYYY-MM-DD`` date, or a one-line :class:`InputError` naming ``what``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InputError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None


def noon_cst(d: dt.date) -> int:
    """Unix timestamp of 12:00 CST on ``d``: the chain time used for a step on that day."""
    return int(dt.datetime(d.year, d.month, d.day, 12, tzinfo=CST).timestamp())


def day_of_timestamp(ts: int) -> dt.date:
    return from_day((ts + 8 * 3600) // 86400)
