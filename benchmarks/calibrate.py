"""Fit the engine's calibration (knowledge/calibration.json) on data that is NOT the plan evaluation set.

Training queries:
- the bundled knowledge base split in two: each entry keeps half of its phrasings in the index, the
  other half (the canonical question included) are asked (label: is the best candidate that entry);
- the city-hall resident queries (tests/eval/cityfaq_queries.jsonl) asked to the plan: all out of scope;
- plan topics asked about attributes the plan never covers (予算, 担当者, …): the hard out-of-scope kind;
- the city-hall FAQ set in its own domain (a CSV without alternates, like the FAQ sets people load
  with --kb file.csv), with the DEVELOPMENT half of its queries only: the even lines (0, 2, 4, …).
  The odd lines are held out; benchmarks/eval_engine.py and tests/unit/test_eval_bar.py report them.
  --without-city-domain leaves this source out.

Two logistic models: `ranking` per candidate (is it the right entry), then `decision` per question (is
the best candidate right), on the best candidate's features, its ranking score and its lead. The answer
threshold maximizes the share of answerable questions answered right plus the share of out-of-scope
questions not answered.

    python benchmarks/calibrate.py [--write] [--faq-only] [--without-city-domain]

--faq-only refits (and writes) only the models for FAQ sets of one phrasing per entry (`single_ranking`,
`single_decision`) and keeps the curated-KB models as they are: the plan's evaluation floors
(tests/unit/test_eval_bar.py) were measured with those. --faq-decision-only refits `single_decision` alone,
on the ranking model in the file.

--faq-decision-loo fits `single_decision` the same way once per FAQ proxy set, on the development splits of
the other three (each with the off-topic pool and its cut-down FAQs), and prints the decision figures of the
left-out set's development split with that model and its own load-time thresholds: how the decision carries to
a city FAQ it has never seen. It writes nothing. (The shipped model learns from cityfaq and townfaq, so their
own dev figures are optimistic; villagefaq and hamafaq are left out of it.)

The single-phrasing decision model also learns from the FAQ sets cut down (`faq_subsets`): a third of the
entries dropped, whose queries then have no answer left (the near misses a real FAQ meets: the question is
about the FAQ's world, the entry that would answer it is not there), and small FAQs of 12 to 80 entries (a
town's short list), asked the queries of their own entries and of others. Only development queries are used.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.decision import off_topic_pool  # noqa: E402
from knowledge.engine import CALIBRATION_FILE, Calibration, FaqEngine, Features, decision_vector  # noqa: E402
from knowledge.evaluation import read_jsonl  # noqa: E402
from knowledge.kb import KnowledgeBase, load_kb  # noqa: E402

EVAL = ROOT / "tests" / "eval"
PROXY = EVAL / "faq_proxy"
TIE = 0.95
SUGGEST_BAND = 0.1
LISTWISE = "--pointwise" not in sys.argv
DEPTH = 5  # candidates per training question for the ranking models
CITY_SOURCE = "city-hall FAQ, development half (single-phrasing ranking only)"

# Attributes the plan never speaks of (none of these words occurs in the plan text). Asked about a topic
# the plan does cover, they make the hard kind of out-of-scope question.
UNCOVERED_ATTRIBUTES = [
    "{}の予算はいくら？", "{}の費用は？", "{}の担当者は誰？", "{}のベンダーはどこ？", "{}の締め切りはいつ？",
    "{}の実績件数は？", "{}の満足度は？", "{}の問題点は？", "{}の会議室はどこ？", "{}の手当は出る？",
]

Query = tuple[str, set[str]]


def split_kb(kb: KnowledgeBase) -> tuple[KnowledgeBase, list[Query]]:
    """Index the odd phrasings, ask the even ones (the canonical question is phrasing 0)."""
    entries, queries = [], []
    for entry in kb.entries:
        phrasings = entry.phrasings
        kept = [p for i, p in enumerate(phrasings) if i % 2 == 1]
        asked = [p for i, p in enumerate(phrasings) if i % 2 == 0]
        entries.append(replace(entry, question=kept[0], alternates=tuple(kept[1:])))
        queries += [(q, {entry.id}) for q in asked]
    return replace(kb, entries=tuple(entries)), queries


def proxy_dev(path: Path) -> list[Query]:
    """The dev split of a FAQ proxy set; the test split is for reporting only."""
    return [(r["q"], set(r["relevant"])) for r in read_jsonl(path) if r["split"] == "dev"]


def city_development(rows: list[dict]) -> list[dict]:
    """The even lines of cityfaq_queries.jsonl; the odd ones are the held-out half."""
    return rows[0::2]


def synthetic_out_of_scope(kb: KnowledgeBase) -> list[Query]:
    topics = [i.name for i in kb.initiatives] + [group[0] for group in kb.synonyms]
    return [
        (template.format(topic), set())
        for n, topic in enumerate(topics)
        for template in UNCOVERED_ATTRIBUTES[n % 3 :: 3]
    ]


SUBSET_SEED = 7
DROPPED_SUBSETS = 3
SMALL_SIZES = (12, 20, 40, 80, 12, 20, 40, 12, 30, 60)
POOL_PER_SMALL = 10


def faq_subsets(kb: KnowledgeBase, queries: list[Query], pool: list[Query]) -> list[tuple[str, KnowledgeBase, list[Query]]]:
    """The FAQ cut down (deterministic): a third of its entries dropped, and small FAQs of a few entries. A
    query whose entries are all gone has no answer there."""
    rng = random.Random(SUBSET_SEED)
    ids = [e.id for e in kb.entries]
    out = []
    for n in range(DROPPED_SUBSETS):
        kept = set(rng.sample(ids, len(ids) * 2 // 3))
        sub = replace(kb, entries=tuple(e for e in kb.entries if e.id in kept))
        out.append((f"dropped {n}", sub, [(q, expected & kept) for q, expected in queries]))
    for size in SMALL_SIZES:
        kept = set(rng.sample(ids, min(size, len(ids))))
        sub = replace(kb, entries=tuple(e for e in kb.entries if e.id in kept))
        own = [(q, expected & kept) for q, expected in queries if expected & kept]
        others = [(q, set()) for q, expected in queries if expected and not expected & kept]
        asked = own + rng.sample(others, min(len(others), len(own) + 5)) + rng.sample(pool, min(len(pool), POOL_PER_SMALL))
        out.append((f"small {size}", sub, asked))
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 20000, lr: float = 1.0) -> np.ndarray:
    """Plain gradient descent on standardized inputs; returns weights for the raw inputs, bias last."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(xs.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xs @ w))
        w -= lr * (xs.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0])
    raw = w[:-1] / std
    return np.r_[raw, w[-1] - float(np.dot(raw, mean))]


