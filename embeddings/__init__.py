"""Text encoders, the embedding cache, and the chunk index over the retrieval backends."""

from embeddings.cache import CachedEncoder, EmbeddingCache, text_hash
from embeddings.catalog import ChunkCatalog, ChunkSpec
from embeddings.encoders import (
    DEFAULT_MODEL,
    Encoder,
    PrefixScheme,
    SentenceTransformerEncoder,
    normalise_rows,
)
from embeddings.errors import EncoderError, IndexMismatchError, MatchmakerError, VectorIndexError
from embeddings.index import ChunkIndex, OwnerChunks

__all__ = [
    "DEFAULT_MODEL",
    "CachedEncoder",
    "ChunkCatalog",
    "ChunkIndex",
    "ChunkSpec",
    "EmbeddingCache",
    "Encoder",
    "EncoderError",
    "IndexMismatchError",
    "MatchmakerError",
    "OwnerChunks",
    "PrefixScheme",
    "SentenceTransformerEncoder",
    "VectorIndexError",
    "normalise_rows",
    "text_hash",
]
