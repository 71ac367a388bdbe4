"""The on-disk cache of built indexes: one file per knowledge base, keyed by a hash of its content, the
engine version, the dictionary version and the vectors.

Files are numpy archives read without pickle. A file whose stored key differs (stale), that cannot be
read (corrupt, truncated) or that lacks an array is ignored and rebuilt; writes go through a temporary
file and an atomic rename, so two processes starting together never see half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

def dictionary_version() -> str:
    versions = []
    for package in ("sudachipy", "sudachidict-core"):
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}=?")
    return ",".join(versions)


def digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def _path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"index-{key[:32]}.npz"


def load(cache_dir: Path, key: str) -> dict[str, np.ndarray] | None:
    path = _path(cache_dir, key)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if data["cache_key"].tobytes().decode("ascii") != key:
                logger.info("index cache %s is stale: rebuilding", path.name)
                return None
            return {name: data[name] for name in data.files if name != "cache_key"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        logger.warning("index cache %s unreadable (%s): rebuilding", path.name, type(error).__name__)
        return None


def save(cache_dir: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Best effort: a read-only or full disk only costs the next start its build time."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".index-", suffix=".npz")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, cache_key=np.frombuffer(key.encode("ascii"), dtype=np.uint8), **arrays)  # type: ignore[arg-type]
        os.replace(tmp, _path(cache_dir, key))
    except OSError as error:
        logger.warning("index cache not written to %s: %s", cache_dir, error)
