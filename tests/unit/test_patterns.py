"""The stored regular expressions (knowledge/patterns.py): the same patterns as `re.compile`, from the file when
an earlier process wrote it, compiled anew when the file is missing, damaged, foreign or refused."""

from __future__ import annotations

import marshal
import re
import sys
from pathlib import Path

import pytest

from knowledge import patterns
from knowledge.patterns import PatternStore

SAMPLES = [
    (r"(?P<year>20\d\d)年度?(マデ|以降|カラ)", 0),
    (r"^\s*[/／]\s*dx(?=\s|$)", re.IGNORECASE),
    (r"(?<=[ァ-ヴ])[―‐‑–—−](?=[ァ-ヴ]|$|[^\w])", 0),
    ("|".join(["何人", "何名", "人数"]), 0),
]


def _stored(tmp_path: Path) -> Path:
    store = PatternStore(tmp_path / "patterns.marshal")
    for pattern, flags in SAMPLES:
        store.compile(pattern, flags)
    assert store.save(force=True)
    return store.path


def test_every_pattern_the_bot_compiles_equals_re_compile() -> None:
    import bot.bootstrap  # noqa: F401 - its modules' constants

    compiled = patterns._STORE._compiled
    assert len(compiled) > 150
    for (pattern, flags), got in compiled.items():
        assert got == re.compile(pattern, flags), pattern  # equal: same pattern, flags and code


def test_a_second_process_reads_the_code_instead_of_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _stored(tmp_path)

    def no_compiling(pattern: str, flags: int) -> None:
        raise AssertionError(f"compiled {pattern!r} again")

    monkeypatch.setattr(patterns, "_parts_of", no_compiling)
    again = PatternStore(path)
    for pattern, flags in SAMPLES:
        got = again.compile(pattern, flags)
        assert got == re.compile(pattern, flags)
        assert again.compile(pattern, flags) is got
    match = again.compile(*SAMPLES[0]).search("2026年度マデ")
    assert match is not None and match.group("year") == "2026"
    assert again.compile(*SAMPLES[1]).match(" /DX 報告")
    assert not again.save(force=True)  # nothing new to write


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not marshal at all",
        marshal.dumps(("another python build", {(SAMPLES[0][0], 0): (0, [1], 0, {}, (None,))})),
        marshal.dumps(["a list"]),
    ],
    ids=["empty", "garbage", "another build", "another layout"],
)
def test_a_damaged_or_foreign_file_is_compiled_anew(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "patterns.marshal"
    path.write_bytes(content)
    store = PatternStore(path)
    for pattern, flags in SAMPLES:
        assert store.compile(pattern, flags) == re.compile(pattern, flags)
    assert store.save(force=True)
    assert PatternStore(path)._known().keys() == {(p, int(f)) for p, f in SAMPLES}


def test_code_the_regex_engine_refuses_is_compiled_anew(tmp_path: Path) -> None:
    path = _stored(tmp_path)
    key, parts = marshal.loads(path.read_bytes())
    pattern, flags = SAMPLES[0]
    parts[pattern, flags] = (32, [999, 1, 2, 3], 1, {"year": 1}, (None, "year"))
    path.write_bytes(marshal.dumps((key, parts)))
    got = PatternStore(path).compile(pattern, flags)
    assert got == re.compile(pattern, flags)


def test_the_file_is_written_only_where_bytecode_may_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PatternStore(tmp_path / "sub" / "patterns.marshal")
    store.compile(*SAMPLES[0])
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert not store.save()
    assert not store.path.exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert store.save()
    assert store.path.stat().st_mode & 0o777 == 0o644
    assert PatternStore(store.path)._known().keys() == {(SAMPLES[0][0], 0)}


def test_a_file_that_cannot_be_written_costs_nothing_but_the_next_compile(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = PatternStore(blocker / "patterns.marshal")  # its folder would be a file
    assert store.compile(*SAMPLES[0]) == re.compile(*SAMPLES[0])
    assert not store.save(force=True)
