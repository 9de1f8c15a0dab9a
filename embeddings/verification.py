"""Checking a saved index version's files against the digests its manifest lists.

Opening a million organisations reads 5 GB of files, and hashing them took 5.6 s of the
open from a warm page cache and 16 s from a cold disk. So the check runs in a background
thread while the caller goes on loading (hashlib and file reads release the GIL: on the
second core it costs the open almost nothing), and the caller asks for the verdict before
it trusts what it loaded. FAISS's own files are the exception: its reader trusts its
input, so they are checked before anything reads them. numpy's and JSON's readers reject
what they cannot parse with an exception, and an error while loading is put down to
damage when the files then fail their check.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from embeddings.errors import VectorIndexError

MANIFEST = "manifest.json"
CHECKED_FIRST = (".faiss",)  # files whose reader must never see damaged bytes
_BLOCK = 1 << 22


def checksums(version: Path) -> dict[str, str]:
    """Every file of the version (but the manifest) by its path inside it: its sha256."""
    return {name: _digest(path.open("rb")) for name, path in _files(version).items()}


def _files(version: Path) -> dict[str, Path]:
    found = sorted(p for p in version.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {str(p.relative_to(version)): p for p in found}


def _digest(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    with handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


class Verification:
    """A version's files being checked: the FAISS files at once, the others in a thread.

    Every file is opened at the start, so a save by another process that removes this
    version meanwhile cannot take a file from under the check."""

    def __init__(self, version: Path, expected: dict[str, str]) -> None:
        self._version = version
        files = _files(version)
        if files.keys() != expected.keys():
            raise VectorIndexError(f"index files in {version} do not match their manifest")
        first = [n for n in files if n.endswith(CHECKED_FIRST)]
        for name in first:
            self._compare(name, _digest(files[name].open("rb")), expected)
        later = {n: files[n].open("rb") for n in files if n not in first}
        self._failure: str | None = None
        self._thread = threading.Thread(
            target=self._check_all, args=(later, expected), name="index-check", daemon=True
        )
        self._thread.start()

    def _check_all(self, handles: dict[str, BinaryIO], expected: dict[str, str]) -> None:
        try:
            for name, handle in handles.items():
                self._compare(name, _digest(handle), expected)
        except (OSError, VectorIndexError) as exc:
            self._failure = str(exc)
        finally:
            for handle in handles.values():
                handle.close()

    def _compare(self, name: str, digest: str, expected: dict[str, str]) -> None:
        if digest != expected[name]:
            raise VectorIndexError(
                f"index file {name} in {self._version} does not match its manifest"
            )

    def check(self) -> None:
        """Wait for the check; raises VectorIndexError when a file was damaged."""
        self._thread.join()
        if self._failure is not None:
            raise VectorIndexError(self._failure)

    @contextmanager
    def trusted(self) -> Iterator[None]:
        """Reading the version's files: an error raised there is reported as the damage it
        came from when the files fail their check (else it propagates as it is)."""
        try:
            yield
        except VectorIndexError:
            raise
        except Exception:
            self.check()  # raises VectorIndexError (chained to this error) when damaged
            raise
