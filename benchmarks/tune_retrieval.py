"""Retrieval ablations on the DEVELOPMENT split of the FAQ proxies (never the test split).

    python benchmarks/tune_retrieval.py [--variants base,no-vectors,...]

Each variant switches one part off (or changes one setting) and prints top-1/3/10 and nDCG@10 on the
dev split of tests/eval/faq_proxy (cityfaq_hard against cityfaq.csv, townfaq_queries against townfaq.csv).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import knowledge.engine as engine_module  # noqa: E402
from knowledge.analysis import Analyzer  # noqa: E402
from knowledge.engine import FaqEngine  # noqa: E402
from knowledge.evaluation import evaluate_faq_proxy, read_jsonl  # noqa: E402
from knowledge.kb import load_kb  # noqa: E402
from knowledge.retrieval import DEFAULT_FIELDS  # noqa: E402

PROXY = ROOT / "tests" / "eval" / "faq_proxy"
SETS = (("cityfaq_hard", ROOT / "tests" / "eval" / "cityfaq.csv", PROXY / "cityfaq_hard.jsonl"),
        ("townfaq", PROXY / "townfaq.csv", PROXY / "townfaq_queries.jsonl"))


@contextmanager
def setting(name: str, value: object) -> Iterator[None]:
    old = getattr(engine_module, name)
    setattr(engine_module, name, value)
    try:
        yield
    finally:
        setattr(engine_module, name, old)


def fields_with(**changes: tuple[float, float, float]) -> dict:
    fields = dict(DEFAULT_FIELDS)
    for name, (w, k1, b) in changes.items():
        fields[name] = replace(fields[name], weight=w, k1=k1, b=b)
    return fields


def run(label: str, **engine_args: object) -> None:
    parts = []
    for name, kb_path, queries in SETS:
        rows = [r for r in read_jsonl(queries) if r["split"] == "dev"]
        report = evaluate_faq_proxy(FaqEngine(load_kb(kb_path), **engine_args), rows)  # type: ignore[arg-type]
        parts.append(f"{name} t1 {report.rate(report.top1, report.queries):.3f} t3 {report.rate(report.top3, report.queries):.3f} "
                     f"t10 {report.rate(report.top10, report.queries):.3f} ndcg {report.rate(report.ndcg10, report.queries):.3f}")
    print(f"{label:<28} " + " | ".join(parts), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default="")
    args = parser.parse_args()
    wanted = set(filter(None, args.variants.split(",")))

    def want(name: str) -> bool:
        return not wanted or name in wanted

    if want("base"):
        run("base")
    if want("no-vectors"):
        run("no vectors", vectors=False)
    if want("no-expansion"):
        with setting("EXPAND_WEIGHT", 0.0):
            run("no expansion")
    if want("no-cosine-mix"):
        with setting("COSINE_MIX", 0.0):
            run("no cosine in the shortlist")
    if want("no-parts"):
        run("no mode-A parts", analyzer=Analyzer(parts=False))
    if want("no-stoplist"):
        run("no stoplist", analyzer=Analyzer(stoplist=False))
    if want("answer-light"):
        run("answer words light", fields=fields_with(aw=(0.10, 1.2, 0.75), qw=(0.50, 1.2, 0.5)))
    if want("answer-heavy"):
        run("answer words heavy", fields=fields_with(aw=(0.45, 1.2, 0.75), qw=(0.20, 1.2, 0.5)))


if __name__ == "__main__":
    main()
