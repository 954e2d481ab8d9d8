"""Money typed on the command line (issue 11 §2): whole fen by default, or yuan written with the
unit (``123.45元``, ``123.45yuan``), converted exactly with integers; anything else is one line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yibao.cli.claims import parse_line
from yibao.cli.options import MONEY_FIELDS, amount, claimed_fund, fen, money, positive_fen
from yibao.errors import InputError
from yibao.units import parse_money, parse_yuan, yuan

U64 = 2**64


@pytest.mark.parametrize(("text", "fen_"), [
    ("12345", 12345), (" 7 ", 7), ("+3", 3), ("0", 0), ("-5", -5),  # whole fen, as before
    ("123.45元", 12345), ("123.45yuan", 12345), ("123.4元", 12340), ("123元", 12300), ("0元", 0),
    ("0.01元", 1), ("0.1yuan", 10), ("007.05元", 705), (" 1.50元 ", 150),
    ("184467440737095516.15元", U64 - 1), ("99999999999999999999.99元", 9_999_999_999_999_999_999_999),
])
def test_amounts_typed_in_fen_or_in_yuan(text: str, fen_: int) -> None:
    assert parse_money(text) == fen_


@pytest.mark.parametrize("text", [
    "1.234元", "0.001yuan", "-1元", "+1元", "1e3元", "１元", "1,000元", "1_000元", "元", "yuan", ".5元", "1.元",
    "1 元", "1.5", "1.50", "¥1.50", "1.5元元", "1.5YUAN", "1.5 yuan", "NaN元", "inf元", "0x10元", "", " ", "1e3",
    "1_000", "0x10", "١٢٣", "12.3.4元", "1.5rmb", "1.5元 ", "1元5",
])
def test_anything_else_is_refused_on_one_line(text: str) -> None:
    if text == "1.5元 ":  # outer blanks are trimmed, like a whole number's
        assert parse_money(text) == 150
        return
    with pytest.raises(InputError) as exc:
        parse_money(text)
    message = str(exc.value)
    assert "\n" not in message and message
    if text.endswith(("元", "yuan")) and text[:-1].replace(".", "", 1).isdigit():
        assert "more than two decimals" in message or "not an amount in yuan" in message


def test_more_than_two_decimals_says_so() -> None:
    with pytest.raises(InputError, match="more than two decimals"):
        parse_yuan("1.234元")
    with pytest.raises(InputError, match=r"^--amount: '1e3元' is not an amount in yuan"):
        parse_yuan("1e3元", "--amount")


@settings(max_examples=300, derandomize=True)
@given(st.integers(0, U64 - 1), st.sampled_from(["元", "yuan"]))
def test_yuan_as_printed_reads_back_to_the_same_fen(n: int, unit: str) -> None:
    written = yuan(n).replace(",", "")
    assert parse_money(written + unit) == n == fen(written + unit)
    assert parse_money(str(n)) == n


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
@settings(max_examples=200, derandomize=True)
def test_the_conversion_is_exact(d: object) -> None:
    from decimal import Decimal

    assert isinstance(d, Decimal)
    assert parse_money(f"{d:f}元") == int(d * 100)


def test_the_option_parsers_keep_their_ranges_in_either_unit() -> None:
    assert fen("0") == fen("0元") == 0 and fen(str(U64 - 1)) == U64 - 1
    assert positive_fen("0.01元") == 1 and claimed_fund("153.00元") == 15300
    for parse, text, shown in ((fen, str(U64), f"0..{U64 - 1}, not {U64}"),
                               (fen, "-1", f"0..{U64 - 1}, not -1"),
                               (positive_fen, "0", "1..18446744073709551615, not 0"),
                               (positive_fen, "0.00元", "not 0.00元 (0 fen)"),
                               (fen, "184467440737095516.16元", f"not 184467440737095516.16元 ({U64} fen)"),
                               (claimed_fund, f"{2**63}", f"0..{2**63 - 1}")):
        with pytest.raises(InputError, match=r"^fen must be ") as exc:
            parse(text)
        assert shown in str(exc.value)
    assert amount(5, 0, 10) == 5  # typer passes a default through the parser as an int
    with pytest.raises(InputError, match="is not an amount"):
        fen("1.5")


def test_a_claim_line_takes_its_price_in_fen_or_in_yuan() -> None:
    assert parse_line("XA01:2:12550") == parse_line("XA01:2:125.50元") == parse_line("XA01:2:125.5yuan")
    assert parse_line("XA01:2:125.50元").unit_price == 12550
    for bad, what in (("XA01:2:125.505元", "more than two decimals"), ("XA01:2:-1元", "not an amount in yuan"),
                      ("XA01:2:1.5", "not an amount"), (f"XA01:1:{2**40}", "PRICE in fen must be 0..")):
        with pytest.raises(InputError) as exc:
            parse_line(bad)
        assert str(exc.value).startswith(f"--line {bad!r}: ") and what in str(exc.value), str(exc.value)


def test_printed_amounts_are_yuan_with_the_unit() -> None:
    assert money(12345) == "123.45 元" and money(-5) == "-0.05 元" and money(0) == "0.00 元"
    assert money(100_000_000) == "1,000,000.00 元"
    assert {"billed", "fund", "payable", "debt", "opening_balance", "balance"} <= MONEY_FIELDS
