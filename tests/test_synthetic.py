"""The synthetic cluster generator and the topic encoder of the scale benchmark."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import combinations

import numpy as np
import pytest

from benchmarks.synthetic import (
    CITIES,
    LANGUAGES,
    PARTNERSHIP_KINDS,
    ClusterPlan,
    EncoderSettings,
    TopicEncoder,
    area_ids,
    brand,
    default_vocabulary,
    iter_organisations,
    main_topic,
    mutated,
    partnership_updates,
    query_texts,
    synthetic_cluster,
    synthetic_queries,
)
from embeddings.encoders import Encoder
from matcher.chunking import chunks_of
from matcher.model import COMPANY_KINDS, Cluster, NeedType, OrgKind

N_ORGS, SEED = 1500, 7
Labelled = tuple[list[str], np.ndarray]  # texts on a single topic, and that topic


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return synthetic_cluster(N_ORGS, seed=SEED)


@pytest.fixture(scope="module")
def plan() -> ClusterPlan:
    return ClusterPlan.build(N_ORGS, seed=SEED)


@pytest.fixture(scope="module")
def encoder() -> TopicEncoder:
    return TopicEncoder()


@pytest.fixture(scope="module")
def labelled_texts(cluster: Cluster) -> Labelled:
    """Chunk texts whose topic words all belong to one topic, with that topic."""
    vocabulary = default_vocabulary()
    texts, topics = [], []
    for org in cluster.organisations.values():
        for chunk in chunks_of(org):
            counts = vocabulary.topics_of(chunk.text)
            if len(counts) == 1:
                texts.append(chunk.text)
                topics.append(next(iter(counts)))
    return texts, np.array(topics)


# --- determinism ------------------------------------------------------------------------


def test_a_seed_gives_the_same_cluster_and_vectors(cluster: Cluster, encoder: TopicEncoder) -> None:
    assert synthetic_cluster(N_ORGS, seed=SEED) == cluster
    texts = [c.text for org in list(cluster.organisations.values())[:50] for c in chunks_of(org)]
    assert np.array_equal(TopicEncoder().encode(texts), encoder.encode(texts))


def test_another_seed_gives_another_cluster(cluster: Cluster) -> None:
    other = synthetic_cluster(200, seed=SEED + 1)
    mine = list(cluster.organisations.values())[:200]
    pairs = zip(mine, other.organisations.values(), strict=True)
    assert sum(a.description == b.description for a, b in pairs) < 5


def test_streaming_gives_the_same_organisations_in_any_batch_size(cluster: Cluster) -> None:
    batches = list(iter_organisations(N_ORGS, seed=SEED, batch_size=333))
    assert [len(b) for b in batches] == [333] * 4 + [N_ORGS - 4 * 333]
    assert [o for b in batches for o in b] == list(cluster.organisations.values())


# --- organisations ----------------------------------------------------------------------


def test_sizes_and_ids(cluster: Cluster) -> None:
    ids = list(cluster.organisations)
    assert len(ids) == N_ORGS
    assert ids[0] == "syn-0000001" and ids[-1] == f"syn-{N_ORGS:07d}"
    assert all(re.fullmatch(r"syn-\d{7}", i) for i in ids)
    assert len(cluster.needs) == 40


def test_organisation_fields_are_valid(cluster: Cluster) -> None:
    areas, places = set(area_ids()), {(c, city, region) for c, city, region in CITIES}
    for org in cluster.organisations.values():
        assert (org.country, org.city, org.region) in places
        assert org.language in LANGUAGES and org.description and org.name
        assert 2 <= len(org.offers) <= 3 and 2 <= len(org.seeks) <= 3
        assert 1 <= len(org.evidence) <= 3 and all(
            2008 <= (d.year or 0) <= 2026 for d in org.evidence
        )
        assert org.areas and set(org.areas) <= areas and list(org.areas) == sorted(org.areas)
        assert (org.stage is not None) == (org.kind in COMPANY_KINDS) == (org.founded is not None)
        assert (org.investor is not None) == (org.kind == OrgKind.INVESTOR)
    assert len({o.name for o in cluster.organisations.values()}) == N_ORGS


def test_proportions_look_like_a_cluster(cluster: Cluster) -> None:
    orgs = list(cluster.organisations.values())
    kinds = Counter(o.kind for o in orgs)
    countries = Counter(o.country for o in orgs)
    assert kinds[OrgKind.SME] + kinds[OrgKind.COMPANY] > 0.55 * N_ORGS
    assert all(kinds[k] > 0 for k in OrgKind)
    assert countries["RU"] + countries["FI"] + countries["NO"] > 0.65 * N_ORGS
    assert {o.language for o in orgs if o.country == "RU"} == {"ru", "en"}
    assert {o.language for o in orgs if o.country not in ("RU", "FI", "NO")} == {"en"}
    chunks = sum(len(chunks_of(o)) for o in orgs) / N_ORGS
    assert 7.5 <= chunks <= 8.5


def test_russian_organisations_write_in_cyrillic(cluster: Cluster) -> None:
    russian = [o for o in cluster.organisations.values() if o.language == "ru"]
    assert russian and all(re.search("[а-я]", o.offers[0]) for o in russian)
    assert not any(
        re.search("[а-я]", o.offers[0])
        for o in cluster.organisations.values()
        if o.language != "ru"
    )


def test_joint_project_refs_are_shared_by_partners(cluster: Cluster) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    for org in cluster.organisations.values():
        for doc in org.evidence:
            if doc.ref:
                members[doc.ref].add(org.id)
    shared = [orgs for ref, orgs in members.items() if ref.startswith("SYN-P-") and len(orgs) > 1]
    assert len(shared) > 0.1 * N_ORGS
    for orgs in shared:
        for a, b in combinations(sorted(orgs), 2):
            assert b in cluster.partners_of(a)


# --- partnerships and needs -------------------------------------------------------------


def test_partnerships_link_distinct_existing_organisations_once(cluster: Cluster) -> None:
    keys = [p.key() for p in cluster.partnerships]
    assert len(set(keys)) == len(keys)
    for link in cluster.partnerships:
        assert link.a != link.b
        assert link.a in cluster.organisations and link.b in cluster.organisations
        assert link.kind in PARTNERSHIP_KINDS and 2008 <= (link.since or 0) <= 2026


def test_partner_degrees_are_heavy_tailed(cluster: Cluster) -> None:
    degrees = np.array([len(cluster.partners_of(i)) for i in cluster.organisations])
    assert 2.0 <= degrees.mean() <= 3.0
    assert degrees.max() >= 8 * degrees.mean()
    assert np.median(degrees) < degrees.mean()


def test_partners_mostly_share_a_topic_or_its_complement(
    cluster: Cluster, plan: ClusterPlan
) -> None:
    index = {org_id: i for i, org_id in enumerate(plan.ids)}
    complement = plan.vocabulary.complement
    near = 0
    for link in cluster.partnerships:
        a, b = plan.primary[index[link.a]], plan.primary[index[link.b]]
        near += a == b or complement[a] == b
    assert near > 0.5 * len(cluster.partnerships)  # at random: about 1 in 300


def test_needs_are_valid(cluster: Cluster) -> None:
    cities, areas = {city for _, city, _ in CITIES}, set(area_ids())
    needs = list(cluster.needs.values())
    for need in needs:
        assert need.owner_id is None or need.owner_id in cluster.organisations
        assert need.location in cities and need.language in LANGUAGES
        assert need.title and need.description and set(need.areas) <= areas
    assert {n.type for n in needs} == set(NeedType)
    assert sum(n.owner_id is not None for n in needs) > len(needs) // 2


# --- the encoder ------------------------------------------------------------------------


def test_the_encoder_meets_the_engine_protocol(encoder: TopicEncoder) -> None:
    assert isinstance(encoder, Encoder)
    assert encoder.model_id == "synthetic/topics-384"
    assert encoder.dimension == 384 and encoder.languages is None
    assert TopicEncoder(settings=EncoderSettings(seed=1)).model_id != encoder.model_id


def test_rows_are_unit_length(encoder: TopicEncoder, labelled_texts: Labelled) -> None:
    texts = [*labelled_texts[0][:500], "", "nothing known here", "x\x00y"]
    vectors = encoder.encode(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)
    assert np.allclose(encoder.encode(texts[:3], "query"), vectors[:3], atol=1e-6)


def test_a_text_gets_the_same_vector_in_any_batch(
    encoder: TopicEncoder, labelled_texts: Labelled
) -> None:
    texts = labelled_texts[0][:300]
    small = TopicEncoder(settings=EncoderSettings(batch_size=7))
    assert np.allclose(small.encode(texts), encoder.encode(texts), atol=1e-6)
    assert np.allclose(encoder.encode(texts[5:6]), encoder.encode(texts)[5:6], atol=1e-6)


def test_same_topic_texts_are_nearer_than_other_topics(
    encoder: TopicEncoder, labelled_texts: Labelled
) -> None:
    texts, topics = labelled_texts[0][:3000], labelled_texts[1][:3000]
    vectors = encoder.encode(texts)
    areas = default_vocabulary().topic_area[topics]
    cosines = vectors @ vectors.T
    upper = np.triu(np.ones_like(cosines, dtype=bool), 1)
    same = (topics[:, None] == topics[None, :]) & upper
    same_area = (areas[:, None] == areas[None, :]) & upper & ~same
    other = upper & ~same & ~same_area
    assert 0.6 < cosines[same].mean() < 0.85
    assert 0.15 < cosines[same_area].mean() < 0.4
    assert -0.05 < cosines[other].mean() < 0.2
    assert np.percentile(cosines[same], 5) > np.percentile(cosines[other], 95)


def test_a_topic_query_finds_that_topics_texts(
    encoder: TopicEncoder, labelled_texts: Labelled
) -> None:
    texts, topics = labelled_texts
    vectors = encoder.encode(texts)
    counts = Counter(topics.tolist())
    queries = [q for q in synthetic_queries(400, seed=3) if counts[q.topic] >= 5][:60]
    assert len(queries) >= 30
    nearest = np.argsort(-(encoder.encode([q.text for q in queries]) @ vectors.T), axis=1)[:, :5]
    precision = np.mean(topics[nearest] == np.array([q.topic for q in queries])[:, None])
    assert precision > 0.9


def test_seeks_find_organisations_of_the_complementary_topic(
    encoder: TopicEncoder, cluster: Cluster, plan: ClusterPlan
) -> None:
    orgs = list(cluster.organisations.values())
    offers = encoder.encode([offer for org in orgs for offer in org.offers])
    first_offer = np.cumsum([0] + [len(org.offers) for org in orgs])[:-1]
    members = Counter(t for i in range(N_ORGS) for t in plan.topics(i))
    hits = []
    for i, org in enumerate(orgs[:300]):
        wanted = {int(plan.vocabulary.complement[t]) for t in plan.topics(i)}
        if sum(members[t] for t in wanted) < 10:
            continue  # too few organisations to fill a top ten
        best_offer = np.max(encoder.encode(list(org.seeks)) @ offers.T, axis=0)
        by_org = np.maximum.reduceat(best_offer, first_offer)
        by_org[i] = -1
        hits += [bool(wanted & set(plan.topics(j))) for j in np.argsort(-by_org)[:10]]
    assert len(hits) >= 200
    assert np.mean(hits) > 0.5  # at random: about 1 in 100


def test_a_text_mixing_two_topics_sits_between_them(encoder: TopicEncoder) -> None:
    vocabulary = default_vocabulary()
    first, second = vocabulary.latin[0], vocabulary.latin[1]
    a, b, mixed = encoder.encode(
        [" ".join(first[:8]), " ".join(second[:8]), " ".join(first[8:12] + second[8:12])]
    )
    assert mixed @ a > a @ b + 0.2 and mixed @ b > a @ b + 0.2


def test_latin_and_cyrillic_spellings_mean_the_same(encoder: TopicEncoder) -> None:
    vocabulary = default_vocabulary()
    latin, cyrillic = encoder.encode(
        [" ".join(vocabulary.latin[5][:6]), " ".join(vocabulary.cyrillic[5][:6])]
    )
    assert latin @ cyrillic > 0.9


# --- queries and edits ------------------------------------------------------------------


def test_queries_are_deterministic_and_multilingual() -> None:
    queries = synthetic_queries(40, seed=1)
    assert query_texts(40, seed=1) == [q.text for q in queries]
    assert {q.language for q in queries} == set(LANGUAGES)
    assert {q.kind for q in queries} == {"thesis", "need"}
    vocabulary = default_vocabulary()
    assert all(vocabulary.topics_of(q.text).most_common(1)[0][0] == q.topic for q in queries)


def test_mutated_changes_the_description_and_first_offer(cluster: Cluster) -> None:
    for org in list(cluster.organisations.values())[:30]:
        changed = mutated(org, seed=1)
        assert changed.id == org.id and changed.name == org.name
        assert changed.description != org.description and changed.offers[0] != org.offers[0]
        assert changed.offers[1:] == org.offers[1:] and changed.evidence == org.evidence
        assert main_topic(changed) == main_topic(org)
        assert mutated(org, seed=1) == changed


def test_partnership_updates_are_new_links(cluster: Cluster) -> None:
    updates = partnership_updates(cluster, 50, seed=2)
    assert len(updates) == 50 and len({u.key() for u in updates}) == 50
    for link in updates:
        assert link.a != link.b and link.b not in cluster.partners_of(link.a)
        assert link.a in cluster.organisations and link.b in cluster.organisations
    assert partnership_updates(cluster, 50, seed=2) == updates


# --- vocabulary -------------------------------------------------------------------------


def test_complementary_topics_pair_up_across_areas() -> None:
    vocabulary = default_vocabulary()
    topics = np.arange(vocabulary.n_topics)
    complement = vocabulary.complement
    assert np.all(vocabulary.topic_area[complement] != vocabulary.topic_area)
    assert np.mean(complement[complement] == topics) > 0.95


def test_brands_are_distinct_and_never_topic_words() -> None:
    brands = [brand(i) for i in range(50_000)]
    assert len(set(brands)) == len(brands)
    assert not {b.lower() for b in brands} & set(default_vocabulary().index)
