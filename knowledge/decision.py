"""Per-knowledge-base calibration of the answer / 「もしかして」 / decline decision, made when it is loaded.

The ranking and decision models (knowledge/calibration.json) give every question a confidence in 0..1.
How high a confidence must be before the bot answers depends on the knowledge base: a FAQ of 10,000
long answers gives off-topic questions more to hold on to than the plan's 200 entries. So the two
thresholds are fitted on questions made from the knowledge base itself:

- pseudo-questions that should find their entry: a held-out alternate phrasing (its own phrasing left
  out of the ranking), keywords of the entry's question, and keywords of its answer that the question
  does not use (a resident's other words);
- questions that no entry answers: the shipped pool (knowledge/offtopic_ja.txt), the knowledge base's
  own out-of-scope examples (out_of_scope.yaml, extended by `dxbot kb apply`), the knowledge base's
  topics asked about things a FAQ does not say (「◯◯の求人」), and the pool's questions of city-hall life
  (パスポート, 介護保険, 選挙…) whose topic the knowledge base does not know: a FAQ of twelve entries
  without a word of passports cannot answer 「パスポートの申請に必要なもの」, however well 「申請」 matches.

The answer threshold is where at most `OFF_TOPIC_ANSWERED` of the off-topic questions would be answered,
within bounds around the default fitted offline; 「もしかして」 starts `SUGGEST_BAND` below it, but not
where more than `OFF_TOPIC_SUGGESTED` of the off-topic questions score. The band is wide: a right entry
offered among three choices costs a click, while no answer leaves the resident with nothing (on the FAQ
proxies' dev splits, 0.3 rather than 0.2 offers the right entry first for 37 more of the questions whose
best candidate is right, and shows choices to 13 more of the 94 off-topic ones, none of them answered). The pseudo-questions report how much would then be answered; they are
taken from at most `POSITIVE_ENTRIES` entries, since every one is a ranking at each cold start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

OFF_TOPIC_FILE = Path(__file__).resolve().parent / "offtopic_ja.txt"
# In offtopic_ja.txt, the questions of city-hall life follow the comment line that starts with this.
LIFE_MARKER = "# --- 暮らしと役所の質問"
SAMPLED_ENTRIES = 50
# Of the sampled entries, the first few also give the pseudo-questions that should find their entry: they
# only report how much would be answered (the thresholds come from the off-topic side), and each costs a
# ranking at every cold start.
POSITIVE_ENTRIES = 20
OFF_TOPIC_ANSWERED = 0.05
MAX_SHIFT_DOWN = 0.2
MAX_SHIFT_UP = 0.05
MAX_SHIFT_UP_CURATED = 0.0
SUGGEST_BAND = 0.3
OFF_TOPIC_SUGGESTED = 0.25
# Topics of the knowledge base asked about what a FAQ does not say.
NEAR_MISS_TEMPLATES = ("{}の求人情報", "{}の口コミ", "{}を英語で説明して", "{}の歴史", "{}のおすすめランキング")


@dataclass(frozen=True)
class Thresholds:
    answer: float
    suggest: float
    # How they were set, for logs and `kb check`: "fitted on N questions" or "default".
    basis: str = "default"


def _pool_sections() -> tuple[list[str], list[str]]:
    general: list[str] = []
    life: list[str] = []
    current = general
    for line in OFF_TOPIC_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith(LIFE_MARKER):
            current = life
        elif line.strip() and not line.startswith("#"):
            current.append(line.strip())
    return general, life


def off_topic_pool() -> list[str]:
    """Questions no municipal FAQ answers (weather, recipes, games…)."""
    return _pool_sections()[0]


def life_pool() -> list[str]:
    """Questions of city-hall life, off topic for a FAQ that does not know their topic (their first noun)."""
    return _pool_sections()[1]


def pool_digest(kb_out_of_scope: Sequence[str]) -> str:
    h = hashlib.sha256(OFF_TOPIC_FILE.read_bytes())
    for question in kb_out_of_scope:
        h.update(question.encode("utf-8") + b"\x1f")
    return h.hexdigest()


@dataclass(frozen=True)
class PseudoQuestion:
    text: str
    entry: int | None  # the entry that answers it; None: off topic
    exclude_phrase: int | None = None  # a held-out phrasing, left out of the ranking


def choose_thresholds(
    positive: np.ndarray, right: np.ndarray, off_topic: np.ndarray, default: Thresholds, curated: bool = False
) -> Thresholds:
    """The answer threshold where at most `OFF_TOPIC_ANSWERED` of the off-topic questions would be
    answered, kept within `MAX_SHIFT_DOWN`/`MAX_SHIFT_UP` of the fitted default (a small or odd knowledge
    base must not swing the bot into answering everything or nothing); 「もしかして」 below it."""
    if len(off_topic) < 20 or len(positive) < 20:
        return default
    wanted = float(np.quantile(off_topic, 1 - OFF_TOPIC_ANSWERED))
    # A curated knowledge base (entries with alternates) is what the default was fitted on (the plan, its
    # phrasings split in two): it moves little. A FAQ set of one phrasing per entry may move further.
    up = MAX_SHIFT_UP_CURATED if curated else MAX_SHIFT_UP
    answer = min(default.answer + up, max(default.answer - MAX_SHIFT_DOWN, wanted))
    suggest_floor = float(np.quantile(off_topic, 1 - OFF_TOPIC_SUGGESTED))
    suggest = min(answer - 0.02, max(answer - SUGGEST_BAND, suggest_floor))
    answered = positive >= answer
    basis = (
        f"fitted on {len(off_topic)} off-topic and {len(positive)} pseudo-questions "
        f"({answered.mean():.0%} of these answered, {right[answered].mean() if answered.any() else 0:.0%} right)"
    )
    return Thresholds(round(answer, 2), round(max(0.05, suggest), 2), basis)


def pseudo_questions(
    entries: Sequence, phrase_starts: Sequence[int], phrase_counts: Sequence[int],
    content_words: Callable[[str], list[tuple[str, bool]]], out_of_scope: Sequence[str],
    knows_topic: Callable[[str], bool] | None = None,
) -> list[PseudoQuestion]:
    """The calibration questions for one knowledge base (deterministic). `knows_topic(question)`: whether
    the knowledge base has the question's topic at all; without it, the city-hall life questions are left out."""
    n = len(entries)
    step = max(1, -(-n // SAMPLED_ENTRIES))
    questions: list[PseudoQuestion] = []
    topics: list[str] = []
    sampled_indexes = range(0, n, step)
    positive_step = max(1, -(-len(sampled_indexes) // POSITIVE_ENTRIES))
    for sampled, index in enumerate(sampled_indexes):
        entry = entries[index]
        positive = sampled % positive_step == 0
        question_words = content_words(entry.question)
        nouns = [w for w, noun in question_words if noun]
        if nouns:
            topics.append(nouns[0])
        if not positive:
            continue
        if phrase_counts[index] > 1:
            held_out = phrase_starts[index] + phrase_counts[index] - 1
            questions.append(PseudoQuestion(entry.phrasings[phrase_counts[index] - 1], index, held_out))
        if nouns:
            questions.append(PseudoQuestion(" ".join(dict.fromkeys(nouns[:2])), index))
        seen = {w for w, _ in question_words}
        answer_nouns = [w for w, noun in content_words(entry.answer[:200]) if noun and w not in seen and len(w) > 1]
        if len(answer_nouns) >= 2:
            questions.append(PseudoQuestion(" ".join(dict.fromkeys(answer_nouns[:2])), index))
    off_topic = [*off_topic_pool(), *out_of_scope]
    off_topic += [NEAR_MISS_TEMPLATES[i % len(NEAR_MISS_TEMPLATES)].format(t) for i, t in enumerate(topics[::3])]
    if knows_topic is not None:
        off_topic += [q for q in life_pool() if not knows_topic(q)]
    questions += [PseudoQuestion(q, None) for q in off_topic]
    return questions
