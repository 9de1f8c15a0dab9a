"""Typed settings. Library code receives these; only the CLI and the API read the
environment or flags, once, at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from embeddings.factory import DEFAULT_ENCODER
from matcher.chunking import PASSAGE_WORDS
from matcher.gloss import DEFAULT_DICTIONARIES
from matcher.taxonomy import DATASETS_DIR, DEFAULT_TAXONOMY

DEFAULT_DATA_DIR = DATASETS_DIR / "demo"
DEFAULT_STORE_DIR = Path("var")
# The learned need ranker shipped with the code (its data card is beside it).
DEFAULT_NEED_MODEL = Path(__file__).resolve().parent / "models" / "need_ranker" / "model.txt"


def _frozen(d: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(d)


@dataclass(frozen=True)
class PoolSettings:
    """How many candidates each source brings into a query's pool (matcher.ranking.pool).

    Sized so that the pool holds at least 95% of the exact ranking's top 10 up to a million
    organisations while stage two scores a couple of thousand rows at most
    (benchmarks/PERFORMANCE.md).
    """

    # nearest chunks per query vector (the IVF-PQ backend of the largest collections returns
    # 16 times as many, not re-scored): at 100,000 organisations 200 kept 0.947 of the exact
    # partner top 10, 300 kept 0.96 for about 3 ms more, 400 kept 0.97 for 8 ms more
    semantic_chunks: int = 300
    # rows the first cut keeps of those only the vector index found (every other source's
    # rows join whole): at a million organisations 400 kept 0.91 of the exact partner top
    # 10, 1,200 kept 0.953 at 52 ms, 1,600 kept 0.963 at 60 ms
    semantic_rows: int = 1200
    lexical_chunks: int = 200  # best BM25 chunks
    # postings walked for them, rarest terms first: the lexical source's cost at any size
    lexical_postings: int = 100_000
    # A need's ranking leans on the lexical mass (weight 0.31 against search's 0.15), and at
    # a million organisations many rows match its words about as well: walking 100,000
    # postings for 200 chunks kept 0.933 of the exact need top 10, 400,000 for 600 kept
    # 0.977 (benchmarks/PERFORMANCE.md); need queries timed alike with either depth there
    # (their graph walk dominates). A search keeps the cheaper depth.
    need_lexical_chunks: int = 600
    need_lexical_postings: int = 400_000
    graph_rows: int = 100  # rows sharing most partners with the asker (all its partners join)
    prior_rows: int = 50  # most linked and most proven rows, overall and in the wanted areas
    # the random reference sample the components' scales are read over (the median of 256
    # draws sits within about 0.08 standard deviations of the true median)
    sample_rows: int = 256
    # candidates holding no more chunks than this are all scored (the ranking is exact):
    # scoring 20,000 chunks costs a few milliseconds, less than gathering a pool would save
    exact_chunks: int = 20_000


@dataclass(frozen=True)
class CandidateSettings:
    """How many rows each signal brings into the learned ranker's candidates
    (matcher.ranking.candidates); the asker's past partners always join."""

    semantic: int = 100
    lexical: int = 100
    linear: int = 150  # the linear hybrid's best rows
    joint: int = 50  # best match with the asker's own projects
    graph: int = 100  # most shared partners with the asker
    countries: int = 50  # most linked rows of the asker's frequent partner countries


@dataclass(frozen=True)
class RankingSettings:
    """Weights of each score component, per task; components absent from a map count 0.

    partner: profile similarity, the two directed seek->offer fits, area overlap, and the
    graph (partners of partners) with a small popularity prior.

    need (a text with an asking organisation) and search (a text alone): the hybrid of
    matcher.ranking.hybrid. The need weights (used when no learned need model is
    available) of every component but `areas` and `preferred_country` were learnt on the
    tune half of the CORDIS leave-one-project-out queries, for MiniLM and multilingual-e5
    at once; `areas` and `preferred_country` cannot be learnt there (CORDIS has neither).
    The search weights were learnt on the tune half of the judged four-language demo
    searches (benchmarks/search_eval.py): CORDIS texts are all English, and weights learnt
    there leaned on word matches that cannot meet across languages
    (benchmarks/QUALITY.md, "Text-only search").
    """

    partner_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"profile": 0.25, "fit": 0.45, "areas": 0.15, "graph": 0.1, "popularity": 0.05}
        )
    )
    search_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "semantic": 0.2265,
                "semantic_mass": 0.0755,
                "lexical": 0.0789,
                "lexical_mass": 0.151,
                "popularity": 0.0151,
                "track_record": 0.0755,
                "areas": 0.151,
                "location": 0.2265,
            }
        )
    )
    need_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "semantic": 0.0411,
                "lexical": 0.0616,
                "lexical_mass": 0.308,
                "joint": 0.1027,
                "ties": 0.308,
                "popularity": 0.0616,
                "track_record": 0.0103,
                "kind_fit": 0.0041,
                "same_country": 0.1027,
                "areas": 0.08,
                "preferred_country": 0.05,
            }
        )
    )
    pool: PoolSettings = field(default_factory=lambda: PoolSettings())
    # the learned ranker for a text with an asking organisation; None or a missing file:
    # the linear need weights (matcher.ranking.learned)
    need_model: Path | None = DEFAULT_NEED_MODEL
    candidates: CandidateSettings = field(default_factory=lambda: CandidateSettings())
    # place names in four languages, read from search texts (matcher.ranking.places)
    places: Path | None = DATASETS_DIR / "places" / "places.json"
    # bilingual dictionaries (dictd format) for glossing Finnish texts into English and English
    # ones that name a place in Russia into Russian (matcher.gloss); None: no glosses
    dictionaries: Path | None = DEFAULT_DICTIONARIES
    # evidence longer than this many words becomes several passages (matcher.chunking)
    passage_words: int = PASSAGE_WORDS
    # An area is assigned to a text when its combined score reaches this.
    area_threshold: float = 0.35


@dataclass(frozen=True)
class EngineSettings:
    data_dir: Path = DEFAULT_DATA_DIR
    store_dir: Path = DEFAULT_STORE_DIR
    model: str = DEFAULT_ENCODER
    taxonomy_path: Path = DEFAULT_TAXONOMY
    ranking: RankingSettings = field(default_factory=RankingSettings)
    show_progress: bool = False
    # subtract each language's mean vector (embeddings/centering.py); off only for encoders
    # without a language direction, such as the tests' bag-of-words hashing encoder
    center_languages: bool = True

    @property
    def index_dir(self) -> Path:
        safe = self.model.replace("/", "__").replace(":", "_")
        return self.store_dir / "index" / safe

    @property
    def cache_path(self) -> Path:
        return self.store_dir / "embeddings.sqlite"


@dataclass(frozen=True)
class BatchSettings:
    """Batch jobs on Ray (matcher.batch): where they run and how the work is cut."""

    ray_address: str | None = None  # an existing cluster; None starts a local Ray here
    num_cpus: int | None = None  # CPUs of the local Ray (None: every core); ignored on a cluster
    workers: int | None = None  # actors of a job; None: one per CPU Ray has
    texts_per_call: int = 32  # texts an encoder actor gets per call
    cache_write_batch: int = 256  # vectors per embedding-cache transaction (a kill loses less)
    records_per_task: int = 20_000  # names prepared per dedup task
    pairs_per_task: int = 100_000  # candidate pairs scored per dedup task
