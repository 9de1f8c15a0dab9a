"""Search queries with known answers: investor theses and need texts, each on one topic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.synthetic.bulk import QUERY_STREAM, draw
from benchmarks.synthetic.places import CITIES
from benchmarks.synthetic.texts import one_topic_rows, text_writer
from benchmarks.synthetic.vocabulary import LANGUAGES, TopicVocabulary, default_vocabulary


@dataclass(frozen=True)
class SyntheticQuery:
    """A search text with the topic that should answer it."""

    text: str
    topic: int  # the topic whose texts should answer it
    language: str
    kind: str  # "thesis" (an investor's) or "need"


QUERY_LANGUAGE_SHARES = {"en": 0.4, "ru": 0.3, "fi": 0.15, "no": 0.15}


def synthetic_queries(
    n: int, seed: int = 0, vocabulary: TopicVocabulary | None = None
) -> list[SyntheticQuery]:
    """Investor theses and need texts (alternately), each on one topic, languages mixed."""
    vocabulary = vocabulary or default_vocabulary()
    rng = np.random.default_rng([seed, QUERY_STREAM])
    topics = rng.integers(0, vocabulary.n_topics, n)
    shares = list(QUERY_LANGUAGE_SHARES.values())
    languages = [LANGUAGES.index(tuple(QUERY_LANGUAGE_SHARES)[x]) for x in draw(rng, shares, n)]
    rows = one_topic_rows(rng, languages, topics, rng.integers(0, len(CITIES), n).tolist())
    writer = text_writer(vocabulary)
    theses = writer.write(rng, "thesis", rows)
    titles, needs = writer.write(rng, "need_title", rows), writer.write(rng, "need", rows)
    return [
        SyntheticQuery(f"{titles[k]}. {needs[k]}", topic, LANGUAGES[language], "need")
        if k % 2
        else SyntheticQuery(theses[k], topic, LANGUAGES[language], "thesis")
        for k, (topic, language) in enumerate(zip(topics.tolist(), languages, strict=True))
    ]


def query_texts(n: int, seed: int = 0, vocabulary: TopicVocabulary | None = None) -> list[str]:
    return [q.text for q in synthetic_queries(n, seed, vocabulary)]
