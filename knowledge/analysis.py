"""Turns Japanese text into the terms the engine indexes: Sudachi words, glossary concepts, bigrams."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sudachipy import Dictionary, SplitMode

from knowledge.normalize import char_ngrams, fold_for_match, normalize_text

# Parts of speech that carry no topic: particles, auxiliaries, symbols, pronouns, interjections…
_SKIP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白", "代名詞", "感動詞", "接続詞", "連体詞"}

# Words that make a question a question but say nothing about its topic. Compared in folded form.
_QUESTION_WORDS = """
何 なに なん 何人 何名 誰 だれ いつ どこ どう どの どれ どんな どのよう なぜ 何故 いくつ いくら 幾つ
ある いる する なる できる 出来る 言う いう 思う 教える 知る 分かる わかる 聞く 伺う 調べる 見る 下さる くださる
いい 良い よい 欲しい ほしい 方 かた 人 こと もの 物 事 ため 為 よう 様 件 所 ところ 場合 等 など 時 とき
ください 下さい お願い 願う 質問 回答 答え 教え 知りたい 確認 について 関する 関係 的 中 内 以外 以上 感じ
今 現在 ちょっと 少し 具体 具体的 一体 結局 本当 ほんと 実際 それ これ あれ ここ そこ 誰か 何か
です ます でしょう だろう じゃ って っけ か ね よ の
""".split()
_QUESTION_FOLDED = {fold_for_match(word) for word in _QUESTION_WORDS}

_ASCII_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Unit:
    """One content word (Sudachi mode C) with its parts (mode A) when it is a compound."""

    term: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """What the engine needs of one text."""

    folded: str
    units: tuple[Unit, ...]
    words: tuple[str, ...]
    concepts: tuple[str, ...]
    bigrams: tuple[str, ...]
    concept_forms: tuple[tuple[str, str], ...] = ()

    @property
    def word_terms(self) -> tuple[str, ...]:
        return self.words + self.concepts


class Glossary:
    """Synonym groups: every surface form of a group maps to one concept id (its first term)."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self._forms: list[tuple[str, str, bool]] = []
        self.groups: list[tuple[str, ...]] = []
        seen: set[str] = set()
        for group in groups:
            terms = tuple(t for t in group if str(t).strip())
            if not terms:
                continue
            self.groups.append(terms)
            concept = "syn:" + fold_for_match(str(terms[0]))
            for term in terms:
                form = fold_for_match(str(term))
                if not form or (form, concept) in seen:
                    continue
                seen.add((form, concept))  # type: ignore[arg-type]
                self._forms.append((form, concept, bool(_ASCII_WORD.fullmatch(form[0]))))
        # Longest first, so ガバメントクラウド wins over クラウド when both are forms.
        self._forms.sort(key=lambda item: -len(item[0]))

    def concepts_in(self, folded: str) -> list[str]:
        """Concept ids whose surface forms occur in `folded`; cost grows with the glossary, not the KB."""
        return list(dict.fromkeys(concept for concept, _form in self.matches_in(folded)))

    def matches_in(self, folded: str) -> list[tuple[str, str]]:
        """(concept id, surface form found) pairs for `folded`."""
        found: list[tuple[str, str]] = []
        for form, concept, is_ascii in self._forms:
            start = folded.find(form)
            while start >= 0:
                end = start + len(form)
                # "ai" must not match inside "mail": ASCII forms need non-ASCII neighbours.
                if not is_ascii or (
                    (start == 0 or not folded[start - 1].isascii() or not folded[start - 1].isalnum())
                    and (end == len(folded) or not folded[end].isascii() or not folded[end].isalnum())
                ):
                    found.append((concept, form))
                    break
                start = folded.find(form, start + 1)
        return found


class Analyzer:
    """Sudachi-based analysis. Build once: loading the dictionary takes a fraction of a second."""

    def __init__(self, glossary: Glossary | None = None) -> None:
        self._tokenizer = Dictionary(dict="core").tokenizer(SplitMode.C)
        self.glossary = glossary or Glossary([])

    def units(self, text: str) -> list[Unit]:
        """Content words as folded normalized forms (mode C), each with its mode-A parts."""
        normalized = normalize_text(text)
        if not normalized:
            return []
        out: list[Unit] = []
        for morpheme in self._tokenizer.tokenize(normalized, SplitMode.C):
            pos = morpheme.part_of_speech()
            if pos[0] in _SKIP_POS or pos[1] == "非自立可能":
                continue
            # Sudachi normalizes 2.0 to 2; in this domain version numbers must stay as written.
            form = morpheme.surface() if pos[1] == "数詞" else morpheme.normalized_form()
            term = fold_for_match(form)
            if not term or term in _QUESTION_FOLDED:
                continue
            parts: list[str] = []
            split = morpheme.split(SplitMode.A)
            if len(split) > 1:
                for part in split:
                    part_term = fold_for_match(part.normalized_form())
                    if part_term and part_term != term and part_term not in _QUESTION_FOLDED:
                        parts.append(part_term)
            out.append(Unit(term, tuple(parts)))
        return out

    def analyze(self, text: str) -> Analysis:
        folded = fold_for_match(text)
        units = self.units(text)
        words = [w for unit in units for w in (unit.term, *unit.parts)]
        matches = self.glossary.matches_in(folded)
        return Analysis(
            folded=folded,
            units=tuple(units),
            words=tuple(words),
            concepts=tuple(dict.fromkeys(concept for concept, _ in matches)),
            bigrams=tuple(char_ngrams(folded, 2)),
            concept_forms=tuple(matches),
        )

