"""大写金额: every expected string written by hand."""

from decimal import Decimal

import pytest

from reship.core.money_words import chinese_capital


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("105.5", "壹佰零伍元伍角"),
        ("1001.05", "壹仟零壹元零伍分"),
        ("10010", "壹万零壹拾元整"),
        ("100000000", "壹亿元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("0.05", "伍分"),
        ("0.5", "伍角"),
        ("0.55", "伍角伍分"),
        # The chosen convention: no 零 between 元 and 角 after trailing zeros of the integer part.
        ("20000.30", "贰万元叁角"),
        ("20.05", "贰拾元零伍分"),
        ("10000001", "壹仟万零壹元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("1010", "壹仟零壹拾元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("100000000000", "壹仟亿元整"),
        ("1.005", "壹元零壹分"),  # rounded half-up to the cent
        ("1.004", "壹元整"),
    ],
)
def test_chinese_capital(amount, words):
    assert chinese_capital(Decimal(amount)) == words


def test_negative_amounts_are_prefixed():
    assert chinese_capital(Decimal("-105.5")) == "负壹佰零伍元伍角"
    assert chinese_capital(Decimal("-0.05")) == "负伍分"
    assert chinese_capital(Decimal("-0.001")) == "零元整"


def test_more_than_twelve_integer_digits_is_refused():
    with pytest.raises(ValueError, match="12"):
        chinese_capital(Decimal("1000000000000"))
    with pytest.raises(ValueError, match="finite"):
        chinese_capital(Decimal("NaN"))
