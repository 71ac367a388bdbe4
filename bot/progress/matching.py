"""Finding an initiative by what staff type: its ID, or a partial, kana or typo'd name or alias."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.errors import UserError
from bot.replies import Command, UserText, bullets, para
from knowledge import patterns
from knowledge.normalize import fold_for_match
from storage.progress import InitiativeRecord

_INITIATIVE_ID = patterns.compile(r"^([1-9])\s*[-ー‐−の]\s*(\d{1,2})$")


class AmbiguousInitiative(UserError):
    """Several initiatives fit; the user picks one (nothing was recorded). Adapters may offer buttons."""

    def __init__(self, query: str, candidates: Sequence[InitiativeRecord], example: str) -> None:
        super().__init__(
            para("「", UserText(query), "」に当てはまる取組みが複数あります。どれですか？"),
            bullets(f"{c.id} {c.name}" for c in candidates),
            para("ID で指定して、もう一度送ってください（例: ", Command(example.format(id=candidates[0].id)), "）。"),
        )
        self.query = query
        self.candidates = tuple(candidates)


class UnknownInitiative(UserError):
    def __init__(self, query: str, usage: str | None = None) -> None:
        super().__init__(
            para(
                "取組み「", UserText(query), "」が見つかりませんでした。取組みの名前の一部か ID（例: 1-02）で指定してください。",
                "取組みと ID の一覧は ", Command("一覧"), " で見られます。",
            ),
            [para("書き方: ", Command(usage))] if usage else [],
        )
        self.query = query


class SudachiReader:
    """Katakana readings (学童 → ガクドウ), so that kana input finds kanji names. Thread-safe."""

    def __init__(self) -> None:
        from sudachipy import SplitMode

        from knowledge.analysis import sudachi_dictionary

        self._tokenizer = sudachi_dictionary().tokenizer(SplitMode.C)
        self._lock = threading.Lock()  # a Sudachi tokenizer must not be shared between threads at once

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
        if not text:
            return ""
        with self._lock:
            morphemes = self._tokenizer.tokenize(text)
            return "".join(m.reading_form() for m in morphemes if m.part_of_speech()[0] not in ("空白", "補助記号"))


@dataclass(frozen=True)
class _Form:
    initiative: int
    folded: str
    reading: bool


class InitiativeMatcher:
    """Finds an initiative by ID or (partial, kana, typo'd) name or alias, with the FAQ's folding.

    Score per form, 0–100: equal 100; the query inside a name 80–95 by how much of it the query covers;
    a name inside the query 75–90; otherwise rapidfuzz similarity. Matches through readings score 3 less,
    so a written alias wins over a homophone (電子決済 / 電子決裁).
    """

    MIN_SCORE = 70.0
    MARGIN = 6.0
    READING_PENALTY = 3.0
    MAX_CHOICES = 5

    def __init__(
        self,
        initiatives: Sequence[InitiativeRecord],
        aliases: Mapping[str, Sequence[str]] | None = None,
        reader: Callable[[str], str] | None = None,
    ) -> None:
        self.initiatives = tuple(initiatives)
        self._by_id = {i.id: i for i in self.initiatives}
        self._reader = reader
        forms: list[_Form] = []
        seen: set[tuple[int, str, bool]] = set()
        for index, initiative in enumerate(self.initiatives):
            for phrase in (initiative.name, *(aliases or {}).get(initiative.id, ())):
                variants = [(fold_for_match(phrase), False)]
                if reader is not None:
                    variants.append((fold_for_match(reader(phrase)), True))
                for folded, reading in variants:
                    if folded and (index, folded, reading) not in seen:
                        seen.add((index, folded, reading))
                        forms.append(_Form(index, folded, reading))
        self._forms = tuple(forms)
        exact: dict[str, set[int]] = {}
        for form in forms:
            if not form.reading:
                exact.setdefault(form.folded, set()).add(form.initiative)
        # A written name or alias typed exactly: no need to score anything.
        self._exact = {folded: self.initiatives[next(iter(ids))] for folded, ids in exact.items() if len(ids) == 1}

    def get(self, initiative_id: str) -> InitiativeRecord | None:
        return self._by_id.get(initiative_id)

    def by_id(self, text: str) -> InitiativeRecord | None | bool:
        """The initiative an ID-looking text names; None if it names none; False if it is not an ID."""
        found = _INITIATIVE_ID.match(unicodedata.normalize("NFKC", text).strip())
        if found is None:
            return False
        return self._by_id.get(f"{found.group(1)}-{int(found.group(2)):02d}")

    @staticmethod
    def _score(query: str, form: str) -> float:
        if query == form:
            return 100.0
        if len(query) >= 2 and query in form:
            return 80.0 + 15.0 * len(query) / len(form)
        if len(form) >= 2 and form in query:
            return 75.0 + 15.0 * len(form) / len(query)
        return float(fuzz.ratio(query, form))

    def rank(self, query: str) -> list[tuple[InitiativeRecord, float]]:
        """Initiatives by score, best first (only those scoring anything)."""
        folded = fold_for_match(query)
        if not folded:
            return []
        reading = fold_for_match(self._reader(query)) if self._reader is not None else ""
        best: dict[int, float] = {}
        for form in self._forms:
            if form.reading:
                score = max(self._score(folded, form.folded), self._score(reading, form.folded) if reading else 0.0)
                score -= self.READING_PENALTY
            else:
                score = self._score(folded, form.folded)
            if score > best.get(form.initiative, 0.0):
                best[form.initiative] = score
        ordered = sorted(best.items(), key=lambda item: (-item[1], self.initiatives[item[0]].id))
        return [(self.initiatives[i], s) for i, s in ordered if s > 0]

    def resolve(self, query: str, example: str = "状況 {id}", usage: str | None = None) -> InitiativeRecord:
        """Exactly one initiative, or UnknownInitiative / AmbiguousInitiative (`example` shows how to pick one)."""
        query = query.strip()
        if not query:
            raise UnknownInitiative(query, usage)
        first = query.split()[0]
        by_id = self.by_id(first)  # "1-02 書かない窓口" as copied from `一覧`
        if by_id is None:
            raise UserError(para("ID「", UserText(first), "」の取組みはありません。取組みと ID の一覧は ", Command("一覧"), " で見られます。"))
        if by_id is not False:
            return by_id  # type: ignore[return-value]
        exact = self._exact.get(fold_for_match(query))
        if exact is not None:
            return exact
        ranked = [(i, s) for i, s in self.rank(query) if s >= self.MIN_SCORE]
        if not ranked:
            raise UnknownInitiative(query, usage)
        top, top_score = ranked[0]
        if top_score >= 100.0 and (len(ranked) == 1 or ranked[1][1] < 100.0):
            return top
        close = [i for i, s in ranked if s >= top_score - self.MARGIN]
        if len(close) == 1:
            return top
        raise AmbiguousInitiative(query, close[: self.MAX_CHOICES], example)
