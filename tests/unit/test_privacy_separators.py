"""Redaction with the separators people really type: none, `-`, `.`, space (and ー, ・), half- and
full-width, for phone numbers, My Numbers (valid check digit only) and e-mail addresses; and the numbers
that must be left alone (versions, dates, decimals, amounts, addresses of machines)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import EMAIL, MY_NUMBER, PHONE, my_number_check_digit, redact_personal_data

SEPARATORS = ["", "-", ".", " ", "－", "．", "\u3000", "ー", "・"]
# Japanese numbering plan groupings: 0X-XXXX-XXXX, 0XX-XXX-XXXX, 0XXX-XX-XXXX, 0XXXX-X-XXXX, mobiles, 0120.
PHONE_GROUPS = [(2, 4, 4), (3, 3, 4), (4, 2, 4), (5, 1, 4), (3, 4, 4), (4, 3, 3), (4, 3, 4)]
WORDS = st.sampled_from(["", "電話は", "連絡先：", "メモ ", "（担当）", "TEL", "携帯 ", "番号"])
ENDINGS = st.sampled_from(["", "まで", "です。", " 山田", "）", "へ連絡", "。"])
FULL_WIDTH = str.maketrans("0123456789-. abcdefghijklmnopqrstuvwxyz@_", "０１２３４５６７８９－．\u3000ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ＠＿")


def digits_of(text: str) -> str:
    return "".join(str(int(ch)) for ch in text if ch.isdecimal())


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    groups = draw(st.sampled_from(PHONE_GROUPS))
    first = "0" + draw(st.text("123456789", min_size=1, max_size=1))
    first += draw(st.text("0123456789", min_size=groups[0] - 2, max_size=groups[0] - 2))
    rest = [draw(st.text("0123456789", min_size=n, max_size=n)) for n in groups[1:]]
    same = draw(st.booleans())
    separator = draw(st.sampled_from(SEPARATORS))
    gaps = [separator if same else draw(st.sampled_from(SEPARATORS)) for _ in rest]
    number = first + "".join(gap + part for gap, part in zip(gaps, rest, strict=True))
    return number.translate(FULL_WIDTH) if draw(st.booleans()) else number


@st.composite
def my_numbers(draw: st.DrawFn) -> str:
    first_eleven = draw(st.text("0123456789", min_size=11, max_size=11))
    digits = first_eleven + str(my_number_check_digit(first_eleven))
    gaps = [draw(st.sampled_from(SEPARATORS)) for _ in range(2)]
    number = digits[:4] + gaps[0] + digits[4:8] + gaps[1] + digits[8:]
    return number.translate(FULL_WIDTH) if draw(st.booleans()) else number


@st.composite
def emails(draw: st.DrawFn) -> str:
    word = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
    local = draw(word) + "".join(draw(st.sampled_from([".", "-", "_"])) + draw(word) for _ in range(draw(st.integers(0, 2))))
    domain = ".".join(draw(st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8), min_size=2, max_size=4)))
    address = f"{local}@{domain}"
    return address.translate(FULL_WIDTH) if draw(st.booleans()) else address


@given(WORDS, phone_numbers(), ENDINGS)
@settings(max_examples=300)
def test_phone_numbers_with_any_separator_are_removed(before: str, number: str, after: str) -> None:
    redaction = redact_personal_data(f"{before}{number}{after}")
    assert redaction.kinds == (PHONE,), (number, redaction.text)
    assert digits_of(number) not in digits_of(redaction.text)
    assert redaction.text == f"{before}［電話番号］{after}"


@given(WORDS, my_numbers(), ENDINGS)
@settings(max_examples=300)
def test_my_numbers_with_any_separator_are_removed(before: str, number: str, after: str) -> None:
    redaction = redact_personal_data(f"{before}{number}{after}")
    assert MY_NUMBER in redaction.kinds, (number, redaction.text)
    assert redaction.text == f"{before}［マイナンバー］{after}"


@given(WORDS, emails(), ENDINGS)
@settings(max_examples=200)
def test_email_addresses_half_and_full_width_are_removed(before: str, address: str, after: str) -> None:
    redaction = redact_personal_data(f"{before} {address} {after}")
    assert redaction.kinds == (EMAIL,), (address, redaction.text)
    assert redaction.text == f"{before} ［メールアドレス］ {after}"


@given(st.text("0123456789", min_size=11, max_size=11), st.sampled_from(SEPARATORS), st.booleans())
@settings(max_examples=200)
def test_twelve_digits_with_a_wrong_check_digit_are_kept(first_eleven: str, separator: str, wide: bool) -> None:
    wrong = (my_number_check_digit(first_eleven) + 1) % 10
    digits = first_eleven + str(wrong)
    number = separator.join((digits[:4], digits[4:8], digits[8:]))
    if wide:
        number = number.translate(FULL_WIDTH)
    text = f"管理番号 {number} の件"
    redaction = redact_personal_data(text)
    # It may still look like a phone number (0-prefixed groups); it is never taken for a My Number.
    assert MY_NUMBER not in redaction.kinds
    if not digits.startswith("0"):
        assert redaction.text == text


@pytest.mark.parametrize(
    "text",
    [
        "第1.5版（2025.04.01改訂）",
        "2026.12.01 に 12.5% 進捗",
        "0.5人月、1.25倍、0.123456",
        "サーバ 192.168.10.20 と 10.0.0.1",
        "予算 1.234.567円",
        "v2.10.3 / 3.11.7",
        "KPI 1,200.5件 ・ 60%",
        "2025-04-01 〜 2026-03-31",
        "https://www.city.gotsu.lg.jp/soshiki/3/",
    ],
)
def test_numbers_that_are_not_personal_are_left_alone(text: str) -> None:
    redaction = redact_personal_data(text)
    assert redaction.text == text and not redaction.redacted
