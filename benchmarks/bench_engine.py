"""Engine speed and scale on a realistic FAQ corpus with long answers, beside two peers in the same run.

    python benchmarks/bench_engine.py [--sizes 1786,10716,50000] [--questions 400] [--profile]

For each size a CSV FAQ is generated (deterministic) into a temporary folder and loaded the way
`dxbot ask --kb file.csv` loads it. Each entry has a resident-style question and a long answer
(4 to 9 sentences drawn from the plan text, the bundled knowledge base and the city FAQ, plus a
contact block, about 500 characters), so postings and re-ranking cost grow as they do on a real
municipal FAQ. Every measurement runs in a fresh child process:

- cold start: load the CSV and build the engine with an empty index cache;
- warm start: the same with the cache the cold start left;
- questions: per-question time (p50, mean, p99) over resident and staff questions, the peak RSS of
  that process, and in the same process the two peers: naive rapidfuzz (WRatio against every question)
  and bm25s (a library BM25 on scipy.sparse, over character bigrams of question + answer).

Then the issue-12 targets are printed as met or not. Stands alone: needs only the project's venv.
Timings on a shared machine are noisy: quote medians of several runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLAN_TEXT = ROOT.parent / "shared" / "sources" / "action-plan-v1.5.txt"
EVAL = ROOT / "tests" / "eval"
DEPARTMENTS = ["市民課", "税務課", "福祉課", "子育て支援課", "環境課", "政策企画課", "建設課", "農林水産課", "商工観光課", "教育総務課"]
TOPICS = ["手続き", "申請", "届出", "証明書", "手数料", "受付時間", "必要なもの", "対象者", "期限", "窓口", "郵送", "オンライン"]
ENGINE_CACHE_ENV = "DXBOT_INDEX_CACHE_DIR"


# ---------------------------------------------------------------- corpus


def _sentences(text: str) -> list[str]:
    return [s.strip() + "。" for s in re.split(r"[。\n]", text) if len(s.strip()) >= 12]


def _sources() -> tuple[list[str], list[str]]:
    """Sentences for answers, and seed questions, from the plan, the bundled KB and the city FAQ."""
    from knowledge.kb import load_kb

    sentences: list[str] = []
    questions: list[str] = []
    if PLAN_TEXT.exists():
        sentences += _sentences(PLAN_TEXT.read_text(encoding="utf-8"))
    for kb in (load_kb(), load_kb(EVAL / "cityfaq.csv")):
        for entry in kb.entries:
            sentences += _sentences(entry.answer)
            questions += list(entry.phrasings)
    return sorted(set(sentences)), sorted(set(questions))


def write_corpus(path: Path, size: int, seed: int = 12) -> None:
    """A CSV FAQ of `size` entries with long answers; no two answers are the same."""
    rng = random.Random(seed)
    sentences, questions = _sources()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "question", "answer"])
        for n in range(size):
            department = rng.choice(DEPARTMENTS)
            topic = rng.choice(TOPICS)
            question = f"{rng.choice(questions).rstrip('？?。')}の{topic}（{rng.choice(DEPARTMENTS)}）"
            body = "".join(rng.sample(sentences, rng.randint(4, 9)))
            contact = f"【お問い合わせ】{department} 電話 0855-52-{rng.randint(1000, 9999)}（受付番号 {n}）"
            writer.writerow([f"faq-{n:05d}", question, f"{body}{topic}については{department}へ。{contact}"])


def bench_questions(limit: int) -> list[str]:
    from knowledge.evaluation import read_jsonl

    rows = read_jsonl(EVAL / "cityfaq_queries.jsonl") + read_jsonl(EVAL / "plan_eval.jsonl")
    random.Random(3).shuffle(rows)
    return [r["q"] for r in rows][:limit]


# ---------------------------------------------------------------- child processes


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(csv_path: Path, cache_dir: Path):  # noqa: ANN202 - FaqEngine, imported late on purpose
    import os

    os.environ[ENGINE_CACHE_ENV] = str(cache_dir)
    from knowledge.engine import FaqEngine
    from knowledge.kb import load_kb

    kb = load_kb(csv_path)
    build = getattr(FaqEngine, "cached", None)
    return build(kb, cache_dir) if build else FaqEngine(kb)


def child_start(csv_path: Path, cache_dir: Path) -> dict:
    started = time.perf_counter()
    engine = _build(csv_path, cache_dir)
    seconds = time.perf_counter() - started
    engine.match("住民票を取りたい")
    return {"seconds": seconds, "rss_mb": _peak_rss_mb()}


def _time_each(function, questions: list[str], repeat: int) -> list[float]:  # noqa: ANN001
    for q in questions[:20]:
        function(q)
    samples: list[float] = []
    for _ in range(repeat):
        for q in questions:
            started = time.perf_counter()
            function(q)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def child_questions(csv_path: Path, cache_dir: Path, limit: int, peers: bool, profile: bool) -> dict:
    engine = _build(csv_path, cache_dir)
    questions = bench_questions(limit)
    if profile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for q in questions:
            engine.match(q, top=10)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
        print(text.getvalue(), file=sys.stderr)
    samples = _time_each(lambda q: engine.match(q, top=10), questions, repeat=3)
    out = {
        "mean": statistics.mean(samples),
        "p50": _percentile(samples, 0.5),
        "p99": _percentile(samples, 0.99),
        "rss_mb": _peak_rss_mb(),
    }
    if peers:
        kb = engine.kb
        out["rapidfuzz"] = statistics.mean(_time_each(_rapidfuzz_peer(kb), questions[:100], repeat=1))
        out["bm25s"] = statistics.mean(_time_each(_bm25s_peer(kb), questions, repeat=1))
        out.update(_inner_loop_side_by_side(engine, questions))
    return out


def _inner_loop_side_by_side(engine, questions: list[str]) -> dict:  # noqa: ANN001
    """The scoring inner loop alone, on the same field (answer bigrams) and the same query terms: the
    engine's postings (numpy CSR slices + bincount) against bm25s's scipy.sparse scoring."""
    import bm25s
    import numpy as np

    from knowledge.normalize import char_ngrams, fold_for_match

    vocab = engine._bigrams.ids
    corpus = [char_ngrams(fold_for_match(e.answer), 2) for e in engine.kb.entries]
    retriever = bm25s.BM25()
    # The same term ids on both sides: the engine's bigram vocabulary.
    ids = [[vocab[t] for t in doc if t in vocab] for doc in corpus]
    retriever.index(bm25s.tokenization.Tokenized(ids, dict(vocab)), show_progress=False)
    postings = engine._postings["ab"]
    n = len(engine.kb.entries)
    queries = [
        [i for i in (vocab.get(t) for t in dict.fromkeys(char_ngrams(fold_for_match(q), 2)))
         if i is not None and postings.indptr[i + 1] > postings.indptr[i]]
        for q in questions
    ]
    queries = [q for q in queries if q]

    def ours(q: list[int]) -> object:
        docs, weights = postings.gather(np.asarray(q), np.ones(len(q), dtype=np.float32), cap=1 << 30)
        return np.bincount(docs, weights=weights, minlength=n)

    def theirs(q: list[int]) -> object:
        return retriever.get_scores(q)

    return {
        "inner_ours": statistics.mean(_time_each(ours, queries, repeat=3)),  # type: ignore[arg-type]
        "inner_bm25s": statistics.mean(_time_each(theirs, queries, repeat=3)),  # type: ignore[arg-type]
    }


def _rapidfuzz_peer(kb):  # noqa: ANN001, ANN202
    """The naive baseline: WRatio of the question against every FAQ question, one thread."""
    from rapidfuzz import fuzz, process

    choices = [e.question for e in kb.entries]
    return lambda q: process.extract(q, choices, scorer=fuzz.WRatio, limit=10)


def _bm25s_peer(kb):  # noqa: ANN001, ANN202
    """A library BM25 (bm25s, scipy.sparse) over character bigrams of question + answer."""
    import bm25s

    from knowledge.normalize import char_ngrams, fold_for_match

    corpus = [char_ngrams(fold_for_match(e.question + e.answer), 2) for e in kb.entries]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenization.Tokenized(*_vocab_ids(corpus)), show_progress=False)
    vocab = retriever.vocab_dict

    def search(q: str) -> object:
        ids = [vocab[t] for t in dict.fromkeys(char_ngrams(fold_for_match(q), 2)) if t in vocab]
        scores = retriever.get_scores(ids) if ids else None
        return None if scores is None else scores.argsort()[-10:]

    return search


def _vocab_ids(corpus: list[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
    return ids, vocab


# ---------------------------------------------------------------- parent


def _run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-3000:]}")
    if out.stderr.strip():
        print(out.stderr, end="")
    return json.loads(out.stdout.strip().splitlines()[-1])


STARTUP_SNIPPET = (
    "import sys, time; from pathlib import Path; t=time.perf_counter();"
    "from bot.bootstrap import bootstrap; from bot.settings import Settings;"
    "bootstrap(Settings(database_url='sqlite:///:memory:', index_cache_dir=Path(sys.argv[1])));"
    "print(time.perf_counter()-t)"
)


def plan_startup(runs: int) -> tuple[float, float]:
    """Median (cold, warm) start of the bot with the bundled plan KB: an empty index cache, then the one
    the cold start left."""
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="dxbot-plan-cache-") as cache:
            for seconds in (cold, warm):
                out = subprocess.run(
                    [sys.executable, "-c", STARTUP_SNIPPET, cache], cwd=ROOT, capture_output=True, text=True,
                    check=True,
                )
                seconds.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(cold), statistics.median(warm)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1786,10716,50000")
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3, help="start-up runs per size (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile the questions at each size")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, csv_path, cache_dir = args.child[0], Path(args.child[1]), Path(args.child[2])
        if kind == "start":
            result = child_start(csv_path, cache_dir)
        else:
            result = child_questions(csv_path, cache_dir, args.questions, not args.no_peers, args.profile)
        print(json.dumps(result))
        return

    plan_cold, plan = plan_startup(args.runs)
    print(f"start-up with the bundled plan KB (bootstrap, in-process, excl. interpreter): "
          f"median {plan_cold:.2f} s with an empty index cache, {plan:.2f} s from the cache")
    rows = {}
    with tempfile.TemporaryDirectory(prefix="dxbot-bench-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            csv_path = Path(tmp) / f"faq-{size}.csv"
            write_corpus(csv_path, size)
            cold, warm = [], []
            for run in range(args.runs):
                cache_dir = Path(tmp) / f"cache-{size}-{run}"
                cold.append(_run_child("start", str(csv_path), str(cache_dir)))
                warm.append(_run_child("start", str(csv_path), str(cache_dir)))
            questions = _questions_child(csv_path, Path(tmp) / f"cache-{size}-0", args)
            rows[size] = {
                "cold": statistics.median(r["seconds"] for r in cold),
                "warm": statistics.median(r["seconds"] for r in warm),
                "cold_rss": max(r["rss_mb"] for r in cold),
                **questions,
            }
            _print_row(size, rows[size])
    _print_targets(plan, rows)


def _questions_child(csv_path: Path, cache_dir: Path, args: argparse.Namespace) -> dict:
    extra = [f"--questions={args.questions}"] + (["--profile"] if args.profile else []) + (
        ["--no-peers"] if args.no_peers else []
    )
    out = subprocess.run(
        [sys.executable, __file__, *extra, "--child", "questions", str(csv_path), str(cache_dir)],
        cwd=ROOT, capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"questions child failed:\n{out.stderr[-3000:]}")
    if out.stderr.strip():
        print(out.stderr, end="")
    return json.loads(out.stdout.strip().splitlines()[-1])


HEADER = (
    f"{'entries':>8} {'cold s':>7} {'warm s':>7} {'p50 ms':>7} {'mean ms':>8} {'p99 ms':>7} "
    f"{'peak MB':>8} {'rapidfuzz ×':>11} {'bm25s ×':>8}"
)
_printed_header = False


def _print_row(size: int, row: dict) -> None:
    global _printed_header
    if not _printed_header:
        print(HEADER)
        _printed_header = True
    ratio_rf = f"{row['rapidfuzz'] / row['mean']:.1f}" if "rapidfuzz" in row else "-"
    ratio_bm = f"{row['bm25s'] / row['mean']:.2f}" if "bm25s" in row else "-"
    peak = max(row["rss_mb"], row["cold_rss"])
    print(
        f"{size:>8} {row['cold']:>7.2f} {row['warm']:>7.2f} {row['p50']:>7.3f} {row['mean']:>8.3f} "
        f"{row['p99']:>7.3f} {peak:>8.0f} {ratio_rf:>11} {ratio_bm:>8}",
        flush=True,
    )


def _print_targets(plan: float, rows: dict[int, dict]) -> None:
    print("\ntargets (issue 12):")
    print(f"  start-up with the bundled plan KB <= 1 s (index cached): {plan:.2f} s, {_verdict(plan <= 1.0)}")
    big = rows.get(10716)
    if big:
        print(f"  per question at 10,716 <= 1.5 ms: {big['mean']:.3f} ms, {_verdict(big['mean'] <= 1.5)}")
        print(f"  p99 at 10,716 <= 4 ms: {big['p99']:.3f} ms, {_verdict(big['p99'] <= 4.0)}")
        print(f"  cold start at 10,716 <= 5 s: {big['cold']:.2f} s, {_verdict(big['cold'] <= 5.0)}")
        print(f"  warm start at 10,716 <= 1.5 s: {big['warm']:.2f} s, {_verdict(big['warm'] <= 1.5)}")
        peak = max(big["rss_mb"], big["cold_rss"])
        print(f"  peak RSS at 10,716 <= 600 MB: {peak:.0f} MB, {_verdict(peak <= 600)}")
        if "rapidfuzz" in big:
            ratio = big["rapidfuzz"] / big["mean"]
            print(f"  >= 35x faster than naive rapidfuzz at 10,716: {ratio:.1f}x, {_verdict(ratio >= 35)}")
            print(f"  bm25s (library BM25, bigrams) at 10,716: {big['bm25s']:.3f} ms/question, "
                  f"engine/bm25s = {big['mean'] / big['bm25s']:.2f}")
            print(f"  inner loop, answer bigrams, uncapped, same terms: our postings {big['inner_ours']:.3f} ms, "
                  f"bm25s get_scores {big['inner_bm25s']:.3f} ms")
        small = rows.get(1786)
        if small:
            growth = big["mean"] / small["mean"]
            print(f"  growth 1,786 -> 10,716 < 2x: {growth:.2f}x, {_verdict(growth < 2)}")
    huge = rows.get(50000)
    if huge:
        print(f"  at 50,000 (reported): {huge['mean']:.3f} ms/question, p99 {huge['p99']:.3f} ms, "
              f"peak {max(huge['rss_mb'], huge['cold_rss']):.0f} MB, cold {huge['cold']:.1f} s, warm {huge['warm']:.1f} s")


if __name__ == "__main__":
    main()
