"""Organisation-name matching and deduplication.

Normalisation with legal forms kept apart, Cyrillic/Latin transliteration, registry
identifiers as hard keys, a symmetric pairwise match score, blocked deduplication with an
undoable merge history, and fuzzy name search.
"""

from matcher.names.dedup import (
    DuplicatePair,
    DuplicateReport,
    MergeConflictError,
    MergeEntry,
    MergeLog,
    find_duplicates,
    merge_records,
    undo_merge,
)
from matcher.names.identifiers import (
    Identifier,
    domain_of,
    parse_identifier,
    parse_identifiers,
    valid_inn,
    valid_ogrn,
    valid_orgnr,
    valid_y_tunnus,
)
from matcher.names.normalize import NormalizedName, normalize_name
from matcher.names.scoring import (
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    MatchScore,
    NameRecord,
    TokenStats,
    match_score,
)
from matcher.names.search import NameIndex
from matcher.names.translit import latin_key, transliterations

__all__ = [
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "DuplicatePair",
    "DuplicateReport",
    "Identifier",
    "MatchScore",
    "MergeConflictError",
    "MergeEntry",
    "MergeLog",
    "NameIndex",
    "NameRecord",
    "NormalizedName",
    "TokenStats",
    "domain_of",
    "find_duplicates",
    "latin_key",
    "match_score",
    "merge_records",
    "normalize_name",
    "parse_identifier",
    "parse_identifiers",
    "transliterations",
    "undo_merge",
    "valid_inn",
    "valid_ogrn",
    "valid_orgnr",
    "valid_y_tunnus",
]
