"""Every knowledge-base message is Japanese, says what to do, and no problem reaches a person in English."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from knowledge.check import check_kb
from knowledge.messages import MESSAGES, msg

# Words a Japanese message may still contain: field and file names the curator types, formats, commands.
ALLOWED_ASCII = {
    "id", "question", "answer", "alternates", "source", "tags", "related", "plan", "title", "version", "entries",
    "examples", "name", "reform", "theme", "yaml", "csv", "xlsx", "utf", "shift_jis", "cp932", "excel", "faq",
}
ASCII_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9]+")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def sample_values(template: str) -> dict[str, str]:
    return {name: "〇〇" for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_template_is_japanese(key: str) -> None:
    text = msg(key, **sample_values(MESSAGES[key]))
    assert JAPANESE.search(text), text
    english = {w for w in ASCII_WORD.findall(text) if w.casefold() not in ALLOWED_ASCII}
    assert not english, f"{key}: {english}"


BROKEN_FILES = {
    "faq/a.yaml": "entries:\n  - id: a\n    question: [unclosed\n",
    "faq/b.yaml": "entries: {not: a list}\n",
    "faq/c.yaml": "- just a list\n",
    "faq/d.yaml": "other: 1\n",
    "faq/e.yaml": (
        "entries:\n  - plain text\n  - {id: e, question: q, answer: '', colour: red, tags: {a: 1}}\n"
        "  - {id: f, question: 推進本部は何人, answer: 47人, alternates: [本部 人数]}\n"
        "  - {id: f, question: 監事会は, answer: はい, source: s, tags: [t], alternates: [a, b, c]}\n"
    ),
    "faq/f.yaml": "entries:\n\tbad: tab\n",
    "faq/g.yaml": "entries:\n  - id: g\n    question: a: b\n",
    "faq/h.yaml": b"\xff\xfe not utf-8".decode("latin-1"),
    "plan.yaml": "plan: {title: 計画}\n",
    "glossary.yaml": "synonyms:\n  - [ひとつ]\n",
    "initiatives.yaml": "initiatives:\n  - {id: x}\n",
    "out_of_scope.yaml": "examples:\n  - question: ''\n",
}


def test_no_problem_is_reported_in_english(tmp_path: Path) -> None:
    for name, text in BROKEN_FILES.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        if name == "faq/h.yaml":
            path.write_bytes(b"entries:\n  - id: \x82\xa0\n")  # CP932, not UTF-8
        else:
            path.write_text(text, encoding="utf-8")
    problems, _ = check_kb(tmp_path)
    reported_files = {p.file for p in problems}
    assert set(BROKEN_FILES) <= reported_files, set(BROKEN_FILES) - reported_files
    templates = [re.escape(t).replace(r"\{", "{").replace(r"\}", "}") for t in MESSAGES.values()]
    patterns = [re.compile(re.sub(r"\{[a-z_]+\}", ".+", t) + r"$", re.S) for t in templates]
    for problem in problems:
        assert any(p.match(problem.message) for p in patterns), problem
        english = {w for w in ASCII_WORD.findall(problem.message) if w.casefold() not in ALLOWED_ASCII}
        # The only ASCII left is what the file itself says (ids, the unknown field's name).
        assert english <= {"colour", "plan_version", "added", "related", "e", "f", "a"}, problem
