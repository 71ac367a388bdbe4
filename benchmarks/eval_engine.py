"""Print the engine's quality figures on the repo's own evaluation sets.

    python benchmarks/eval_engine.py [--failures] [--kinds] [--set tests/eval/plan_v2/dev2.jsonl ...]

The plan figures are those of tests/eval/plan_v2/dev.jsonl (the tuning set; `--failures` lists its misses),
or of the development sets named with `--set` (never sealed.jsonl).
The sealed set is scored by benchmarks/score_sealed.py, aggregates only, once per change kept.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.engine import ANSWERED, FaqEngine  # noqa: E402
from knowledge.evaluation import (  # noqa: E402
    contains_facts,
    evaluate_faq_proxy,
    evaluate_plan_set,
    evaluate_retrieval,
    read_jsonl,
)
from knowledge.kb import KnowledgeBase, load_kb  # noqa: E402
from knowledge.normalize import char_ngrams, fold_for_match  # noqa: E402

EVAL = ROOT / "tests" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--kinds", action="store_true", help="figures per kind of question (plan_v2)")
    parser.add_argument("--faq-split", choices=("dev", "test", "none"), default="none",
                        help="FAQ proxy split to score: dev while tuning; test once per kept change (record it)")
    parser.add_argument("--set", action="append", type=Path, dest="sets", metavar="PATH",
                        help="score this plan set instead of plan_v2/dev.jsonl (repeatable)")
    parser.add_argument("--all-dev", action="store_true",
                        help="score every plan development set (plan_v2/dev.jsonl, dev2 … dev5)")
    parser.add_argument("--dump", type=Path, metavar="PATH",
                        help="write each plan question's outcome (right/wrong/not answered, entry, answer) as JSON lines")
    args = parser.parse_args()
    if args.all_dev:
        args.sets = [*(args.sets or []), *DEV_SETS]
    if any(path.name == "sealed.jsonl" for path in args.sets or ()):
        parser.error("the sealed set is scored by benchmarks/score_sealed.py only")
    if args.faq_split != "none":
        faq_proxy_figures(args.faq_split)

    engine = FaqEngine(load_kb())
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    for path in args.sets or [EVAL / "plan_v2" / "dev.jsonl"]:
        started = time.perf_counter()
        rows = read_jsonl(path)
        report = evaluate_plan_set(engine, rows)
        if dump is not None:
            for row in rows:
                dump.write(json.dumps({"set": path.name, **plan_outcome(engine, row)}, ensure_ascii=False) + "\n")
        print(f"{path.parent.name}/{path.name}: {report.summary()}  [{time.perf_counter() - started:.1f}s]")
        if args.kinds:
            print(report.kinds_summary())
        if args.failures:
            print("\n".join("  " + f for f in report.failures))
    for name in ("plan_eval.jsonl",):
        started = time.perf_counter()
        report = evaluate_plan_set(engine, read_jsonl(EVAL / name))
        print(f"{name}: {report.summary()}  [{time.perf_counter() - started:.1f}s]")
        if args.failures:
            print("\n".join("  " + f for f in report.failures))
    sample = Path(ROOT.parent / "shared" / "eval-sample.jsonl")
    if sample.exists():
        report = evaluate_plan_set(engine, read_jsonl(sample))
        print(f"eval-sample.jsonl: {report.summary()}")
        if args.failures:
            print("\n".join("  " + f for f in report.failures))
    if (EVAL / "cityfaq.csv").exists():
        city_kb = load_kb(EVAL / "cityfaq.csv")
        city = FaqEngine(city_kb)
        rows = read_jsonl(EVAL / "cityfaq_queries.jsonl")
        # benchmarks/calibrate.py fits the single-phrasing ranking on the even lines: the odd lines
        # are the held-out figure.
        for name, part in (("all", rows), ("development (even lines)", rows[0::2]), ("held out (odd lines)", rows[1::2])):
            report = evaluate_retrieval(city, part)
            print(f"cityfaq {name}: {report.summary()}")
        answerable = [r for r in rows[1::2] if r.get("expected")]
        print(f"cityfaq held out, char-bigram BM25 over question+answer: top-1 {bigram_bm25_top1(city_kb, answerable):.1%}")


DEV_SETS = [EVAL / "plan_v2" / name for name in ("dev.jsonl", "dev2.jsonl", "dev3.jsonl", "dev4.jsonl", "dev5.jsonl")]


def plan_outcome(engine: FaqEngine, row: dict) -> dict:
    """One plan question's outcome, as the plan figures count it (knowledge/evaluation.py)."""
    result = engine.match(row["q"])
    answered = result.status == ANSWERED and result.entry is not None
    answer = result.entry.answer if answered and result.entry is not None else ""
    if row["tag"] == "out_of_scope":
        outcome = "out_of_scope_answered" if answered else "out_of_scope_declined"
    elif not answered:
        outcome = "not_answered"
    else:
        outcome = "right" if contains_facts(answer, row.get("all", []), row.get("any", [])) else "wrong"
    return {
        "id": row.get("id"), "q": row["q"], "outcome": outcome, "status": result.status,
        "entry": result.entry.id if result.entry else None, "answer": answer, "note": result.note,
    }


PROXY = EVAL / "faq_proxy"
PROXY_SETS = (
    ("cityfaq_hard", EVAL / "cityfaq.csv", PROXY / "cityfaq_hard.jsonl"),
    ("townfaq", PROXY / "townfaq.csv", PROXY / "townfaq_queries.jsonl"),
    ("villagefaq", PROXY / "villagefaq.csv", PROXY / "villagefaq_queries.jsonl"),
    ("hamafaq", PROXY / "hamafaq.csv", PROXY / "hamafaq_queries.jsonl"),
)


def faq_proxy_figures(split: str) -> None:
    """Retrieval and decision figures on one split of the FAQ proxies (tests/eval/faq_proxy)."""
    for name, kb_path, queries in PROXY_SETS:
        if not queries.exists():
            print(f"{name}: {queries} missing")
            continue
        started = time.perf_counter()
        engine = FaqEngine(load_kb(kb_path))
        rows = [r for r in read_jsonl(queries) if r["split"] == split]
        report = evaluate_faq_proxy(engine, rows)
        print(f"{name} ({split}, answer {engine.thresholds.answer} / suggest {engine.thresholds.suggest}): "
              f"{report.summary()}  [{time.perf_counter() - started:.1f}s]")


def bigram_bm25_top1(kb: KnowledgeBase, rows: list[dict]) -> float:
    """The baseline: character-bigram BM25 (k1 1.2, b 0.75) over question + answer, no analysis."""
    docs = [Counter(char_ngrams(fold_for_match(e.question + e.answer), 2)) for e in kb.entries]
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / len(lengths)
    df = Counter(t for d in docs for t in d)
    n = len(docs)
    right = 0
    for row in rows:
        terms = set(char_ngrams(fold_for_match(row["q"]), 2))
        idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in terms if t in df}
        scores = [
            sum(w * d[t] * 2.2 / (d[t] + 1.2 * (0.25 + 0.75 * length / avg)) for t, w in idf.items() if t in d)
            for d, length in zip(docs, lengths, strict=True)
        ]
        right += kb.entries[max(range(n), key=scores.__getitem__)].id in row["expected"]
    return right / len(rows) if rows else 0.0


if __name__ == "__main__":
    main()
