"""The on-disk cache of built indexes: one file per knowledge base, keyed by a hash of its content, the
engine version, the dictionary version and the vectors.

A file is a table of contents (JSON: the key, then each array's dtype, shape, offset and CRC-32) and the
arrays' bytes, each 64-byte aligned. Nothing is unpickled, and nothing is copied: the file is
memory-mapped and each array is a read-only view of its stretch, so a warm start costs a checksum of the
file rather than reading it into memory, and every process that maps the same file shares its pages.
A file whose stored key differs (stale), that cannot be read (corrupt, truncated, of another layout) or
whose checksums do not match is ignored and rebuilt. Writes go through a temporary file and an atomic
rename, so two processes starting together never see half a file, and a file replaced under a process
that maps the old one leaves that mapping intact.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import numpy as np

logger = logging.getLogger(__name__)

# The layout of a file: part of every key (engine.cache_key), and its first bytes.
FORMAT = "dxbot-index-2"
_MAGIC = FORMAT.encode("ascii") + b"\n"
_TABLE = struct.Struct("<QL")  # length and CRC-32 of the table of contents, after the magic
_ALIGN = 64


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
    return cache_dir / f"index-{key[:32]}.idx"


class Unreadable(ValueError):
    """The file is not an index this module wrote, or not whole."""


def load(cache_dir: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays saved under `key` (read-only views of the mapped file), or None: missing, stale, corrupt."""
    path = _path(cache_dir, key)
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    except FileNotFoundError:
        return None
    except OSError as error:
        logger.warning("index cache %s unreadable (%s): rebuilding", path.name, type(error).__name__)
        return None
    try:
        if mapped is None:
            raise Unreadable("empty file")
        stored_key, arrays = _read(memoryview(mapped))
        if stored_key != key:
            logger.info("index cache %s is stale: rebuilding", path.name)
            return None
        return arrays
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as error:  # Unreadable is a ValueError
        logger.warning("index cache %s unreadable (%s): rebuilding", path.name, type(error).__name__)
        return None


def _read(view: memoryview) -> tuple[str, dict[str, np.ndarray]]:
    if bytes(view[: len(_MAGIC)]) != _MAGIC:
        raise Unreadable("not an index of this layout")
    at = len(_MAGIC)
    if len(view) < at + _TABLE.size:
        raise Unreadable("truncated")
    length, crc = _TABLE.unpack(view[at : at + _TABLE.size])
    table = view[at + _TABLE.size : at + _TABLE.size + length]
    if len(table) != length or zlib.crc32(table) != crc:
        raise Unreadable("damaged table of contents")
    contents = json.loads(bytes(table))
    arrays: dict[str, np.ndarray] = {}
    for item in contents["arrays"]:
        dtype = np.dtype(item["dtype"])
        if dtype.hasobject:
            raise Unreadable("object array")
        shape = tuple(int(n) for n in item["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        start = int(item["offset"])
        data = view[start : start + count * dtype.itemsize]
        if len(data) != count * dtype.itemsize or zlib.crc32(data) != item["crc"]:
            raise Unreadable(f"{item['name']}: damaged")
        arrays[item["name"]] = np.frombuffer(data, dtype=dtype, count=count).reshape(shape)
    return str(contents["key"]), arrays


def save(cache_dir: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Best effort: a read-only or full disk only costs the next start its build time."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".index-", suffix=".idx")
        try:
            with os.fdopen(fd, "wb") as out:
                _write(out, key, arrays)
            os.replace(tmp, _path(cache_dir, key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        logger.warning("index cache not written to %s: %s", cache_dir, error)


def _write(out: BinaryIO, key: str, arrays: dict[str, np.ndarray]) -> None:
    contiguous = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    blocks = [array.data.cast("B") for array in contiguous.values()]
    items: list[dict[str, object]] = [
        {"name": name, "dtype": array.dtype.str, "shape": list(array.shape), "offset": 0, "crc": zlib.crc32(block)}
        for (name, array), block in zip(contiguous.items(), blocks, strict=True)
    ]
    # Offsets depend on the table's length, which depends on the offsets' digits: the table is laid out at a
    # length bound to hold any offset, and padded to it.
    bound = len(json.dumps({"key": key, "arrays": items})) + 24 * (len(items) + 1)
    offsets: list[int] = []
    position = _aligned(len(_MAGIC) + _TABLE.size + bound)
    for item, block in zip(items, blocks, strict=True):
        offsets.append(position)
        item["offset"] = position
        position = _aligned(position + len(block))
    table = json.dumps({"key": key, "arrays": items}).encode("ascii")
    table += b" " * (bound - len(table))  # JSON allows trailing spaces
    out.write(_MAGIC)
    out.write(_TABLE.pack(len(table), zlib.crc32(table)))
    out.write(table)
    written = len(_MAGIC) + _TABLE.size + len(table)
    for offset, block in zip(offsets, blocks, strict=True):
        out.write(b"\0" * (offset - written))
        out.write(block)
        written = offset + len(block)


def _aligned(position: int) -> int:
    return -(-position // _ALIGN) * _ALIGN
