"""Language bias in a mixed pool, with and without per-language centring.

All texts of datasets/parallel/texts.csv in all four languages form one pool; each text's
nearest other text should be one of its translations, not a same-language text on another
topic. Prints the share of translations and of same-language neighbours, raw and centred,
and writes benchmarks/results/mixed_pool.json.

    python benchmarks/mixed_pool_eval.py [--model NAME]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from embeddings.centering import LanguageCentering
from embeddings.factory import DEFAULT_ENCODER, create_encoder

DATA = Path(__file__).resolve().parents[1] / "datasets" / "parallel" / "texts.csv"
RESULTS = Path(__file__).parent / "results" / "mixed_pool.json"
LANGS = ("en", "ru", "fi", "no")


def neighbours(vectors: np.ndarray, langs: list[str], ids: list[int]) -> dict[str, float]:
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -9.0)
    best = sims.argmax(axis=1)
    return {
        "translation_first": round(
            float(np.mean([ids[j] == ids[i] for i, j in enumerate(best)])), 3
        ),
        "same_language_first": round(
            float(np.mean([langs[j] == langs[i] for i, j in enumerate(best)])), 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_ENCODER)
    args = parser.parse_args()
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    texts = [r[lang] for lang in LANGS for r in rows]
    langs = [lang for lang in LANGS for _ in rows]
    ids = [i for _ in LANGS for i in range(len(rows))]
    encoder = create_encoder(args.model)
    vectors = encoder.encode(texts, "passage")
    centred = LanguageCentering.fit(vectors, langs).apply(vectors, langs)
    result = {
        "model": encoder.model_id,
        "texts": len(texts),
        "raw": neighbours(vectors, langs, ids),
        "centred": neighbours(centred, langs, ids),
    }
    print(json.dumps(result, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
