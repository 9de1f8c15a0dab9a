"""Text encoders, the embedding cache and the chunk-level vector index."""

from embeddings.cache import CachedEncoder, EmbeddingCache, text_hash
from embeddings.encoders import (
    DEFAULT_MODEL,
    Encoder,
    PrefixScheme,
    SentenceTransformerEncoder,
    normalise_rows,
)
from embeddings.errors import EncoderError, IndexMismatchError, MatchmakerError, VectorIndexError
from embeddings.index import Chunk, ChunkHit, OwnerHit, SearchFilter, VectorIndex
from embeddings.persistence import IndexManifest, load_index, read_manifest, save_index

__all__ = [
    "DEFAULT_MODEL",
    "CachedEncoder",
    "Chunk",
    "ChunkHit",
    "EmbeddingCache",
    "Encoder",
    "EncoderError",
    "IndexManifest",
    "IndexMismatchError",
    "MatchmakerError",
    "OwnerHit",
    "PrefixScheme",
    "SearchFilter",
    "SentenceTransformerEncoder",
    "VectorIndex",
    "VectorIndexError",
    "load_index",
    "normalise_rows",
    "read_manifest",
    "save_index",
    "text_hash",
]
