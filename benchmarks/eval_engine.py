"""Print the engine's quality figures on the repo's own evaluation sets.

    python benchmarks/eval_engine.py [--failures]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.engine import FaqEngine  # noqa: E402
from knowledge.evaluation import evaluate_plan_set, evaluate_retrieval, read_jsonl  # noqa: E402
from knowledge.kb import load_kb  # noqa: E402

EVAL = ROOT / "tests" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true")
    args = parser.parse_args()

    engine = FaqEngine(load_kb())
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
        city = FaqEngine(load_kb(EVAL / "cityfaq.csv"))
        report = evaluate_retrieval(city, read_jsonl(EVAL / "cityfaq_queries.jsonl"))
        print(f"cityfaq: {report.summary()}")


if __name__ == "__main__":
    main()
