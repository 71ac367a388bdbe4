"""Check an evaluation set (JSONL) against the plan text.

Usage: python tools/check_eval_set.py SET.jsonl [--plan PLAN.txt]

Checks that every line parses, that the fields are present and well typed, that ids and
questions are unique, that out-of-scope rows carry no keys, that answerable rows carry at
least one key, that `kinds` uses the known kinds, and that every `all`/`any` key occurs in
the plan text after NFKC normalisation and removal of all white space. Keys that are not in
the text are accepted only when they are a computed count ("7課", "5つ"), an era form
("令和4"), a spelling variant listed below, or a negation ("ありません"); they are printed.
Prints counts per tag and per kind. Exit status 1 on any problem.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import unicodedata

DEFAULT_PLAN = "/work/shared/sources/action-plan-v1.5.txt"
FIELDS = {"id": str, "q": str, "all": list, "any": list, "tag": str, "kinds": list}
TAGS = {"answerable", "out_of_scope"}
KINDS = {
    "first_day",
    "combination",
    "trap",
    "casual",
    "typo",
    "hiragana",
    "keyword_only",
    "abbreviation",
    "yes_no",
    "count",
    "when",
    "who",
    "where_department",
    "which_initiative",
    "definition",
    "list",
    "why",
    "how",
    "version",
}
COMPUTED = re.compile(
    r"^(\d+|[一二三四五六七八九十]+)(つ|個|課|の課|部署|テーマ|項目|グループ|WG|件|回|人|名|版|種類|取組み|の取組み)?$"
)
ERA = re.compile(r"^令和\d+$")
VARIANTS = {"ビジネスプロセスリエンジニアリング"}
NEGATIONS = {"ありません", "ない", "なし", "いません"}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("set")
    ap.add_argument("--plan", default=DEFAULT_PLAN)
    args = ap.parse_args(argv)
    with open(args.plan, encoding="utf-8") as f:
        plan = norm(f.read())
    problems: list[str] = []
    outside: collections.Counter[str] = collections.Counter()
    tags: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    ids: set[str] = set()
    questions: set[str] = set()
    rows = 0
    with open(args.set, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            where = f"{args.set}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc})")
                continue
            rows += 1
            if set(row) != set(FIELDS):
                problems.append(f"{where}: fields {sorted(row)} != {sorted(FIELDS)}")
                continue
            for name, typ in FIELDS.items():
                if not isinstance(row[name], typ):
                    problems.append(f"{where}: {name} is not {typ.__name__}")
            if row["id"] in ids:
                problems.append(f"{where}: duplicate id {row['id']}")
            ids.add(row["id"])
            if norm(row["q"]) in questions:
                problems.append(f"{where}: duplicate question {row['q']}")
            questions.add(norm(row["q"]))
            tag = row["tag"]
            tags[tag] += 1
            if tag not in TAGS:
                problems.append(f"{where}: unknown tag {tag}")
            for kind in row["kinds"]:
                kinds[kind] += 1
                if kind not in KINDS:
                    problems.append(f"{where}: unknown kind {kind}")
            if len(set(row["kinds"])) != len(row["kinds"]):
                problems.append(f"{where}: repeated kind")
            keys = row["all"] + row["any"]
            if tag == "out_of_scope" and keys:
                problems.append(f"{where}: out_of_scope row with keys")
            if tag == "answerable" and not keys:
                problems.append(f"{where}: answerable row without keys")
            if "trap" in row["kinds"] and tag != "out_of_scope":
                problems.append(f"{where}: trap row must be out_of_scope")
            for key in keys:
                if not isinstance(key, str) or not norm(key):
                    problems.append(f"{where}: empty or non-string key {key!r}")
                    continue
                k = norm(key)
                if k in plan:
                    continue
                if COMPUTED.match(k) or ERA.match(k) or k in VARIANTS or k in NEGATIONS:
                    outside[key] += 1
                    continue
                problems.append(f"{where}: key {key!r} not in the plan text")
    oos = tags["out_of_scope"]
    print(
        f"rows {rows}: answerable {tags['answerable']}, out_of_scope {oos} "
        f"(trap {kinds['trap']}, plain {oos - kinds['trap']})"
    )
    for kind in sorted(KINDS, key=lambda k: (-kinds[k], k)):
        print(f"  {kind:17} {kinds[kind]}")
    if outside:
        print("keys not in the text (computed counts, era forms, variants, negations):")
        print("  " + ", ".join(f"{k}×{n}" for k, n in sorted(outside.items())))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
