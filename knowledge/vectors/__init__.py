"""Static word vectors (chiVe, through ja-ginza), derived by tools/derive_vectors.py; see NOTICE here.

Words are looked up by a 64-bit hash of their folded form, so the file holds no strings and loads in a
few milliseconds. Each row is a unit vector quantized to int8; each row also lists its nearest rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parent / "chive-ja_ginza-5.3.0.npz"


def word_hash(folded: str) -> int:
    return int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class WordVectors:
    keys: np.ndarray  # sorted uint64 word hashes
    rows: np.ndarray  # row of each key
    quantized: np.ndarray  # int8 unit vectors, one per row; `of(rows)` gives them as float32
    scales: np.ndarray  # float32 per row
    neighbours: np.ndarray  # nearest rows of each row, closest first
    similarities: np.ndarray  # their cosines

    @classmethod
    def load(cls, path: Path = OUTPUT) -> WordVectors:
        # Kept as stored (int8): converting all 6 million values at start-up costs more than the few
        # rows a question needs.
        with np.load(path) as data:
            return cls(data["keys"], data["rows"], data["vectors"], data["scales"], data["neighbours"],
                       data["similarities"])

    @property
    def dims(self) -> int:
        return int(self.quantized.shape[1])

    def of(self, rows: np.ndarray) -> np.ndarray:
        """float32 vectors of `rows`."""
        return self.quantized[rows].astype(np.float32) * self.scales[rows, None]

    @property
    def version(self) -> str:
        return OUTPUT.name

    def rows_of(self, terms: Iterable[str]) -> np.ndarray:
        """Row of each term, -1 for a word without a vector."""
        hashes = np.fromiter((word_hash(t) for t in terms), dtype=np.uint64)
        if not len(hashes):
            return np.empty(0, dtype=np.int32)
        at = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        return np.where(self.keys[at] == hashes, self.rows[at].astype(np.int32), -1)


@cache
def bundled_vectors() -> WordVectors | None:
    """The shipped vectors, loaded once per process (read-only); None if the file is missing."""
    return WordVectors.load() if OUTPUT.exists() else None
