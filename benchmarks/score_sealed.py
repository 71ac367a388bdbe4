"""Score the sealed plan set, printing aggregate figures only (never a question or a failure).

    python benchmarks/score_sealed.py

Run once per change kept, and add a line to the 実行記録 of tests/eval/plan_v2/README.md each time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.engine import FaqEngine  # noqa: E402
from knowledge.evaluation import evaluate_plan_set, read_jsonl  # noqa: E402
from knowledge.kb import load_kb  # noqa: E402

SEALED = ROOT / "tests" / "eval" / "plan_v2" / "sealed.jsonl"


def main() -> None:
    # Every run is a scoring that must be recorded, so even --help must not score by accident.
    argparse.ArgumentParser(
        description="Score the sealed plan set once (aggregates only). Record every run in tests/eval/plan_v2/README.md.",
    ).parse_args()
    report = evaluate_plan_set(FaqEngine(load_kb()), read_jsonl(SEALED))
    report.failures.clear()
    print(f"sealed.jsonl: {report.summary()}")
    print(report.kinds_summary())


if __name__ == "__main__":
    main()
