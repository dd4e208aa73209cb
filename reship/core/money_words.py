"""Amounts in Chinese financial capital numerals (大写金额), as written on statements and invoices
so that a figure cannot be altered: 零壹贰叁肆伍陆柒捌玖, 拾佰仟, 万亿, 元角分, 整.

Conventions (after the People's Bank of China's 支付结算办法, which allows both for a zero in the
元 place before 角):
- one 零 stands for any run of zeros inside the integer part (壹万零壹拾元整), and for a zero 角
  before a 分 (壹仟零壹元零伍分);
- no 零 is written between 元 and 角 when the integer part ends in zeros: 20000.30 is 贰万元叁角
  (not 贰万元零叁角);
- 整 only after 元 (no 角 or 分); an amount ending in 角 or 分 has none (壹佰零伍元伍角);
- less than one yuan has no 元 part (0.05 is 伍分); zero is 零元整;
- 壹 is always written before 拾 (壹拾元整), as banks require;
- rounded half-up to the cent; a negative amount is prefixed with 负;
- at most 12 integer digits (up to 仟亿): more raises ``ValueError``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")
MAX_INTEGER_DIGITS = 12
CENT = Decimal("0.01")


def chinese_capital(amount: Decimal) -> str:
    """The amount in 大写金额, e.g. ``Decimal("1001.05")`` → 壹仟零壹元零伍分."""
    if not amount.is_finite():
        raise ValueError(f"Not a finite amount: {amount}")
    cents = int(abs(amount).quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    yuan, fraction = divmod(cents, 100)
    jiao, fen = divmod(fraction, 10)
    integer = str(yuan)
    if len(integer) > MAX_INTEGER_DIGITS:
        raise ValueError(f"More than {MAX_INTEGER_DIGITS} integer digits: {amount}")
    sign = "负" if amount < 0 and cents else ""
    if cents == 0:
        return "零元整"
    words = _integer_words(integer) + "元" if yuan else ""
    if not fraction:
        return sign + words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return sign + words


def _integer_words(integer: str) -> str:
    """A positive integer's words without the unit: digits with 拾佰仟 in groups of four under 万亿."""
    words: list[str] = []
    pending_zero = False
    length = len(integer)
    group_has_digit = False
    for index, char in enumerate(integer):
        position = length - 1 - index
        place, group = position % 4, position // 4
        digit = int(char)
        if digit == 0:
            pending_zero = bool(words)
        else:
            if pending_zero:
                words.append("零")
                pending_zero = False
            words.append(DIGITS[digit] + PLACES[place])
            group_has_digit = True
        if place == 0:
            if group_has_digit and group:
                words.append(GROUPS[group])
            group_has_digit = False
    return "".join(words)
