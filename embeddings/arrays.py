"""Arrays on disk, one .npy file each, opened memory-mapped copy-on-write.

Opening a saved index of a million organisations reads about 5 GB. Read from zip archives
(`np.savez`), each array was copied through zipfile's buffers with a CRC over every byte:
6 s of the open. A .npy file maps in place: the open costs nothing, pages come in as they
are first touched, and a write stays private to the process (the file is never changed).
Each file is written under a temporary name and renamed into place, so a process that has
the old file mapped keeps reading the old inode instead of a truncated one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from embeddings.errors import VectorIndexError


def save_array(path: Path, array: np.ndarray) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        np.save(handle, array)
    os.replace(temporary, path)


def load_array(path: Path, mmap: bool) -> np.ndarray:
    """A saved array, memory-mapped copy-on-write when `mmap` (writes stay private).

    Returned as a plain ndarray over the mapping: numpy's memmap subclass wraps every
    slice in a new memmap object, which made each query's row gathers several times slower."""
    try:
        loaded = np.load(path, mmap_mode="c" if mmap else None)
    except (OSError, ValueError) as exc:
        raise VectorIndexError(f"unreadable index file {path}: {exc}") from exc
    return np.asarray(loaded)


def save_arrays(folder: Path, prefix: str, arrays: dict[str, np.ndarray]) -> None:
    """Each array as `<prefix>.<name>.npy` in `folder`."""
    for name, array in arrays.items():
        save_array(folder / f"{prefix}.{name}.npy", np.asarray(array))


def load_arrays(folder: Path, prefix: str, names: Iterable[str]) -> dict[str, np.ndarray]:
    """The arrays `save_arrays` wrote, memory-mapped copy-on-write."""
    return {name: load_array(folder / f"{prefix}.{name}.npy", mmap=True) for name in names}


def has_arrays(folder: Path, prefix: str, names: Iterable[str]) -> bool:
    return all((folder / f"{prefix}.{name}.npy").is_file() for name in names)
