"""Derive the engine's compact word-vector file from the chiVe vectors inside the ja-ginza wheel.

    pip download ja-ginza==5.3.0 --no-deps -d /tmp/ginza
    python tools/derive_vectors.py /tmp/ginza/ja_ginza-5.3.0-py3-none-any.whl

ja-ginza (MIT) ships chiVe vectors (Apache-2.0, Works Applications) pruned by spaCy to 20,000 rows of
300 float32, with 480,443 Sudachi normalized forms mapped onto those rows (a pruned word points to its
nearest kept row). Depending on ja-ginza itself would pull spaCy and pin sudachipy < 0.7, so this step
keeps only what the engine reads, in knowledge/vectors/chive-ja_ginza-5.3.0.npz (about 14 MB, uncompressed so that it loads in milliseconds):

- `keys`: sorted 64-bit BLAKE2b hashes of each word, folded as the engine folds its terms
  (knowledge.normalize.fold_for_match); when two words fold alike the first (the more frequent) wins;
- `rows`: the vector row of each key;
- `vectors` (int8) and `scales` (float32): each row L2-normalized, then quantized to int8;
- `neighbours` (uint16) and `similarities` (float16): each row's 16 nearest rows by cosine.

The wheel is read, never imported. The output is deterministic for a given wheel.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.normalize import fold_for_match  # noqa: E402
from knowledge.vectors import OUTPUT, word_hash  # noqa: E402

PREFIX = "ja_ginza/ja_ginza-5.3.0/vocab/"
NEIGHBOURS = 16
_M = 0xC6A4A7935BD1E995
_MASK = (1 << 64) - 1


def spacy_hash(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, as spaCy's StringStore hashes strings (seed 1)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    blocks = len(data) // 8
    for i in range(blocks):
        k = (int.from_bytes(data[8 * i : 8 * i + 8], "little") * _M) & _MASK
        k ^= k >> 47
        h ^= (k * _M) & _MASK
        h = (h * _M) & _MASK
    rest = data[8 * blocks :]
    if rest:
        h = ((h ^ int.from_bytes(rest, "little")) * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    return h ^ (h >> 47)


def _msgpack(raw: bytes) -> dict:
    try:
        import msgpack
    except ImportError:  # pip vendors msgpack; no extra install for a one-off step
        from pip._vendor import msgpack  # type: ignore[no-redef]
    return msgpack.unpackb(raw, strict_map_key=False)


def main() -> None:
    wheel = Path(sys.argv[1])
    with zipfile.ZipFile(wheel) as archive:
        key2row = _msgpack(archive.read(PREFIX + "key2row"))
        strings = json.loads(archive.read(PREFIX + "strings.json"))
        with archive.open(PREFIX + "vectors") as stream:
            vectors = np.load(stream)
    chosen: dict[int, int] = {}
    for word in strings:
        row = key2row.get(spacy_hash(word.encode("utf-8")))
        folded = fold_for_match(word)
        if row is None or not folded:
            continue
        chosen.setdefault(word_hash(folded), row)
    keys = np.fromiter(chosen.keys(), dtype=np.uint64, count=len(chosen))
    rows = np.fromiter(chosen.values(), dtype=np.uint16, count=len(chosen))
    order = np.argsort(keys)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    scales = np.abs(unit).max(axis=1) / 127
    quantized = np.round(unit / scales[:, None]).astype(np.int8)
    neighbours = np.zeros((len(unit), NEIGHBOURS), dtype=np.uint16)
    similarities = np.zeros((len(unit), NEIGHBOURS), dtype=np.float16)
    for start in range(0, len(unit), 1000):
        block = unit[start : start + 1000] @ unit.T
        for i in range(len(block)):
            block[i, start + i] = -1.0
        top = np.argsort(-block, axis=1, kind="stable")[:, :NEIGHBOURS]
        neighbours[start : start + 1000] = top
        similarities[start : start + 1000] = np.take_along_axis(block, top, axis=1)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        OUTPUT, keys=keys[order], rows=rows[order], vectors=quantized, scales=scales.astype(np.float32),
        neighbours=neighbours, similarities=similarities,
    )
    print(f"{len(keys)} words on {len(unit)} rows -> {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
