"""Save and load a VectorIndex with a manifest that guards against a model mismatch.

Files are written beside their final names and moved into place, the manifest last. The
manifest carries a checksum of the other two files, so a crash between two moves shows up
as a checksum mismatch at load time (and the caller rebuilds from its source of truth)
rather than as silently inconsistent search results.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from embeddings.errors import IndexMismatchError, VectorIndexError
from embeddings.index import VectorIndex, faiss

FORMAT_VERSION = 1
INDEX_FILE = "index.faiss"
META_FILE = "chunks.json"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class IndexManifest:
    format_version: int
    model_id: str
    dimension: int
    owner_count: int
    vector_count: int
    checksum: str
    source_fingerprint: str
    created_at: str


def _checksum(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in (INDEX_FILE, META_FILE):
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def save_index(index: VectorIndex, directory: Path, source_fingerprint: str = "") -> IndexManifest:
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomically(directory / INDEX_FILE, faiss.serialize_index(index.faiss_index).tobytes())
    meta = json.dumps(index.metadata(), ensure_ascii=False).encode("utf-8")
    _write_atomically(directory / META_FILE, meta)
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        model_id=index.model_id,
        dimension=index.dimension,
        owner_count=index.owner_count,
        vector_count=index.vector_count,
        checksum=_checksum(directory),
        source_fingerprint=source_fingerprint,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    _write_atomically(directory / MANIFEST_FILE, json.dumps(asdict(manifest), indent=2).encode())
    return manifest


def read_manifest(directory: Path) -> IndexManifest:
    path = directory / MANIFEST_FILE
    if not path.exists():
        raise VectorIndexError(f"no index at {directory} (missing {MANIFEST_FILE})")
    try:
        return IndexManifest(**json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise VectorIndexError(f"unreadable index manifest {path}: {exc}") from exc


def load_index(directory: Path, model_id: str, dimension: int) -> tuple[VectorIndex, IndexManifest]:
    """Load an index, refusing one built with another model or of another dimension."""
    manifest = read_manifest(directory)
    if manifest.model_id != model_id or manifest.dimension != dimension:
        raise IndexMismatchError(
            f"index at {directory} was built with model {manifest.model_id!r} "
            f"(dimension {manifest.dimension}), not {model_id!r} (dimension {dimension}); "
            "rebuild it (matcher build)"
        )
    if manifest.format_version != FORMAT_VERSION:
        raise VectorIndexError(f"index format {manifest.format_version} is not supported")
    if _checksum(directory) != manifest.checksum:
        raise VectorIndexError(f"index files at {directory} do not match their manifest")
    raw = (directory / INDEX_FILE).read_bytes()
    import numpy as np

    faiss_index = faiss.deserialize_index(np.frombuffer(raw, dtype=np.uint8))
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    index = VectorIndex.from_parts(dimension, model_id, faiss_index, meta)
    if index.vector_count != manifest.vector_count:
        raise VectorIndexError(f"index at {directory} holds a different count than its manifest")
    return index, manifest
