"""Cleantech cluster matchmaker: partners, candidates, subject areas and need matches.

The public face is small: open a `Matchmaker` from `EngineSettings`, then ask it.

    from matcher import EngineSettings, Matchmaker
    engine = Matchmaker.open(EngineSettings())
    engine.partners("ru-001", k=5)
"""

from matcher.engine import EngineInfo, Matchmaker
from matcher.errors import (
    ConfigError,
    DataValidationError,
    EncoderError,
    IndexMismatchError,
    InfeasibleRequestError,
    MatchmakerError,
    NotFoundError,
    Problem,
    VectorIndexError,
)
from matcher.filters import Filters
from matcher.model import (
    Cluster,
    EvidenceDoc,
    InvestorFocus,
    Need,
    NeedType,
    Organisation,
    OrgKind,
    Partnership,
    Stage,
)
from matcher.results import AreaScore, Explanation, Match, ResultList, TextPair
from matcher.settings import EngineSettings, RankingSettings
from matcher.sources import load_cluster
from matcher.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "AreaScore",
    "Cluster",
    "ConfigError",
    "DataValidationError",
    "EncoderError",
    "EngineInfo",
    "EngineSettings",
    "EvidenceDoc",
    "Explanation",
    "Filters",
    "IndexMismatchError",
    "InfeasibleRequestError",
    "InvestorFocus",
    "Match",
    "Matchmaker",
    "MatchmakerError",
    "Need",
    "NeedType",
    "NotFoundError",
    "OrgKind",
    "Organisation",
    "Partnership",
    "Problem",
    "RankingSettings",
    "ResultList",
    "Stage",
    "Taxonomy",
    "TextPair",
    "VectorIndexError",
    "load_cluster",
    "load_taxonomy",
]
