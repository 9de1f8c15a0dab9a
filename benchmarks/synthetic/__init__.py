"""Synthetic clusters of any size, and a fake encoder whose vectors are clustered by topic.

The scale benchmark measures the engine's own cost, so encoding must be nearly free; but
uniformly random vectors are the worst case for approximate nearest-neighbour search and
nothing like real text embeddings. Here every text is written from a fixed vocabulary of
topics (pseudo-words standing for technical terms, spelt in Latin or Cyrillic letters with
the same meaning in either script) and filler words of four languages, and `TopicEncoder`
turns a text into a vector from its words alone: texts on one topic are near each other,
topics of one subject area nearer each other than topics of different areas, and texts in
one language share a small offset, as multilingual encoders' do (the recipe and its
figures are in `encoder`).

Organisations are planned as numpy arrays (kind, place, topics, partner fitness, joint
projects) and written block by block, so that a million can be built in about a minute
or streamed in constant memory:

    synthetic_cluster(n_orgs, seed)             the whole Cluster
    iter_organisations(n_orgs, seed, batch_size) the same organisations, in batches
    ClusterPlan.build(n_orgs, seed)             the plan: ground truth (topics, projects)
    TopicEncoder()                              the engine's Encoder protocol
    synthetic_queries(n, seed), query_texts(n, seed)
    mutated(org, seed), partnership_updates(cluster, n, seed)

    python -m benchmarks.synthetic --orgs 100000 [--stream]

The modules, from the bottom up: bulk (random streams, weighted draws), tokens (words and
their hashes), templates, vocabulary, encoder; places, kinds and names (the cluster's
make-up); texts (filling templates in bulk), partners (partner choice, joint projects,
partnerships), organisations (writing a block), needs, plan (the arrays, and the cluster);
queries and edits (the engine's other inputs); cli (the command line).
"""

from benchmarks.synthetic.cli import main
from benchmarks.synthetic.edits import main_topic, mutated, partnership_updates
from benchmarks.synthetic.encoder import EncoderSettings, TextRole, TopicEncoder
from benchmarks.synthetic.kinds import (
    FOUNDED_BY_STAGE,
    KIND_FITNESS,
    KIND_SHARES,
    KINDS,
    NEED_OWNER_KINDS,
    NEED_TYPE_SHARES,
    PARTNERSHIP_KINDS,
    STAGE_SHARES,
)
from benchmarks.synthetic.names import (
    BRAND_ENDINGS,
    BRAND_ENDINGS_RU,
    INSTITUTION_NAMES,
    LEGAL_FORMS,
    NAME_GENERICS,
    RUSSIAN_COMPANY_NAME,
    brand,
    org_id,
)
from benchmarks.synthetic.partners import PartnerSampler, Projects
from benchmarks.synthetic.places import CITIES, COUNTRIES, RUSSIAN_CITY_NAMES, Country, city_text
from benchmarks.synthetic.plan import (
    ClusterPlan,
    ClusterSettings,
    iter_organisations,
    synthetic_cluster,
)
from benchmarks.synthetic.queries import (
    QUERY_LANGUAGE_SHARES,
    SyntheticQuery,
    query_texts,
    synthetic_queries,
)
from benchmarks.synthetic.templates import TEMPLATES
from benchmarks.synthetic.texts import FIRST_YEAR, LAST_YEAR, TextWriter, text_writer
from benchmarks.synthetic.tokens import tokens
from benchmarks.synthetic.vocabulary import (
    LANGUAGES,
    SYLLABLES,
    SYLLABLES_RU,
    TopicVocabulary,
    VocabularySettings,
    area_ids,
    default_vocabulary,
)

__all__ = [
    "BRAND_ENDINGS",
    "BRAND_ENDINGS_RU",
    "CITIES",
    "COUNTRIES",
    "FIRST_YEAR",
    "FOUNDED_BY_STAGE",
    "INSTITUTION_NAMES",
    "KINDS",
    "KIND_FITNESS",
    "KIND_SHARES",
    "LANGUAGES",
    "LAST_YEAR",
    "LEGAL_FORMS",
    "NAME_GENERICS",
    "NEED_OWNER_KINDS",
    "NEED_TYPE_SHARES",
    "PARTNERSHIP_KINDS",
    "QUERY_LANGUAGE_SHARES",
    "RUSSIAN_CITY_NAMES",
    "RUSSIAN_COMPANY_NAME",
    "STAGE_SHARES",
    "SYLLABLES",
    "SYLLABLES_RU",
    "TEMPLATES",
    "ClusterPlan",
    "ClusterSettings",
    "Country",
    "EncoderSettings",
    "PartnerSampler",
    "Projects",
    "SyntheticQuery",
    "TextRole",
    "TextWriter",
    "TopicEncoder",
    "TopicVocabulary",
    "VocabularySettings",
    "area_ids",
    "brand",
    "city_text",
    "default_vocabulary",
    "iter_organisations",
    "main",
    "main_topic",
    "mutated",
    "org_id",
    "partnership_updates",
    "query_texts",
    "synthetic_cluster",
    "synthetic_queries",
    "text_writer",
    "tokens",
]