def fit_listwise(x: np.ndarray, y: np.ndarray, qid: np.ndarray, l2: float = 1e-3, steps: int = 3000, lr: float = 0.5) -> np.ndarray:
    """Softmax over each question's candidates (the right one should come first), then a logistic on
    the resulting score so that it reads as a probability again. Weights for raw inputs, bias last."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = (x - mean) / std
    w = np.zeros(xs.shape[1])
    n_q = qid.max() + 1
    has_right = np.bincount(qid, weights=y, minlength=n_q) > 0
    use = has_right[qid]
    xs_u, y_u, q_u = xs[use], y[use], qid[use]
    yn = y_u / np.bincount(q_u, weights=y_u, minlength=n_q)[q_u]
    for _ in range(steps):
        z = xs_u @ w
        z = z - np.bincount(q_u, weights=z, minlength=n_q)[q_u] / np.maximum(1, np.bincount(q_u, minlength=n_q))[q_u]
        e = np.exp(np.clip(z, -30, 30))
        p = e / np.bincount(q_u, weights=e, minlength=n_q)[q_u]
        w -= lr * (xs_u.T @ (p - yn) / has_right.sum() + l2 * w)
    score = xs @ w
    platt = fit_logistic(score[:, None], y)
    raw = platt[0] * w / std
    return np.r_[raw, platt[1] - float(np.dot(raw, mean))]


def as_weights(names: tuple[str, ...], w: np.ndarray) -> dict[str, float]:
    return {**{n: round(float(v), 4) for n, v in zip(names, w[:-1], strict=True)}, "bias": round(float(w[-1]), 4)}


def fit_single_decision(
    selected: list[tuple[str, KnowledgeBase, list[Query]]], engines: dict[int, FaqEngine], staged: Calibration
) -> dict[str, float]:
    """The decision model of FAQ sets of one phrasing per entry: is the best candidate right?"""
    sx, sy = [], []
    for _name, kb, queries in selected:
        engine = engines[id(kb)]
        engine.calibration = staged
        for q, expected in queries:
            ranked = engine.ranked(q)[1]
            if ranked:
                sx.append(decision_vector(ranked))
                sy.append(float(engine.entries[ranked[0][0]].id in expected))
    print(f"single-phrasing decision model: {len(sy)} questions from {len(selected)} FAQ sets, "
          f"{int(sum(sy))} with the right entry first")
    return as_weights(Features.DECISION_NAMES, fit_logistic(np.array(sx), np.array(sy)))


FAQ_PROXY_SETS = (
    ("cityfaq_hard", EVAL / "cityfaq.csv", PROXY / "cityfaq_hard.jsonl"),
    ("townfaq", PROXY / "townfaq.csv", PROXY / "townfaq_queries.jsonl"),
    ("villagefaq", PROXY / "villagefaq.csv", PROXY / "villagefaq_queries.jsonl"),
    ("hamafaq", PROXY / "hamafaq.csv", PROXY / "hamafaq_queries.jsonl"),
)


def decision_leave_one_out() -> None:
    """`--faq-decision-loo`: the FAQ decision model fitted without each proxy set, scored on that set's dev split."""
    from knowledge.evaluation import evaluate_faq_proxy

    pool = [(q, set()) for q in off_topic_pool()]
    current = Calibration.load()
    per_set: dict[str, list[tuple[str, KnowledgeBase, list[Query]]]] = {}
    for name, kb_path, queries_path in FAQ_PROXY_SETS:
        kb = load_kb(kb_path)
        dev = proxy_dev(queries_path)
        per_set[name] = [(name, kb, dev + pool), *((f"{name} {n}", sub, qs) for n, sub, qs in faq_subsets(kb, dev, pool))]
    engines = {id(kb): FaqEngine(kb, calibrate=False) for sources in per_set.values() for _, kb, _ in sources}
    for held, _kb_path, queries_path in FAQ_PROXY_SETS:
        selected = [s for name, sources in per_set.items() if name != held for s in sources]
        model = fit_single_decision(selected, engines, current)
        engine = FaqEngine(per_set[held][0][1], calibration=replace(current, single_decision=model))
        rows = [r for r in read_jsonl(queries_path) if r["split"] == "dev"]
        report = evaluate_faq_proxy(engine, rows)
        print(f"left out {held} (dev, answer {engine.thresholds.answer}): {report.summary()}", flush=True)


