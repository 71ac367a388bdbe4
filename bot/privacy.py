"""Personal data guard: what looks like a My Number, a phone number or an e-mail address is never stored.

Questions and report notes are free text, and staff paste things into chat that nobody asked the bot to
keep. Before such text is written, `redact_personal_data` replaces those parts with a placeholder and says
what it removed, so the user can be told (the notice is Japanese, like everything the bot says).

Numbers are recognised with the separators people type, half- or full-width: none, hyphens and dashes
(and the ー an IME puts in), dots (`090.1234.5678`, `1234.5678.9018`), spaces and the middle dot ・.
Full-width digits, letters, ＠ and ． are recognised too (`\\d` matches any Unicode decimal digit).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from knowledge import patterns

MY_NUMBER = "マイナンバー"
PHONE = "電話番号"
EMAIL = "メールアドレス"
_KIND_ORDER = (MY_NUMBER, PHONE, EMAIL)

# space, ideographic space, the dashes Japanese IMEs produce, dots and middle dots (half- and full-width)
_SEP = "[ \u3000\\-‐‑–—−ー－.．・･]"
# 12 digits, optionally grouped 4-4-4, not part of a longer number.
_MY_NUMBER = patterns.compile(rf"(?<!\d)(\d{{4}}){_SEP}?(\d{{4}}){_SEP}?(\d{{4}})(?!\d)")
# Domestic 0AB…: 10 or 11 digits in all, separators or parentheses between groups; or +81 and 9–10 digits.
_PHONE_SEP = "[ \u3000\\-‐‑–—−ー－.．・･()（）]"
_PHONE = patterns.compile(
    rf"(?<![\d+＋.．])(?:[+＋][8８][1１]{_PHONE_SEP}?(?:[(（][0０][)）])?{_PHONE_SEP}?(?:\d{_PHONE_SEP}?){{8,9}}\d"
    rf"|[(（]?[0０](?:\d{_PHONE_SEP}?){{8,9}}\d)(?!\d)"
)
_LOCAL = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９._%+\\-．＿％＋－"  # the local part, with the full-width forms of its marks
_LABEL = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９\\-－"
_EMAIL = patterns.compile(rf"(?<![{_LOCAL}])[{_LOCAL}]+[@＠][{_LABEL}]+(?:[.．][{_LABEL}]+)+")
# Weights Q_n for the n-th digit counted from the right, check digit excluded (n = 1..11).
_MY_NUMBER_WEIGHTS = tuple(n + 1 if n <= 6 else n - 5 for n in range(1, 12))


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit of a My Number (個人番号) from its first 11 digits.

    The official algorithm (番号法施行令 第8条): with P_n the n-th digit from the right and Q_n = n + 1
    for n ≤ 6, n − 5 for n ≥ 7, the remainder r = Σ P_n × Q_n mod 11 gives 0 when r ≤ 1, else 11 − r.
    """
    if len(first_eleven) != 11 or not first_eleven.isdecimal():
        raise ValueError("a My Number check digit needs exactly 11 digits")
    digits = [int(ch) for ch in reversed(first_eleven)]
    remainder = sum(p * q for p, q in zip(digits, _MY_NUMBER_WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(digits: str) -> bool:
    """Twelve digits whose last one is the right check digit."""
    return len(digits) == 12 and digits.isdecimal() and my_number_check_digit(digits[:11]) == int(digits[11])


def storable_text(text: str) -> str:
    """Text as it may be stored: control characters other than line breaks and tabs dropped (PostgreSQL refuses a
    NUL in a text column; the others only ever made trouble on a screen)."""
    return "".join(c for c in text if c in "\n\r\t" or unicodedata.category(c) != "Cc")


def placeholder(kind: str) -> str:
    return f"［{kind}］"


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: tuple[str, ...] = ()  # what was removed, each kind once, in a fixed order

    @property
    def redacted(self) -> bool:
        return bool(self.kinds)

    @property
    def notice(self) -> str | None:
        """The Japanese notice for the user, or None when nothing was removed."""
        if not self.kinds:
            return None
        return (
            f"個人情報と思われる部分（{'・'.join(self.kinds)}）を伏せて記録しました。"
            "個人情報はチャットに書き込まないでください。"
        )

    @property
    def notices(self) -> tuple[str, ...]:
        return (self.notice,) if self.notice else ()


def redact_personal_data(text: str) -> Redaction:
    """`text` with My Numbers, phone numbers and e-mail addresses replaced by placeholders. Idempotent."""
    found: set[str] = set()

    def my_number(match: re.Match[str]) -> str:
        if not is_my_number("".join(match.groups())):
            return match.group(0)  # twelve digits without a valid check digit: an amount, an ID…
        found.add(MY_NUMBER)
        return placeholder(MY_NUMBER)

    def replace(kind: str) -> Callable[[re.Match[str]], str]:
        def sub(_match: re.Match[str]) -> str:
            found.add(kind)
            return placeholder(kind)

        return sub

    text = _MY_NUMBER.sub(my_number, text)
    text = _PHONE.sub(replace(PHONE), text)
    text = _EMAIL.sub(replace(EMAIL), text)
    return Redaction(text, tuple(kind for kind in _KIND_ORDER if kind in found))
