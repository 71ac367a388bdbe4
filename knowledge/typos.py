"""One-letter typos of the plan's own names: 「リモード窓口」, 「ナッヂ理論」, 「政策企格課」, 「窓ロ」.

The engine asks this only when a question got no answer as typed: the question with each name of the plan
it misspells by one letter (a letter replaced, added or dropped, in a name of four letters or more) put
right is matched again. Only a misspelling that is close to exactly one name is corrected, and a name
already in the question is never touched, so a question that was fine stays as it was.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

from knowledge import patterns

MIN_NAME = 4  # shorter names (WG, 本部) are one letter away from too many words
# The katakana ロ typed for the kanji 口 (窓ロ, 入ロ): between or after kanji it is the kanji.
_HIRAGANA = patterns.compile(r"[ぁ-ゖー・]+")
_KATAKANA_RO = patterns.compile(r"(?<=[一-龥])ロ(?![ァ-ヶー])")


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


class TypoCorrector:
    def __init__(self, names: Iterable[str]) -> None:
        plain = {_plain(n) for n in names}
        # Readings in hiragana (しちょう) are one letter from too many phrases (名簿ちょうだい).
        self._names = sorted(
            (n for n in plain if len(n) >= MIN_NAME and not n.isascii() and not _HIRAGANA.fullmatch(n)),
            key=len,
            reverse=True,
        )

    def correct(self, question: str) -> str:
        """`question` with its one-letter misspellings of the plan's names put right (the same text if none)."""
        original = _plain(question)
        text = _KATAKANA_RO.sub("口", original)
        for name in self._names:
            # One edit leaves the first two letters or the last two of a name of four or more as they are.
            if name in text or (name[:2] not in text and name[-2:] not in text):
                continue
            spans = self._near(text, name)
            if len(spans) != 1:
                continue
            start, end = spans[0]
            if any(other != name and other in text[start:end] for other in self._names):
                continue  # the window is another name of the plan (plus a letter): not a typo of this one
            if any(other != name and _inside(text, other, start, end) for other in self._names):
                continue  # the window is part of another name of the plan (DX推進リ of DX推進リーダー, not DX推進L)
            text = text[:start] + name + text[end:]
        return question if text == original else text

    @staticmethod
    def _near(text: str, name: str) -> list[tuple[int, int]]:
        """The windows of `text` one edit from `name` (overlapping ones count once)."""
        found: list[tuple[int, int]] = []
        for size in (len(name), len(name) - 1, len(name) + 1):
            for start in range(0, len(text) - size + 1):
                window = text[start : start + size]
                if window[0] != name[0] and window[-1] != name[-1]:
                    continue  # a typo keeps one end of the name: cheap to test, and fewer false friends
                if Levenshtein.distance(window, name, score_cutoff=1) <= 1:
                    end = start + size
                    longer = text[start : end + 1]
                    if (
                        size == len(name) and len(longer) > size and longer[-1] == name[-1] and window[-1] != name[-1]
                        and Levenshtein.distance(longer, name, score_cutoff=1) <= 1
                    ):
                        end += 1  # ロジックモデエル: a letter added, not the last one replaced (not ロジックモデルル)
                    if not any(s < end and start < e for s, e in found):
                        found.append((start, end))
        return found


def _inside(text: str, name: str, start: int, end: int) -> bool:
    """Whether text[start:end] overlaps an occurrence of `name` in `text`."""
    at = text.find(name)
    while at >= 0:
        if at < end and start < at + len(name):
            return True
        at = text.find(name, at + 1)
    return False
