"""Batch jobs on Ray: encoding into the shared cache (and resuming), deduplication, errors.

The Ray tests share one local Ray of 2 CPUs, started once per session; they are skipped
when the scale extra is not installed. The error tests run without Ray.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from benchmarks.synthetic.registry import generate, true_pairs, write_registry_csv
from embeddings.cache import CachedEncoder, EmbeddingCache, text_hash
from embeddings.encoders import TextRole
from matcher.batch.dedup import dedup_on_ray, merge_matches, read_registry
from matcher.batch.encode import (
    MAX_CALLS_PER_BLOCK,
    block_size,
    encode_into_cache,
    organisation_texts,
    store_organisations,
)
from matcher.batch.runtime import ray_session
from matcher.cli import main
from matcher.errors import ConfigError, DataValidationError
from matcher.names import DuplicateReport, find_duplicates
from matcher.service import name_record
from matcher.settings import BatchSettings
from matcher.sources import load_cluster
from matcher.taxonomy import load_taxonomy
from tests.api_fixtures import make_api
from tests.conftest import DEMO_DIR, HashingEncoder

# small calls and cache transactions, so that a few hundred texts make many of each
SMALL = BatchSettings(texts_per_call=8, cache_write_batch=16, records_per_task=300)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[object]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


class RecordingEncoder(HashingEncoder):
    """The hashing encoder, writing each text it encodes to a file of its process; a text
    containing `poison` fails the call, as a job killed half-way would."""

    def __init__(self, folder: Path, poison: str | None = None) -> None:
        super().__init__()
        self.folder, self.poison = folder, poison

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        if self.poison is not None and any(self.poison in t for t in texts):
            raise RuntimeError("stopped half-way")
        with (self.folder / f"{os.getpid()}.log").open("a", encoding="utf-8") as log:
            log.writelines(f"{t}\n" for t in texts)
        return super().encode(texts, role, show_progress)


def encoded_texts(folder: Path) -> list[str]:
    return [line for f in folder.glob("*.log") for line in f.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    cluster = load_cluster(DEMO_DIR, load_taxonomy()).cluster
    texts = organisation_texts(cluster.organisations.values(), 0)
    return [" ".join(t.split()) for t in texts[:240]]  # one line each, for the logs


def cached_vectors(cache: EmbeddingCache, texts: Sequence[str]) -> np.ndarray:
    found = cache.get_many("test/hashing-64", "passage", [text_hash(t) for t in texts])
    return np.stack([found[text_hash(t)] for t in texts])


@pytest.mark.ray
def test_encode_on_ray_fills_the_cache_with_the_plain_paths_vectors(
    ray_cluster: object, demo_texts: list[str], tmp_path: Path
) -> None:
    cache = EmbeddingCache(tmp_path / "ray.sqlite")
    report = encode_into_cache([*demo_texts, *demo_texts[:10]], HashingEncoder, cache, SMALL)
    assert (report.texts, report.cached, report.encoded, report.workers) == (240, 0, 240, 2)
    assert cache.count() == 240

    plain_cache = EmbeddingCache(tmp_path / "plain.sqlite")
    plain = CachedEncoder(HashingEncoder(), plain_cache).encode(demo_texts)
    assert np.array_equal(cached_vectors(cache, demo_texts), plain)
    reader = CachedEncoder(HashingEncoder(), cache)
    reader.encode(demo_texts)
    assert reader.misses == 0  # the service reads the job's vectors as its own


@pytest.mark.ray
def test_a_stopped_encode_job_resumes_with_only_the_texts_not_yet_cached(
    ray_cluster: object, demo_texts: list[str], tmp_path: Path
) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    logs = tmp_path / "logs"
    logs.mkdir()
    texts = [*demo_texts, "POISON: the last text stops the first run"]
    failing = partial(RecordingEncoder, logs, "POISON")
    with pytest.raises(Exception, match="stopped half-way"):
        encode_into_cache(texts, failing, cache, SMALL)
    done = {t for t in texts if cached_vectors_or_none(cache, t)}
    assert 0 < len(done) < len(texts)  # committed batches survive the failure

    for log in logs.glob("*.log"):
        log.unlink()
    report = encode_into_cache(texts, partial(RecordingEncoder, logs), cache, SMALL)
    assert sorted(encoded_texts(logs)) == sorted(set(texts) - done)
    assert (report.cached, report.encoded) == (len(done), len(texts) - len(done))
    assert np.array_equal(cached_vectors(cache, texts), HashingEncoder().encode(texts))


def cached_vectors_or_none(cache: EmbeddingCache, text: str) -> bool:
    return bool(cache.get_many("test/hashing-64", "passage", [text_hash(text)]))


def report_rows(report: DuplicateReport) -> list[tuple[str, str, float, str, str, bool]]:
    return [
        (p.left_id, p.right_id, p.score, p.decision, p.match.reason, p.against_existing)
        for p in report.pairs
    ]


@pytest.mark.parametrize("texts", [1, 100, 1_657, 40_000, 10_000_000])
def test_encode_blocks_are_whole_calls_shared_out_evenly(texts: int) -> None:
    size = block_size(texts, workers=2, per_call=32)
    assert size % 32 == 0 and 32 <= size <= 32 * MAX_CALLS_PER_BLOCK
    blocks = -(-texts // size)
    # at least 16 blocks per worker whenever the job has that many calls, else one per call
    assert blocks >= min(32, -(-texts // 32)) or size == 32 * MAX_CALLS_PER_BLOCK


@pytest.mark.ray
@pytest.mark.parametrize("existing", [0, 800])
def test_dedup_on_ray_finds_the_same_pairs_as_one_process(
    ray_cluster: object, existing: int
) -> None:
    records, entity_of = generate(2_500, seed=11)
    new, old = records[: len(records) - existing], records[len(records) - existing :]
    settings = BatchSettings(records_per_task=400, pairs_per_task=700)
    on_ray = dedup_on_ray(new, old, settings)
    assert report_rows(on_ray) == report_rows(find_duplicates(new, old))
    assert on_ray.blocking == find_duplicates(new, old).blocking

    planted = {pair for pair in true_pairs(entity_of) if pair[0] in {r.id for r in new}}
    found = {tuple(sorted((p.left_id, p.right_id))) for p in on_ray.by_decision("match")}
    assert len(found & planted) >= 0.9 * len(planted)  # a real dedup, not an empty one
    assert len(found & planted) >= 0.98 * len(found)


@pytest.mark.ray
def test_batch_dedup_command_writes_the_pairs_of_a_registry_file(
    ray_cluster: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records, _ = generate(600, seed=3)
    write_registry_csv(records, tmp_path / "registry.csv")
    out = tmp_path / "pairs.csv"
    registry = str(tmp_path / "registry.csv")
    assert main(["batch", "dedup", "--registry", registry, "--out", str(out)]) == 0
    lines = out.read_text("utf-8").splitlines()
    expected = find_duplicates(read_registry(tmp_path / "registry.csv")).pairs
    assert len(lines) == len(expected) + 1 and lines[0].startswith("left_id,right_id,score")
    assert f"{len(expected)} pairs written" in capsys.readouterr().err


@pytest.mark.ray
def test_match_groups_found_on_ray_in_the_store_are_merged_undoably(
    ray_cluster: object, tmp_path: Path
) -> None:
    service = make_api(tmp_path).service
    duplicate = (
        "id,name,kind,country,city,description\n"
        "ru-waste-2,EkoSort LLC,sme,RU,Saint Petersburg,Sorting of municipal waste\n"
    )
    service.import_file("organisations", "organisations.csv", duplicate.encode(), "test")
    orgs = store_organisations(service.store, service.taxonomy)
    report = dedup_on_ray([name_record(o) for o in orgs], settings=SMALL)
    assert [(p.left_id, p.right_id) for p in report.by_decision("match")] == [
        ("ru-waste", "ru-waste-2")
    ]
    (entry,) = merge_matches(service, report, "test")
    assert (entry.survivor_id, entry.merged_ids) == ("ru-waste", ("ru-waste", "ru-waste-2"))
    assert not service.store.has("organisations", "ru-waste-2")
    service.unmerge(entry.merge_id, "test")
    assert service.store.has("organisations", "ru-waste-2")


def test_a_batch_job_without_ray_says_to_install_the_scale_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    records, _ = generate(50, seed=1)
    write_registry_csv(records, tmp_path / "registry.csv")
    hint = r"install the scale extra \(pip install -e '\.\[scale\]'\)"
    with pytest.raises(ConfigError, match=hint):
        dedup_on_ray(records)
    assert main(["batch", "dedup", "--registry", str(tmp_path / "registry.csv")]) == 2
    assert "install the scale extra" in capsys.readouterr().err


class _UnreachableRay:
    """Stands in for the `ray` module: no Ray in this process, no cluster to join."""

    def __init__(self) -> None:
        self.inits: list[dict[str, object]] = []

    def is_initialized(self) -> bool:
        return False

    def init(self, **options: object) -> None:
        self.inits.append(options)
        if options.get("address") != "local":
            raise ConnectionError(f"Failed to connect to Ray cluster at {options['address']}")

    def shutdown(self) -> None:
        pass


def test_a_cluster_that_cannot_be_joined_is_named_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", _UnreachableRay())
    records, _ = generate(50, seed=1)
    write_registry_csv(records, tmp_path / "registry.csv")
    args = ["batch", "dedup", "--registry", str(tmp_path / "registry.csv")]
    assert main([*args, "--ray-address", "10.0.0.9:6379"]) == 2
    err = capsys.readouterr().err
    assert "cannot join the Ray cluster at 10.0.0.9:6379" in err and "RAY_AUTH_MODE=token" in err


def test_without_an_address_a_job_starts_its_own_ray_even_beside_a_running_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _UnreachableRay()
    monkeypatch.setitem(sys.modules, "ray", fake)
    with ray_session(BatchSettings(num_cpus=2)):
        pass
    assert fake.inits and all(o["address"] == "local" for o in fake.inits)
    assert fake.inits[0]["num_cpus"] == 2


def test_a_bad_registry_file_names_the_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("id,name,country\na1,Kierto Oy,FI\na2,,NO\na1,Kierto Ab,FI\n", "utf-8")
    with pytest.raises(DataValidationError) as caught:
        read_registry(path)
    assert [str(p) for p in caught.value.problems] == [
        "registry.csv, row 2, column name: empty",
        "registry.csv, row 3, column id: id 'a1' again",
    ]
    with pytest.raises(ConfigError, match="not found"):
        read_registry(tmp_path / "absent.csv")
    (tmp_path / "names.csv").write_text("name\nKierto Oy\n", "utf-8")
    with pytest.raises(DataValidationError, match="missing column 'id'"):
        read_registry(tmp_path / "names.csv")


def test_planted_duplicates_are_deterministic_for_a_seed() -> None:
    first, truth = generate(400, seed=5)
    again, _ = generate(400, seed=5)
    assert first == again
    assert len(true_pairs(truth)) > 50
    kinds = {r.name.split()[-1] for r in first} | {r.name.split()[0] for r in first}
    assert {"Oy", "AS", "ООО", "Ltd"} <= kinds
    assert list(itertools.islice((r.id for r in first), 2)) == ["r000001", "r000002"]
