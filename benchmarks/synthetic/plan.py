"""The cluster plan: every organisation's kind, place, topics and partner fitness, and the
joint projects, decided up front as arrays."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from benchmarks.synthetic.bulk import PLAN_STREAM, collector_paused, draw
from benchmarks.synthetic.kinds import KIND_FITNESS, KIND_SHARES, KINDS
from benchmarks.synthetic.names import org_id
from benchmarks.synthetic.needs import needs_of
from benchmarks.synthetic.organisations import OrganisationWriter
from benchmarks.synthetic.partners import PartnerSampler, Projects, joint_projects, partnerships_of
from benchmarks.synthetic.places import COUNTRIES
from benchmarks.synthetic.vocabulary import LANGUAGES, TopicVocabulary, default_vocabulary
from matcher.model import Cluster, Need, Organisation, Partnership


@dataclass(frozen=True)
class ClusterSettings:
    n_needs: int = 40
    partners_per_org: float = 2.5  # mean number of partners (the degree)
    projects_per_org: float = 0.33  # joint projects of 2-4 members, each member's evidence
    project_sizes: tuple[tuple[int, float], ...] = ((2, 0.5), (3, 0.3), (4, 0.2))
    same_topic_partners: float = 0.45  # the rest: complementary topic, then anyone
    complement_partners: float = 0.30
    second_topic_share: float = 0.5
    second_topic_same_area: float = 0.7
    fitness_tail: float = 2.0  # Pareto exponent of partner attractiveness: heavy-tailed degrees
    max_fitness: float = 400.0
    topic_popularity_exponent: float = 0.8  # a few topics are crowded, most are not
    block_size: int = 4096  # the unit of randomness: the batch size never changes the output


@dataclass(frozen=True)
class ClusterPlan:
    """Everything about n organisations that is decided up front, as arrays; the texts are
    written from it block by block."""

    n_orgs: int
    seed: int
    settings: ClusterSettings
    vocabulary: TopicVocabulary
    kind: np.ndarray  # index into KINDS
    city: np.ndarray  # index into CITIES
    language: np.ndarray  # index into LANGUAGES
    primary: np.ndarray  # topic
    secondary: np.ndarray  # topic, -1 for none
    fitness: np.ndarray
    topic_weight: np.ndarray
    sampler: PartnerSampler
    projects: Projects

    @classmethod
    def build(
        cls,
        n_orgs: int,
        seed: int = 0,
        settings: ClusterSettings | None = None,
        vocabulary: TopicVocabulary | None = None,
    ) -> ClusterPlan:
        settings = settings or ClusterSettings()
        vocabulary = vocabulary or default_vocabulary()
        rng = np.random.default_rng([seed, PLAN_STREAM])
        kind = draw(rng, list(KIND_SHARES.values()), n_orgs)
        city, language = _places(rng, n_orgs)
        topic_weight = _topic_popularity(rng, vocabulary.n_topics, settings)
        primary = draw(rng, topic_weight, n_orgs)
        secondary = _second_topics(rng, primary, vocabulary, settings)
        fitness = _fitness(rng, kind, settings)
        sampler = PartnerSampler(primary, fitness, vocabulary, settings)
        projects = joint_projects(rng, sampler, primary, settings)
        return cls(
            n_orgs=n_orgs,
            seed=seed,
            settings=settings,
            vocabulary=vocabulary,
            kind=kind,
            city=city,
            language=language,
            primary=primary,
            secondary=secondary,
            fitness=fitness,
            topic_weight=topic_weight,
            sampler=sampler,
            projects=projects,
        )

    @cached_property
    def ids(self) -> list[str]:
        """Organisation ids, one string object each, shared by organisations and links."""
        return [org_id(i) for i in range(self.n_orgs)]

    def areas_of(self, topics: tuple[int, ...]) -> tuple[str, ...]:
        """Subject areas of these topics; one shared tuple per combination."""
        area_of = self._topic_areas
        key = (area_of[topics[0]], area_of[topics[-1]])
        if key not in self._area_tuples:
            self._area_tuples[key] = tuple(sorted({self.vocabulary.areas[a] for a in key}))
        return self._area_tuples[key]

    @cached_property
    def _topic_areas(self) -> list[int]:
        return self.vocabulary.topic_area.tolist()

    @cached_property
    def _area_tuples(self) -> dict[tuple[int, int], tuple[str, ...]]:
        return {}

    def topics(self, index: int) -> tuple[int, ...]:
        """Organisation `index`'s topics (its first, and a second if it has one)."""
        second = int(self.secondary[index])
        return (int(self.primary[index]),) if second < 0 else (int(self.primary[index]), second)

    def organisations(self, batch_size: int = 10_000) -> Iterator[list[Organisation]]:
        """All organisations in id order, in lists of batch_size."""
        blocks = range(0, self.n_orgs, self.settings.block_size)
        orgs = itertools.chain.from_iterable(OrganisationWriter(self, b).write() for b in blocks)
        while batch := list(itertools.islice(orgs, batch_size)):
            yield batch

    def partnerships(self) -> tuple[Partnership, ...]:
        with collector_paused():
            return partnerships_of(self)

    def needs(self) -> list[Need]:
        return needs_of(self)

    def cluster(self) -> Cluster:
        with collector_paused():
            orgs = (org for batch in self.organisations() for org in batch)
            return Cluster.of(orgs, self.needs(), self.partnerships())


