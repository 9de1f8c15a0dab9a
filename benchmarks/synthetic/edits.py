"""Edits, for write-latency tests: changed organisations and new partnerships."""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np

from benchmarks.synthetic.bulk import EDIT_STREAM
from benchmarks.synthetic.places import CITIES
from benchmarks.synthetic.texts import one_topic_rows, text_writer
from benchmarks.synthetic.vocabulary import LANGUAGES, TopicVocabulary, default_vocabulary
from matcher.model import Cluster, Organisation, Partnership


def mutated(
    org: Organisation, seed: int = 0, vocabulary: TopicVocabulary | None = None
) -> Organisation:
    """A copy with a new description and a new first offer, on the organisation's main topic."""
    vocabulary = vocabulary or default_vocabulary()
    language = LANGUAGES.index(org.language) if org.language in LANGUAGES else 0
    city = next((k for k, (_, name, _) in enumerate(CITIES) if name == org.city), 0)
    rng = np.random.default_rng([seed, EDIT_STREAM, zlib.crc32(org.id.encode())])
    rows = one_topic_rows(rng, [language], np.array([main_topic(org, vocabulary)]), [city])
    writer = text_writer(vocabulary)
    lead, more, offer = (writer.write(rng, part, rows)[0] for part in ("lead", "more", "offer"))
    if f"{lead} {more}" == org.description:  # vanishingly rare, but an edit must change it
        return mutated(org, seed + 1, vocabulary)
    return dataclasses.replace(org, description=f"{lead} {more}", offers=(offer, *org.offers[1:]))


def main_topic(org: Organisation, vocabulary: TopicVocabulary | None = None) -> int:
    """The topic most of the organisation's own words belong to."""
    vocabulary = vocabulary or default_vocabulary()
    counts = vocabulary.topics_of(" ".join((org.description, *org.offers)))
    if counts:
        return counts.most_common(1)[0][0]
    return zlib.crc32(org.id.encode()) % vocabulary.n_topics


def partnership_updates(cluster: Cluster, n: int, seed: int = 0) -> list[Partnership]:
    """n new partnerships between organisations of the cluster that are not partners yet."""
    ids = list(cluster.organisations)
    rng = np.random.default_rng([seed, EDIT_STREAM])
    found: dict[frozenset[str], Partnership] = {}
    for _ in range(100 * n + 100):  # bounded: a small, dense cluster may not have n free pairs
        if len(found) == n or len(ids) < 2:
            break
        a, b = (ids[i] for i in rng.integers(0, len(ids), 2))
        link = Partnership(a, b, "project", 2026)
        if a != b and link.key() not in found and b not in cluster.partners_of(a):
            found[link.key()] = link
    return list(found.values())
