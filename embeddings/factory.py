"""Build an encoder from a configuration string (a model name or a local path)."""

from __future__ import annotations

from embeddings.encoders import DEFAULT_MODEL, Encoder, SentenceTransformerEncoder


def create_encoder(name: str = DEFAULT_MODEL) -> Encoder:
    """Any sentence-transformers model name or local path."""
    return SentenceTransformerEncoder(name)