def synthetic_cluster(
    n_orgs: int,
    seed: int = 0,
    settings: ClusterSettings | None = None,
    vocabulary: TopicVocabulary | None = None,
) -> Cluster:
    """A cluster of n_orgs organisations with partnerships and needs, the same for a seed."""
    return ClusterPlan.build(n_orgs, seed, settings, vocabulary).cluster()


def iter_organisations(
    n_orgs: int,
    seed: int = 0,
    batch_size: int = 10_000,
    settings: ClusterSettings | None = None,
    vocabulary: TopicVocabulary | None = None,
) -> Iterator[list[Organisation]]:
    """The organisations of synthetic_cluster(n_orgs, seed), streamed in batches."""
    yield from ClusterPlan.build(n_orgs, seed, settings, vocabulary).organisations(batch_size)


def _places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A city (index into CITIES) and a writing language (index into LANGUAGES) each."""
    country = draw(rng, [c.share for c in COUNTRIES], n)
    city = np.zeros(n, np.int32)
    language = np.zeros(n, np.int32)
    first_city = 0
    for code, c in enumerate(COUNTRIES):
        mine = np.flatnonzero(country == code)
        city[mine] = first_city + draw(rng, [w for _, _, w in c.cities], len(mine))
        native = rng.random(len(mine)) < c.native_share
        language[mine] = np.where(native, LANGUAGES.index(c.language), 0)
        first_city += len(c.cities)
    return city, language


def _topic_popularity(
    rng: np.random.Generator, n_topics: int, settings: ClusterSettings
) -> np.ndarray:
    rank = rng.permutation(n_topics)
    return 1.0 / (rank + 5.0) ** settings.topic_popularity_exponent


def _second_topics(
    rng: np.random.Generator,
    primary: np.ndarray,
    vocabulary: TopicVocabulary,
    settings: ClusterSettings,
) -> np.ndarray:
    """A second topic for some: mostly one of the same subject area (topic ids cycle areas)."""
    n, areas, topics = len(primary), len(vocabulary.areas), vocabulary.n_topics
    same_area = (primary + areas * rng.integers(1, max(topics // areas, 2), n)) % topics
    anywhere = rng.integers(0, topics, n)
    second = np.where(rng.random(n) < settings.second_topic_same_area, same_area, anywhere)
    wanted = (rng.random(n) < settings.second_topic_share) & (second != primary)
    return np.where(wanted, second, -1).astype(np.int32)


def _fitness(rng: np.random.Generator, kind: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """How attractive a partner each is: Pareto-distributed, so a few become hubs."""
    pareto = (1.0 - rng.random(len(kind))) ** (-1.0 / settings.fitness_tail)
    boost = np.array([KIND_FITNESS.get(k, 1.0) for k in KINDS])[kind]
    return np.minimum(pareto * boost, settings.max_fitness)
