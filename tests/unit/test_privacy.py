"""The personal data guard: My Number (official check digit), phone numbers and e-mail addresses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import (
    EMAIL,
    MY_NUMBER,
    PHONE,
    is_my_number,
    my_number_check_digit,
    placeholder,
    redact_personal_data,
)


def with_check_digit(first_eleven: str) -> str:
    return first_eleven + str(my_number_check_digit(first_eleven))


# Worked by hand from 番号法施行令 第8条: Σ P_n×Q_n for 12345678901 is 212, 212 mod 11 = 3, 11 − 3 = 8.
@pytest.mark.parametrize(
    ("first_eleven", "check"),
    [
        ("12345678901", 8),
        ("00000000000", 0),  # remainder 0 → 0
        ("00000000001", 9),  # P_1 = 1, Q_1 = 2: remainder 2 → 9
        ("00000100000", 4),  # P_6 = 1, Q_6 = 7: remainder 7 → 4
        ("00001000000", 9),  # P_7 = 1, Q_7 = 2: remainder 2 → 9
        ("10000000000", 5),  # P_11 = 1, Q_11 = 6: remainder 6 → 5
        ("00000000005", 1),  # 5 × 2 = 10 → 11 − 10 = 1
        ("00000000006", 0),  # 6 × 2 = 12, remainder 1 → 0
    ],
)
def test_my_number_check_digit_follows_the_official_algorithm(first_eleven: str, check: int) -> None:
    assert my_number_check_digit(first_eleven) == check


def test_check_digit_needs_eleven_digits() -> None:
    for bad in ("", "1234567890", "123456789012", "1234567890a"):
        with pytest.raises(ValueError):
            my_number_check_digit(bad)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
@settings(max_examples=60)
def test_exactly_one_check_digit_is_valid(first_eleven: str) -> None:
    valid = [d for d in "0123456789" if is_my_number(first_eleven + d)]
    assert valid == [str(my_number_check_digit(first_eleven))]


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("番号は123456789018です", f"番号は{placeholder(MY_NUMBER)}です", (MY_NUMBER,)),
        ("1234-5678-9018 の件", f"{placeholder(MY_NUMBER)} の件", (MY_NUMBER,)),
        ("１２３４ ５６７８ ９０１８", placeholder(MY_NUMBER), (MY_NUMBER,)),
        ("電話は0855-52-2501まで", f"電話は{placeholder(PHONE)}まで", (PHONE,)),
        ("090-1234-5678", placeholder(PHONE), (PHONE,)),
        ("09012345678", placeholder(PHONE), (PHONE,)),
        ("(0855)52-2501", placeholder(PHONE), (PHONE,)),
        ("03(1234)5678", placeholder(PHONE), (PHONE,)),
        ("０８５５－５２－２５０１", placeholder(PHONE), (PHONE,)),
        ("0120-123-456", placeholder(PHONE), (PHONE,)),
        ("+81 90 1234 5678", placeholder(PHONE), (PHONE,)),
        ("＋８１－９０－１２３４－５６７８", placeholder(PHONE), (PHONE,)),
        ("連絡先 yamada.hanako@city.gotsu.lg.jp まで", f"連絡先 {placeholder(EMAIL)} まで", (EMAIL,)),
        ("山田のアドレスはyamada@example.jp", f"山田のアドレスは{placeholder(EMAIL)}", (EMAIL,)),
        ("ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ", placeholder(EMAIL), (EMAIL,)),
        (
            "a@b.jp 0855-52-2501 123456789018",
            f"{placeholder(EMAIL)} {placeholder(PHONE)} {placeholder(MY_NUMBER)}",
            (MY_NUMBER, PHONE, EMAIL),
        ),
    ],
)
def test_personal_data_is_replaced_and_named(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    redaction = redact_personal_data(text)
    assert redaction.text == expected
    assert redaction.kinds == kinds
    assert redaction.notice is not None and all(kind in redaction.notice for kind in kinds)
    assert redaction.notices == (redaction.notice,)


@pytest.mark.parametrize(
    "text",
    [
        "123456789012",  # twelve digits, wrong check digit: an amount or an ID, kept
        "第1.5版 2024-2025年度 1-02 60% 2025年4月1日",
        "KPI:1,200件 予算 12,345,678円",
        "電話番号は代表番号へ",  # the words alone are not personal data
        "0855",  # an area code alone
        "1234567890123",  # thirteen digits
        "https://www.city.gotsu.lg.jp/soshiki/3/",
        "<@U012ABC> <!channel>",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    redaction = redact_personal_data(text)
    assert redaction.text == text
    assert not redaction.redacted and redaction.notice is None and redaction.notices == ()


@given(st.text(max_size=300))
@settings(max_examples=150)
def test_redaction_is_idempotent_and_leaves_no_my_number(text: str) -> None:
    once = redact_personal_data(text)
    twice = redact_personal_data(once.text)
    assert twice.text == once.text and not twice.redacted


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20),
    st.text(alphabet="0123456789", min_size=11, max_size=11),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20),
)
@settings(max_examples=80)
def test_any_valid_my_number_between_words_is_removed(before: str, first_eleven: str, after: str) -> None:
    number = with_check_digit(first_eleven)
    redaction = redact_personal_data(f"{before}{number}{after}")
    assert number not in redaction.text
    assert MY_NUMBER in redaction.kinds
