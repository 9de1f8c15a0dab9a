"""Typed settings. Library code receives these; only the CLI and the API read the
environment or flags, once, at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from embeddings.factory import DEFAULT_ENCODER
from matcher.taxonomy import DATASETS_DIR, DEFAULT_TAXONOMY

DEFAULT_DATA_DIR = DATASETS_DIR / "demo"
DEFAULT_STORE_DIR = Path("var")


def _frozen(d: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(d)


@dataclass(frozen=True)
class RankingSettings:
    """Weights of each score component, per task; components absent from a map count 0.

    partner: profile similarity, the two directed seek->offer fits, area overlap, and the
    graph (partners of partners) with a small popularity prior.
    """

    partner_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"profile": 0.25, "fit": 0.45, "areas": 0.15, "graph": 0.1, "popularity": 0.05}
        )
    )
    search_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"semantic": 0.7, "lexical": 0.15, "areas": 0.15})
    )
    need_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"semantic": 0.6, "lexical": 0.15, "areas": 0.15, "preferred_country": 0.1}
        )
    )
    # Candidates taken from the index before exact rescoring: at least this many, or 5 k.
    pool_size: int = 60
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
