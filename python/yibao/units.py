"""Units of the ledger, owned here: dates as day numbers in China Standard Time, money as fen."""

from __future__ import annotations

import datetime as dt
import re

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


def cst_time(ts: int) -> str:
    """A block timestamp as an ISO date-time in China Standard Time (``…+08:00``)."""
    return dt.datetime.fromtimestamp(int(ts), CST).isoformat()


def cst_minute(ts: int) -> str:
    """A block timestamp to the minute, for people: ``2026-03-01 12:00 CST``."""
    return dt.datetime.fromtimestamp(int(ts), CST).strftime("%Y-%m-%d %H:%M CST")


# ---------------------------------------------------------------------- money


def _rounded(fen: int, unit: int) -> int:
    """``fen / unit`` rounded half to even, in integers."""
    q, r = divmod(abs(fen), unit)
    if 2 * r > unit or (2 * r == unit and q % 2):
        q += 1
    return q


def yuan(fen: int, digits: int = 2) -> str:
    """Integer fen as yuan with thousands separators: ``yuan(123456) == "1,234.56"``.

    ``digits`` is 0, 1 or 2 (fewer digits round half to even); no float is involved.
    """
    if digits not in (0, 1, 2):
        raise ValueError(f"digits must be 0, 1 or 2, not {digits}")
    scale = 10 ** (2 - digits)
    units = _rounded(fen, scale)
    sign = "-" if fen < 0 and units else ""
    whole, part = divmod(units, 10**digits)
    return f"{sign}{whole:,}" + (f".{part:0{digits}d}" if digits else "")


#: The units an amount typed in yuan ends with (``123.45元``, ``123.45yuan``).
YUAN_UNITS = ("元", "yuan")
#: Yuan as people type them: ASCII digits, at most two decimals, then the unit.
_YUAN = re.compile(r"(?P<whole>[0-9]{1,78})(?:\.(?P<part>[0-9]{1,2}))?(?:元|yuan)")
_FEN = re.compile(r"[+-]?[0-9]{1,80}")  # ASCII digits only: int() also takes "1_000" and "١٢٣"


def parse_yuan(text: str, what: str = "") -> int:
    """An amount written in yuan with its unit, ``123.45元`` or ``123.45yuan``, as integer fen
    (``12345``), exactly: ASCII digits, at most two decimals, no sign, no separators, no float.
    Anything else is a one-line :class:`InputError` (naming ``what`` when given)."""
    t = text.strip()
    m = _YUAN.fullmatch(t)
    if m is None:
        where = f"{what}: " if what else ""
        if re.fullmatch(r"[0-9]+\.[0-9]{3,}(?:元|yuan)", t):
            raise InputError(f"{where}{t[:40]!r} has more than two decimals (a fen is 0.01元)")
        raise InputError(f"{where}{t[:40]!r} is not an amount in yuan (123.45元 or 123.45yuan: "
                         "ASCII digits, at most two decimals)")
    return int(m["whole"]) * 100 + int((m["part"] or "0").ljust(2, "0"))


def parse_money(text: str | int, what: str = "") -> int:
    """An amount as typed on the command line: whole fen (``12345``, the default unit), or yuan
    with the unit (``123.45元``, ``123.45yuan``; :func:`parse_yuan`). The result is integer fen,
    not range-checked (a negative whole number passes, for the caller's range to name)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    t = str(text).strip()
    if t.endswith(YUAN_UNITS):
        return parse_yuan(t, what)
    if not _FEN.fullmatch(t):
        where = f"{what}: " if what else ""
        raise InputError(f"{where}{t[:40]!r} is not an amount: whole fen (12345) or yuan with the unit (123.45元)")
    return int(t)


__all__ = [
    "CST",
    "EPOCH",
    "YUAN_UNITS",
    "cst_minute",
    "cst_time",
    "day_of_timestamp",
    "from_day",
    "noon_cst",
    "parse_date",
    "parse_money",
    "parse_yuan",
    "to_day",
    "yuan",
]
