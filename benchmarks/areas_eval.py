"""Subject-area tagging against the areas the demo organisations declare.

Each organisation is tagged from its own chunk vectors and text (`Matchmaker.areas_of`);
the declared areas are the reference. Prints micro precision, recall and F1 at several
thresholds, overall and per language, and writes benchmarks/results/areas_eval.json.

    python benchmarks/areas_eval.py [--model NAME] [--store DIR]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from embeddings.factory import DEFAULT_ENCODER, create_encoder
from embeddings.language import detect_language
from matcher import EngineSettings, Matchmaker

RESULTS = Path(__file__).parent / "results" / "areas_eval.json"
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_ENCODER)
    parser.add_argument("--store", type=Path, default=Path("var"))
    args = parser.parse_args()
    encoder = create_encoder(args.model)
    engine = Matchmaker.open(
        EngineSettings(store_dir=args.store, model=args.model),
        encoder=encoder,
        detect_language=detect_language,
    )
    scored = {o: engine.areas_of(o) for o in engine.cluster.organisations}
    results: dict[str, object] = {"model": encoder.model_id, "organisations": len(scored)}
    for threshold in THRESHOLDS:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for org_id, areas in scored.items():
            org = engine.cluster.organisation(org_id)
            chosen = {a.area_id for i, a in enumerate(areas) if a.score >= threshold or i == 0}
            truth = set(org.areas)
            for key in ("all", org.language or "und"):
                counts[key][0] += len(chosen & truth)
                counts[key][1] += len(chosen - truth)
                counts[key][2] += len(truth - chosen)
        results[str(threshold)] = {k: prf(*v) for k, v in sorted(counts.items())}
        print(threshold, json.dumps(results[str(threshold)]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
