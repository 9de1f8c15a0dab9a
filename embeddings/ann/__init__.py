"""Retrieval backends behind one small protocol: exact (numpy), HNSW and IVF-PQ (FAISS).

`factory` picks the kind and its parameters by collection size, builds, creates and loads
them; the caller holds ids ("slots") and vectors, and the backend answers searches.
"""

from embeddings.ann import factory
from embeddings.ann.base import (
    AnnBackend,
    BackendParams,
    ExactParams,
    HnswParams,
    IvfPqParams,
)
from embeddings.ann.exact import ExactBackend
from embeddings.ann.hnsw import HnswBackend
from embeddings.ann.ivfpq import IvfPqBackend

__all__ = [
    "AnnBackend",
    "BackendParams",
    "ExactBackend",
    "ExactParams",
    "HnswBackend",
    "HnswParams",
    "IvfPqBackend",
    "IvfPqParams",
    "factory",
]
