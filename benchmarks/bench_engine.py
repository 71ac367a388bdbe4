"""Engine speed: start-up with the bundled knowledge base, and time per question as the KB grows.

    python benchmarks/bench_engine.py [--sizes 1000,3000,10000] [--questions 300]

Synthetic knowledge bases are built from the bundled entries: each synthetic entry mixes phrases of
real entries with words sampled from the plan's vocabulary, so postings lists grow as they would.
Prints figures; asserts nothing (speed is not a test).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.engine import FaqEngine  # noqa: E402
from knowledge.evaluation import read_jsonl  # noqa: E402
from knowledge.kb import FaqEntry, KnowledgeBase, load_kb  # noqa: E402

STARTUP_SNIPPET = (
    "import time; t=time.perf_counter();"
    "from bot.app import create_app; from bot.settings import Settings;"
    "create_app(Settings(database_url='sqlite:///:memory:'));"
    "print(time.perf_counter()-t)"
)


def synthetic_kb(base: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    rng = random.Random(seed)
    vocabulary: list[str] = []
    for entry in base.entries:
        vocabulary.extend(w for w in entry.answer.replace("、", "。").split("。") if w)
    entries = list(base.entries)
    while len(entries) < size:
        a, b = rng.sample(base.entries, 2)
        n = len(entries)
        question = f"{rng.choice(a.phrasings)}{rng.choice(vocabulary)[:12]}について{n}"
        alternates = tuple(f"{rng.choice(b.phrasings)} {rng.choice(vocabulary)[:8]}" for _ in range(3))
        answer = "。".join(rng.sample(vocabulary, 3))
        entries.append(FaqEntry(id=f"syn-{n}", question=question, answer=answer, alternates=alternates))
    return KnowledgeBase(entries=tuple(entries), plan=base.plan, synonyms=base.synonyms)


def time_questions(engine: FaqEngine, questions: list[str], repeat: int = 3) -> tuple[float, float]:
    for q in questions[:20]:
        engine.match(q)
    samples: list[float] = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            engine.match(q)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.mean(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="300,1000,3000,10000")
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()

    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", STARTUP_SNIPPET], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"start-up (create_app with the bundled KB, in-process, excl. interpreter): "
          f"best {min(runs):.2f} s, median {statistics.median(runs):.2f} s")

    base = load_kb()
    questions = [row["q"] for row in read_jsonl(ROOT / "tests" / "eval" / "plan_eval.jsonl")][: args.questions]
    print(f"{'entries':>8} {'build s':>8} {'mean ms/q':>10} {'p99 ms/q':>9}")
    for size in [int(s) for s in args.sizes.split(",")]:
        kb = synthetic_kb(base, size)
        started = time.perf_counter()
        engine = FaqEngine(kb)
        build = time.perf_counter() - started
        mean, p99 = time_questions(engine, questions)
        print(f"{len(kb.entries):>8} {build:>8.2f} {mean:>10.3f} {p99:>9.3f}")


if __name__ == "__main__":
    main()