def main() -> None:
    if "--faq-decision-loo" in sys.argv:
        decision_leave_one_out()
        return
    plan = load_kb()
    train_kb, plan_queries = split_kb(plan)
    sources: list[tuple[str, KnowledgeBase, list[Query]]] = [("plan, split phrasings", train_kb, plan_queries)]
    city_rows = read_jsonl(EVAL / "cityfaq_queries.jsonl")
    sources.append(("city-hall queries to the plan (out of scope)", plan, [(r["q"], set()) for r in city_rows]))
    sources.append(("plan topics × uncovered attributes (out of scope)", plan, synthetic_out_of_scope(plan)))
    faq_sources: list[tuple[str, KnowledgeBase, list[Query]]] = []
    if "--without-city-domain" not in sys.argv:
        city_kb = load_kb(EVAL / "cityfaq.csv")
        development = [(r["q"], set(r["expected"])) for r in city_development(city_rows)]
        sources.append((CITY_SOURCE, city_kb, development))
        # FAQ-shaped knowledge bases for the single-phrasing decision model: every old city query, the dev
        # split of the FAQ proxies (never their test split), and the shipped off-topic pool asked to both.
        pool = [(q, set()) for q in off_topic_pool()]
        town_kb = load_kb(PROXY / "townfaq.csv")
        city_queries = [(r["q"], set(r["expected"])) for r in city_rows] + proxy_dev(PROXY / "cityfaq_hard.jsonl")
        town_queries = proxy_dev(PROXY / "townfaq_queries.jsonl")
        faq_sources = [
            ("city FAQ: old queries, proxy dev split, off-topic pool", city_kb, city_queries + pool),
            ("town FAQ: proxy dev split, off-topic pool", town_kb, town_queries + pool),
        ]
        decision_only_sources = [
            *(("city FAQ " + n, kb, qs) for n, kb, qs in faq_subsets(city_kb, city_queries, pool)),
            *(("town FAQ " + n, kb, qs) for n, kb, qs in faq_subsets(town_kb, town_queries, pool)),
        ]
    else:
        decision_only_sources = []
    if "--faq-decision-only" in sys.argv:
        engines = {id(kb): FaqEngine(kb, calibrate=False) for _, kb, _ in [*faq_sources, *decision_only_sources]}
        single_decision = fit_single_decision([*faq_sources, *decision_only_sources], engines, Calibration.load())
        kept = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        print(json.dumps(single_decision, indent=2))
        if "--write" in sys.argv:
            CALIBRATION_FILE.write_text(
                json.dumps({**kept, "single_decision": single_decision}, ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
            print(f"single_decision written to {CALIBRATION_FILE}; everything else kept")
        return
    engines = {id(kb): FaqEngine(kb, calibrate=False) for _, kb, _ in [*sources, *faq_sources, *decision_only_sources]}
    for name, _, queries in sources:
        print(f"{name}: {len(queries)} queries")

    # 1. ranking models, per candidate: one for the plan (entries with alternates), one for FAQ sets of a
    # single phrasing per entry (fitted on the city-hall development half).
    def fit_ranking(selected: list[tuple[str, KnowledgeBase, list[Query]]]) -> dict[str, float]:
        x, y = [], []
        for _, kb, queries in selected:
            for q, expected in queries:
                for entry_id, _p, features in engines[id(kb)].explain(q, top=DEPTH):
                    x.append(features.vector())
                    y.append(float(entry_id in expected))
        if LISTWISE:
            return as_weights(Features.NAMES, fit_listwise(np.array(x), np.array(y), query_ids(selected)))
        return as_weights(Features.NAMES, fit_logistic(np.array(x), np.array(y)))

    def query_ids(selected: list[tuple[str, KnowledgeBase, list[Query]]]) -> np.ndarray:
        ids = []
        n = 0
        for _, kb, queries in selected:
            for q, _expected in queries:
                ids += [n] * len(engines[id(kb)].explain(q, top=DEPTH))
                n += 1
        return np.array(ids)

    ranking = fit_ranking([s for s in sources if s[0] != CITY_SOURCE])
    city = [s for s in sources if s[0] == CITY_SOURCE]
    single_ranking = fit_ranking(city + [(n, kb, [q for q in qs if q[1]]) for n, kb, qs in faq_sources[1:]]) if city else None
    current = Calibration.load()
    staged = replace(current, ranking=ranking, single_ranking=single_ranking)

    # 2. decision model, per question, on the re-ranked candidates
    # The plan sources only: the answer/no-answer decision is the plan's product choice, and the city
    # half has no out-of-scope queries to balance its answerable ones.
    dx, dy, answerable_flags, in_top3 = [], [], [], []
    for name, kb, queries in sources:
        if name == CITY_SOURCE:
            continue
        engine = engines[id(kb)]
        engine.calibration = staged
        for q, expected in queries:
            ranked = engine._rank(engine.analyzer.analyze(q))
            if ranked:
                dx.append(decision_vector(ranked))
                dy.append(float(engine.entries[ranked[0][0]].id in expected))
                answerable_flags.append(bool(expected))
                in_top3.append(any(engine.entries[i].id in expected for i, _, _ in ranked[:3]))
    decision = as_weights(Features.DECISION_NAMES, fit_logistic(np.array(dx), np.array(dy)))
    staged = replace(staged, decision=decision)
    scores = np.array([1 / (1 + np.exp(-(decision["bias"] + sum(decision[n] * v for n, v in zip(Features.DECISION_NAMES, row, strict=True))))) for row in dx])
    labels = np.array(dy)

    # Balanced: the share of answerable questions answered right plus the share of out-of-scope ones
    # left unanswered, the two rates the acceptance bar asks for.
    answerable = np.array(answerable_flags)

    def balanced(t: float) -> float:
        right = np.sum((scores >= t) & (labels == 1)) / max(1, answerable.sum())
        rejected = np.sum((scores < t) & ~answerable) / max(1, (~answerable).sum())
        return float(right + rejected)

    best = max((balanced(float(t)), float(t)) for t in np.arange(0.05, 0.95, 0.01))
    answer = round(best[1], 2)
    right = int(np.sum((scores >= answer) & (labels == 1)))
    wrong = int(np.sum((scores >= answer) & (labels == 0)))
    print(f"answer threshold {answer}: {right}/{int(labels.sum())} right answers, {wrong} wrong, of {len(labels)} questions")
    rejected = int(np.sum((scores < answer) & ~answerable))
    print(
        f"  answerable answered right {right / max(1, answerable.sum()):.1%}, "
        f"out of scope not answered {rejected / max(1, (~answerable).sum()):.1%} (fitted on these: optimistic)"
    )
    # 「もしかして」 (three choices) in a band of 0.1 under the answer threshold: a product choice. There the
    # right entry is among the three for only about a quarter of the training questions, most of which
    # are out of scope; a wrong choice costs a click, a missing one sends the user to the secretariat.
    top3 = np.array(in_top3)
    suggest = round(max(0.05, answer - SUGGEST_BAND), 2)
    band = (scores >= suggest) & (scores < answer)
    print(f"suggest threshold {suggest}: {int(band.sum())} questions in the band, right entry among three "
          f"{top3[band].mean() if band.sum() else 0:.0%}")
    single_decision = (
        fit_single_decision([*faq_sources, *decision_only_sources], engines, staged) if faq_sources else None
    )
    # A near tie is a 「もしかして」 whatever the confidence: a product choice, not fitted.
    result = {
        "ranking": ranking, "decision": decision, "answer": answer, "suggest": suggest, "tie": TIE,
        "single_ranking": single_ranking, "single_decision": single_decision,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if "--faq-only" in sys.argv:
        kept = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        result = {**kept, "single_ranking": single_ranking, "single_decision": single_decision}
        # single_answer / single_suggest (the FAQ sets' default thresholds) are product choices, kept.
        print("--faq-only: curated-KB models kept as they are")
    if "--write" in sys.argv:
        CALIBRATION_FILE.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"written to {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
