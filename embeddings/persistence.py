"""Save and load a ChunkIndex as one versioned folder, switched into place atomically.

Each save writes a new folder (the backend's files, the catalogue, any files the caller
adds beside them, and a manifest with a checksum per file), then points `CURRENT` at it
with one atomic rename. A crash at any moment leaves either the old version or the new
one, never a mix; the running process may still read (memory-map) the old folder, which
is removed only after the switch (on Linux an open or mapped file outlives its name).
The manifest names the model and dimension, so an index built with another model is
refused with a clear message rather than silently mixing vector spaces.

Several server processes may share one index folder: the switch (and the removal of the
version it replaces) happens under an exclusive lock on the folder, and a loader reads
under a shared one (`index_lock`), so no process removes a version another is still
reading, and two processes saving at once each leave a whole version current.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embeddings.ann import factory
from embeddings.arrays import load_arrays, save_arrays
from embeddings.catalog import ChunkCatalog
from embeddings.columns import Codes, Column
from embeddings.errors import IndexMismatchError, VectorIndexError
from embeddings.index import ChunkIndex
from embeddings.verification import MANIFEST, Verification, checksums

FORMAT_VERSION = 3  # 3: arrays as memory-mapped .npy files, not zip archives
CURRENT = "CURRENT"
BACKEND_DIR = "backend"
CATALOG = "catalog"  # its arrays: catalog.<column>.npy
CATALOG_META = "catalog.json"
LOCK = "lock"
BUILD_LOCK = "build.lock"  # held by the process building a new index from scratch
_SLOT_COLUMNS = ("owner", "field", "ref", "language", "alive")
_ROW_COLUMNS = ("start", "count", "row_alive")


@dataclass(frozen=True)
class IndexManifest:
    format_version: int
    model_id: str
    dimension: int
    owner_count: int
    vector_count: int
    backend: str
    checksums: dict[str, str]
    # what the index was built from (a store's change sequence, a data fingerprint): the
    # caller's to write and to compare, opaque here
    source: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""


@contextmanager
def saving(index: ChunkIndex, directory: Path, source: dict[str, Any]) -> Iterator[Path]:
    """Write a new version of the index; the caller may add files to the yielded folder.

    The version becomes current only when the block ends without an error."""
    directory.mkdir(parents=True, exist_ok=True)
    version = directory / f"v{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    version.mkdir()
    try:
        (version / BACKEND_DIR).mkdir()
        index.backend.save(version / BACKEND_DIR)
        _save_catalog(index.catalog, index.extras, version)
        yield version
        _write_manifest(index, version, source)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    with index_lock(directory, exclusive=True):
        previous = current_version(directory)
        _write_atomically(directory / CURRENT, version.name.encode())
        if previous is not None and previous != version:
            shutil.rmtree(previous, ignore_errors=True)


@contextmanager
def index_lock(directory: Path, exclusive: bool, name: str = LOCK) -> Iterator[None]:
    """A lock on the index folder shared by every process on this machine (released by
    the system when a process dies, even by kill -9)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / name, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_version(directory: Path) -> Path | None:
    try:
        name = (directory / CURRENT).read_text().strip()
    except OSError:
        return None
    return directory / name if name and (directory / name).is_dir() else None


def read_manifest(directory: Path) -> tuple[IndexManifest, Path]:
    version = current_version(directory)
    if version is None:
        raise VectorIndexError(f"no index at {directory}")
    try:
        raw = json.loads((version / MANIFEST).read_text())
        return IndexManifest(**raw), version
    except (OSError, ValueError, TypeError) as exc:
        raise VectorIndexError(f"unreadable index manifest in {version}: {exc}") from exc


def open_index(
    directory: Path, model_id: str, dimension: int, mmap: bool = True
) -> tuple[ChunkIndex, IndexManifest, Path, Verification]:
    """The current index version, refusing another model or dimension, with its files
    still being checked: the caller reads what else it needs under `trusted()` and calls
    `check()` before it trusts the index."""
    manifest, version = read_manifest(directory)
    if manifest.model_id != model_id or manifest.dimension != dimension:
        raise IndexMismatchError(
            f"the index at {directory} was built with model {manifest.model_id!r} "
            f"(dimension {manifest.dimension}), not {model_id!r} (dimension {dimension}); "
            "rebuild it with `matcher build --force`"
        )
    if manifest.format_version != FORMAT_VERSION:
        raise VectorIndexError(f"index format {manifest.format_version} is not supported")
    verification = Verification(version, manifest.checksums)
    with verification.trusted():
        backend = factory.load(version / BACKEND_DIR, mmap=mmap)
        catalog, extras = _load_catalog(version)
    index = ChunkIndex(dimension, model_id, backend, catalog)
    index.extras = extras
    if index.vector_count != manifest.vector_count:
        verification.check()
        raise VectorIndexError(f"index in {version} holds a different count than its manifest")
    return index, manifest, version, verification


def load_index(
    directory: Path, model_id: str, dimension: int, mmap: bool = True
) -> tuple[ChunkIndex, IndexManifest, Path]:
    """The current index version, its files verified, refusing another model or dimension."""
    index, manifest, version, verification = open_index(directory, model_id, dimension, mmap)
    verification.check()
    return index, manifest, version


# --- catalogue ---------------------------------------------------------------------------
def _save_catalog(catalog: ChunkCatalog, extras: dict[str, Any], version: Path) -> None:
    arrays = {name: getattr(catalog, name).view for name in (*_SLOT_COLUMNS, *_ROW_COLUMNS)}
    save_arrays(version, CATALOG, arrays)
    meta = {
        "ids": catalog.ids,
        "fields": catalog.fields.values,
        "refs": catalog.refs.values,
        "languages": catalog.languages.values,
        "extras": extras,
    }
    (version / CATALOG_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _load_catalog(version: Path) -> tuple[ChunkCatalog, dict[str, Any]]:
    meta = json.loads((version / CATALOG_META).read_text(encoding="utf-8"))
    catalog = ChunkCatalog()
    arrays = load_arrays(version, CATALOG, (*_SLOT_COLUMNS, *_ROW_COLUMNS))
    for name, array in arrays.items():
        setattr(catalog, name, Column.adopt(array, getattr(catalog, name).fill))
    catalog.ids = list(meta["ids"])
    catalog.row_of = {ident: row for row, ident in enumerate(catalog.ids)}
    catalog.fields, catalog.refs = Codes(meta["fields"]), Codes(meta["refs"])
    catalog.languages = Codes(meta["languages"])
    return catalog, dict(meta.get("extras") or {})


# --- manifest ----------------------------------------------------------------------------
def _write_manifest(index: ChunkIndex, version: Path, source: dict[str, Any]) -> None:
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        model_id=index.model_id,
        dimension=index.dimension,
        owner_count=index.owner_count,
        vector_count=index.vector_count,
        backend=index.backend.kind,
        checksums=checksums(version),
        source=source,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _write_atomically(version / MANIFEST, json.dumps(asdict(manifest), indent=2).encode())


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
