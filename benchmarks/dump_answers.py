"""Dump what the engine answers to every question of the development sets, one JSON line per question.

    python benchmarks/dump_answers.py OUT.jsonl [--bench-csv faq.csv --bench-cache DIR] [--sets plan,faq,bench]

For checking that a change meant only for speed answers exactly as before: dump before and after, then
`diff` the two files. Each line has the set, the question, the status, the answer's entry id, the score, the
candidates (ids and scores) as `match(question, top=10)` gives them, the note, the related entries and the
types asked; each FAQ set's calibrated thresholds come first. Every question is asked twice (the second time
through the engine's memos): a second answer that differs from the first is written too, marked `again`.

Sets: the plan (plan_v2 dev, dev2, dev3, dev4, plan_eval.jsonl, and shared/eval-sample.jsonl when present),
the city FAQ (every query), the FAQ proxies' dev split only, and with `--bench-csv` a benchmark FAQ
(benchmarks/bench_engine.py `write_corpus`) with the benchmark's questions. Never the sealed set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.engine import FaqEngine, MatchResult  # noqa: E402
from knowledge.evaluation import read_jsonl  # noqa: E402
from knowledge.kb import load_kb  # noqa: E402

EVAL = ROOT / "tests" / "eval"
PLAN_SETS = [EVAL / "plan_v2" / f"{name}.jsonl" for name in ("dev", "dev2", "dev3", "dev4")] + [EVAL / "plan_eval.jsonl"]
SAMPLE = ROOT.parent / "shared" / "eval-sample.jsonl"
PROXY = EVAL / "faq_proxy"
FAQ_SETS = (
    ("cityfaq", EVAL / "cityfaq.csv", EVAL / "cityfaq_queries.jsonl", None),
    ("cityfaq_hard", EVAL / "cityfaq.csv", PROXY / "cityfaq_hard.jsonl", "dev"),
    ("townfaq", PROXY / "townfaq.csv", PROXY / "townfaq_queries.jsonl", "dev"),
    ("villagefaq", PROXY / "villagefaq.csv", PROXY / "villagefaq_queries.jsonl", "dev"),
    ("hamafaq", PROXY / "hamafaq.csv", PROXY / "hamafaq_queries.jsonl", "dev"),
)


def outcome(result: MatchResult) -> dict:
    return {
        "status": result.status,
        "entry": result.entry.id if result.entry else None,
        "score": result.score,
        "candidates": [[c.entry_id, c.score] for c in result.candidates],
        "note": result.note,
        "related": [e.id for e in result.related],
        "asked": sorted(a.name for a in result.asked),
    }


def dump(out, name: str, engine: FaqEngine, questions: list[str]) -> None:  # noqa: ANN001
    out.write(json.dumps({"set": name, "thresholds": [engine.thresholds.answer, engine.thresholds.suggest]}) + "\n")
    first = [outcome(engine.match(q, top=10)) for q in questions]
    for q, answer in zip(questions, first, strict=True):
        out.write(json.dumps({"set": name, "q": q, **answer}, ensure_ascii=False) + "\n")
    for q, answer in zip(questions, first, strict=True):
        again = outcome(engine.match(q, top=10))
        if again != answer:
            out.write(json.dumps({"set": name, "q": q, "again": True, **again}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--sets", default="plan,faq,bench")
    parser.add_argument("--bench-csv", type=Path)
    parser.add_argument("--bench-cache", type=Path, help="the index cache to build the benchmark FAQ with")
    args = parser.parse_args()
    kinds = set(args.sets.split(","))
    with args.out.open("w", encoding="utf-8") as out:
        if "plan" in kinds:
            plan = FaqEngine(load_kb())
            for path in PLAN_SETS + ([SAMPLE] if SAMPLE.exists() else []):
                assert path.name != "sealed.jsonl"
                dump(out, path.name, plan, [r["q"] for r in read_jsonl(path)])
        if "faq" in kinds:
            for name, kb_path, queries, split in FAQ_SETS:
                rows = [r for r in read_jsonl(queries) if split is None or r["split"] == split]
                dump(out, name, FaqEngine(load_kb(kb_path)), [r["q"] for r in rows])
        if "bench" in kinds and args.bench_csv:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from bench_engine import bench_questions

            engine = FaqEngine.cached(load_kb(args.bench_csv), args.bench_cache)
            dump(out, args.bench_csv.name, engine, bench_questions(10_000))


if __name__ == "__main__":
    main()
