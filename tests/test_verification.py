"""A saved version's files checked against their manifest digests while the open goes on:
FAISS files before anything reads them, the others in a background thread, and an error
while reading damaged files reported as the damage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from embeddings import VectorIndexError
from embeddings.verification import Verification, checksums

FILES = {"backend/ann.hnsw.faiss": b"graph" * 100, "backend/ann.ids.npy": b"ids" * 100,
         "lexicon.posting_slots.npy": b"postings" * 10_000, "manifest.json": b"{}"}  # fmt: skip


def version(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "v1"
    for name, data in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder, checksums(folder)


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_digests_cover_every_file_but_the_manifest(tmp_path: Path) -> None:
    folder, expected = version(tmp_path)
    assert sorted(expected) == sorted(n for n in FILES if n != "manifest.json")
    damage(folder / "lexicon.posting_slots.npy")
    assert checksums(folder)["lexicon.posting_slots.npy"] != expected["lexicon.posting_slots.npy"]


def test_intact_files_pass_even_when_the_version_is_removed_meanwhile(tmp_path: Path) -> None:
    folder, expected = version(tmp_path)
    verification = Verification(folder, expected)
    shutil.rmtree(folder)  # another process's save replaced this version
    verification.check()


def test_a_damaged_array_file_is_named_when_the_caller_asks(tmp_path: Path) -> None:
    folder, expected = version(tmp_path)
    damage(folder / "lexicon.posting_slots.npy")
    verification = Verification(folder, expected)  # the open goes on meanwhile
    with pytest.raises(
        VectorIndexError, match=r"lexicon\.posting_slots\.npy .* does not match its manifest"
    ):
        verification.check()


def test_a_damaged_faiss_file_is_refused_before_anything_reads_it(tmp_path: Path) -> None:
    folder, expected = version(tmp_path)
    damage(folder / "backend/ann.hnsw.faiss")
    with pytest.raises(VectorIndexError, match=r"ann\.hnsw\.faiss"):
        Verification(folder, expected)


@pytest.mark.parametrize("change", ["extra", "missing"])
def test_a_file_the_manifest_does_not_list_or_lacks_is_refused(tmp_path: Path, change: str) -> None:
    folder, expected = version(tmp_path)
    if change == "extra":
        (folder / "stray.npy").write_bytes(b"x")
    else:
        (folder / "lexicon.posting_slots.npy").unlink()
    with pytest.raises(VectorIndexError, match="do not match their manifest"):
        Verification(folder, expected)


def test_an_error_reading_damaged_files_is_reported_as_the_damage(tmp_path: Path) -> None:
    folder, expected = version(tmp_path)
    damage(folder / "lexicon.posting_slots.npy")
    verification = Verification(folder, expected)
    with (
        pytest.raises(VectorIndexError, match=r"lexicon\.posting_slots\.npy") as raised,
        verification.trusted(),
    ):
        raise KeyError("vocabulary")  # what a reader of the damaged file might raise
    assert isinstance(raised.value.__context__, KeyError)


def test_an_error_reading_intact_files_propagates_as_it_is(tmp_path: Path) -> None:
    folder, expected = version(tmp_path)
    verification = Verification(folder, expected)
    with pytest.raises(KeyError, match="vocabulary"), verification.trusted():
        raise KeyError("vocabulary")
