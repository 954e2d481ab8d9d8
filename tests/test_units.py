"""Money is shown from integer fen without floats; times in China Standard Time."""

from __future__ import annotations

import datetime as dt

import pytest
from yibao.units import cst_minute, cst_time, noon_cst, yuan


@pytest.mark.parametrize(("fen", "digits", "text"), [
    (0, 2, "0.00"), (1, 2, "0.01"), (123456, 2, "1,234.56"), (-123456, 2, "-1,234.56"),
    (12345678901, 2, "123,456,789.01"),
    (123456, 0, "1,235"), (150, 0, "2"), (250, 0, "2"), (350, 0, "4"),  # half to even
    (49, 0, "0"), (-49, 0, "0"), (-150, 0, "-2"),  # no "-0"
    (125, 1, "1.2"), (135, 1, "1.4"), (136, 1, "1.4"),
])
def test_yuan(fen: int, digits: int, text: str) -> None:
    assert yuan(fen, digits) == text


def test_yuan_refuses_other_precisions() -> None:
    with pytest.raises(ValueError, match="digits must be 0, 1 or 2"):
        yuan(100, 3)


def test_cst_times() -> None:
    ts = noon_cst(dt.date(2026, 3, 1))
    assert cst_time(ts) == "2026-03-01T12:00:00+08:00"
    assert cst_minute(ts) == "2026-03-01 12:00 CST"
