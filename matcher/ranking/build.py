"""Building the ranking state of a whole cluster, batch by batch.

A registry of a million organisations has eight million chunks, 12 GB of float32 vectors:
they are never held at once. A seeded sample of chunks (all of them for a small cluster)
is encoded first: the language means are fitted on it, and an IVF index's lists and
codebooks are trained on it. Then the organisations are encoded and indexed in batches,
each batch going through the same path as any later write (RankingState.prepare/apply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from embeddings import ChunkIndex, Encoder
from embeddings.centering import LanguageCentering
from matcher.chunking import TextChunk, chunks_of
from matcher.model import Cluster, Organisation
from matcher.ranking.state import CENTERING_KEY, Prepared, RankingState, chunk_languages
from matcher.settings import RankingSettings
from matcher.taxonomy import Taxonomy

BUILD_BATCH = 20_000  # organisations encoded and indexed at a time
SAMPLE_CHUNKS = 100_000  # chunks the language means and an IVF index are fitted on
SAMPLE_SEED = 7


def build_state(
    cluster: Cluster,
    encoder: Encoder,
    taxonomy: Taxonomy,
    settings: RankingSettings,
    detect_language: Callable[[str], str] | None = None,
    center_languages: bool = True,
    show_progress: bool = False,
) -> RankingState:
    """Encode every organisation once (through the encoder's cache) and index it all."""
    orgs = list(cluster.organisations.values())
    expected = sum(len(chunks_of(o, settings.passage_words)) for o in orgs)
    sample = _sample(orgs, expected)
    chunks = [tuple(chunks_of(o, settings.passage_words)) for o in sample]
    vectors = encoder.encode(_texts(chunks), "passage", show_progress=show_progress)
    languages = chunk_languages(sample, chunks)
    centering = LanguageCentering.fit(vectors, languages) if center_languages else None
    if centering is not None:
        vectors = centering.apply(vectors, languages)
    index = ChunkIndex.for_size(encoder.dimension, encoder.model_id, expected, vectors)
    if centering is not None:
        index.extras[CENTERING_KEY] = centering.to_json()
    state = RankingState(index, encoder, taxonomy, settings, detect_language)
    if len(sample) == len(orgs):  # the sample is everyone: no second encoding
        state.apply(Prepared(tuple(orgs), tuple(chunks), vectors))
    else:
        for batch in _batches(orgs, show_progress):
            state.apply(state.prepare(batch))
    state.needs = dict(cluster.needs)
    state.link_all(cluster.partnerships)
    return state


def _sample(orgs: list[Organisation], expected: int) -> list[Organisation]:
    """Every organisation when they hold few chunks, else a seeded random share of them."""
    if expected <= SAMPLE_CHUNKS:
        return orgs
    share = SAMPLE_CHUNKS / expected
    rng = np.random.default_rng(SAMPLE_SEED)
    picked = np.sort(rng.choice(len(orgs), int(share * len(orgs)), replace=False)).tolist()
    return [orgs[i] for i in picked]


def _texts(chunks: Sequence[Sequence[TextChunk]]) -> list[str]:
    return [c.text for cs in chunks for c in cs]


def _batches(orgs: list[Organisation], show_progress: bool) -> Iterator[list[Organisation]]:
    starts: Iterator[int] = iter(range(0, len(orgs), BUILD_BATCH))
    if show_progress:
        from tqdm import tqdm

        batches = -(-len(orgs) // BUILD_BATCH)
        starts = iter(tqdm(list(starts), total=batches, desc="indexing", unit="batch"))
    for start in starts:
        yield orgs[start : start + BUILD_BATCH]
