"""Cross-lingual retrieval benchmark of the encoders on datasets/parallel/texts.csv.

For every encoder: top-1 and recall@5 from each language to each other (a query in one
language must find its own translation among all 72 texts of the other), median latency
of one short query, batch throughput, resident memory after load, weights on disk and
load time. Also the accuracy of embeddings.language.detect_language on the same texts.

Each encoder runs in its own fresh interpreter, started before any model is loaded
here: the memory figures then belong to that encoder alone, and no process forks after
torch has started its threads (this parent never imports torch).

    python benchmarks/crosslingual_eval.py                  # all encoders, writes JSON
    python benchmarks/crosslingual_eval.py --encoders multilingual-e5-small-q4
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # a script run from anywhere still finds `embeddings`

from embeddings.language import LANGUAGES, detect_language  # noqa: E402

DATA = ROOT / "datasets" / "parallel" / "texts.csv"
OUT = ROOT / "benchmarks" / "results" / "crosslingual.json"
# "name@N" runs an encoder on N threads (default THREADS). Each runs on 1 thread too:
# on a shared machine one thread is the figure that other jobs disturb least.
ENCODERS = (
    "all-MiniLM-L6-v2@1",
    "all-MiniLM-L6-v2@2",
    "multilingual-e5-small-q4@1",
    "multilingual-e5-small-q4@2",
    "use-multilingual@1",
    "use-multilingual@2",
)
THREADS = 2  # the latency budget is stated for 2 threads
MARKER = "RESULT_JSON:"
# Short queries of the kind a user types, in the four languages.
SHORT_QUERIES = (
    "heat pump installer for schools",
    "тепловые насосы для школ",
    "lämpöpumppujen asennus kouluihin",
    "varmepumper til skoler",
    "electric bus charging",
    "переработка пластика",
    "aurinkopaneelit katolle",
    "fjernvarme spillvarme",
)


def load_parallel(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def retrieval(queries: np.ndarray, passages: np.ndarray) -> dict[str, float]:
    """Top-1 and recall@5 when row i of `queries` must find row i of `passages`."""
    scores = queries @ passages.T
    own = scores[np.arange(len(scores)), np.arange(len(scores))]
    # Rank = how many passages score strictly higher than the right one.
    rank = (scores > own[:, None]).sum(axis=1)
    return {"top1": float(np.mean(rank == 0)), "recall5": float(np.mean(rank < 5))}


def all_directions(
    queries: dict[str, np.ndarray], passages: dict[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    return {
        f"{src}->{tgt}": retrieval(queries[src], passages[tgt])
        for src in queries
        for tgt in passages
        if src != tgt
    }


def language_detection(rows: list[dict[str, str]]) -> dict[str, Any]:
    per_language = {}
    for lang in LANGUAGES:
        found = [detect_language(row[lang]) for row in rows]
        per_language[lang] = {
            "accuracy": float(np.mean([f == lang for f in found])),
            "undetermined": found.count("und"),
            "wrong": sum(1 for f in found if f not in (lang, "und")),
        }
    overall = float(np.mean([v["accuracy"] for v in per_language.values()]))
    return {"overall_accuracy": overall, "per_language": per_language, "texts": 4 * len(rows)}


def demo_language_detection(folder: Path = ROOT / "datasets" / "demo") -> dict[str, Any]:
    """Detector accuracy on the demo cluster's texts, written apart from the parallel set.

    Each organisation or need states its language; its description, title, offers and
    seeks are checked against it. Files of another shape are skipped.
    """
    found: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.json")):
        records = json.loads(path.read_text(encoding="utf-8"))
        for record in records if isinstance(records, list) else []:
            if not isinstance(record, dict) or record.get("language") not in LANGUAGES:
                continue
            texts = [record.get("description"), record.get("title")]
            texts += list(record.get("offers") or []) + list(record.get("seeks") or [])
            found += [(detect_language(t), record["language"]) for t in texts if t]
    right = sum(1 for got, want in found if got == want)
    wrong = sum(1 for got, want in found if got not in (want, "und"))
    accuracy = right / len(found) if found else float("nan")
    return {"texts": len(found), "accuracy": accuracy, "wrong": wrong}


# ---------------------------------------------------------------- worker (one encoder)


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load(name: str, threads: int) -> tuple[Any, float]:
    from embeddings.factory import canonical_name, create_encoder

    if canonical_name(name) is None:
        import torch  # only sentence-transformers models run on torch

        torch.set_num_threads(threads)
    start = time.perf_counter()
    encoder = create_encoder(name, num_threads=threads)
    encoder.encode(["warm-up"], role="query")
    return encoder, time.perf_counter() - start


def _latency_ms(encoder: Any, blocks: int = 8, per_block: int = 16) -> dict[str, float]:
    """Median over all calls, and the lowest block median.

    On a shared machine another process can stall a block; the quietest block is the
    fairer figure for comparing encoders, the overall median the more honest one.
    """
    for query in SHORT_QUERIES:  # warm caches and thread pools
        encoder.encode([query], role="query")
    block_medians, times = [], []
    for _ in range(blocks):
        block = []
        for query in (SHORT_QUERIES * per_block)[:per_block]:
            start = time.perf_counter()
            encoder.encode([query], role="query")
            block.append((time.perf_counter() - start) * 1000)
        block_medians.append(statistics.median(block))
        times += block
    times.sort()
    return {
        "median": statistics.median(times),
        "quiet_median": min(block_medians),
        "p95": times[int(0.95 * (len(times) - 1))],
    }


def _throughput(encoder: Any, texts: Sequence[str]) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        encoder.encode(list(texts), role="passage")
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def run_worker(spec: str) -> dict[str, Any]:
    from embeddings.factory import describe_encoder

    name, _, threads = spec.partition("@")
    rows = load_parallel()
    rss_before = _rss_mb()
    encoder, load_s = _load(name, int(threads or THREADS))
    rss_loaded = _rss_mb()
    queries = {lang: encoder.encode([r[lang] for r in rows], role="query") for lang in LANGUAGES}
    passages = {lang: encoder.encode([r[lang] for r in rows], "passage") for lang in LANGUAGES}
    all_texts = [r[lang] for lang in LANGUAGES for r in rows]
    info = describe_encoder(name)
    return {
        "name": spec,
        "threads": int(threads or THREADS),
        "load_average_1min": os.getloadavg()[0],  # other processes on the machine
        "model_id": encoder.model_id,
        "dimension": encoder.dimension,
        "languages": sorted(encoder.languages) if encoder.languages is not None else None,
        "query_to_passage": all_directions(queries, passages),
        # The E5 model card advises "query: " on both sides for symmetric tasks such as
        # bitext mining; profile-to-profile matching may be closer to either.
        "passage_to_passage": all_directions(passages, passages),
        "query_to_query": all_directions(queries, queries),
        "latency_ms": _latency_ms(encoder),
        "throughput_texts_per_s": _throughput(encoder, all_texts),
        "load_s": load_s,
        "rss_mb": {"before_load": rss_before, "after_load": rss_loaded, "peak": _rss_mb("VmHWM")},
        "size_mb": info.size_mb,
        "licence": info.licence,
        "package": info.package,
    }


# ---------------------------------------------------------------- parent (all encoders)


def run_isolated(name: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", name]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER) :])
            return result
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"name": name, "error": " | ".join(tail) or f"exit code {done.returncode}"}


def mean_top1(result: dict[str, Any], key: str = "query_to_passage") -> float:
    return float(np.mean([d["top1"] for d in result[key].values()]))


def summary_table(results: list[dict[str, Any]]) -> str:
    pairs = ("en->ru", "ru->en", "en->fi", "fi->en", "en->no", "no->en")
    head = ["encoder", *[p.upper() for p in pairs], "all 12 top-1", "all 12 R@5"]
    head += ["query ms (quiet)", "texts/s", "RSS MB (peak)", "size MB", "load"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['name']} | failed: {r['error']} |")
            continue
        q2p = r["query_to_passage"]
        cells = [r["name"], *[f"{q2p[p]['top1']:.2f}" for p in pairs]]
        cells += [f"{mean_top1(r):.3f}", f"{np.mean([d['recall5'] for d in q2p.values()]):.3f}"]
        latency, rss = r["latency_ms"], r["rss_mb"]
        cells += [f"{latency['median']:.1f} ({latency['quiet_median']:.1f})"]
        cells += [f"{r['throughput_texts_per_s']:.0f}"]
        cells += [f"{rss['after_load']:.0f} ({rss['peak']:.0f})", f"{r['size_mb']}"]
        cells += [f"{r['load_average_1min']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def direction_table(result: dict[str, Any], key: str = "query_to_passage") -> str:
    lines = ["| from \\ to | " + " | ".join(LANGUAGES) + " |", "|---|" + "---|" * len(LANGUAGES)]
    for src in LANGUAGES:
        cells = []
        for tgt in LANGUAGES:
            d = result[key].get(f"{src}->{tgt}")
            cells.append("-" if d is None else f"{d['top1']:.2f} / {d['recall5']:.2f}")
        lines.append(f"| {src} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "default_threads": THREADS,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--encoders", default=",".join(ENCODERS))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(MARKER + json.dumps(run_worker(args.worker)))
        return 0
    rows = load_parallel()
    results = [run_isolated(name.strip()) for name in args.encoders.split(",") if name.strip()]
    detection = language_detection(rows)
    detection["demo_cluster"] = demo_language_detection()
    report = {
        "dataset": str(DATA.relative_to(ROOT)),
        "pairs": len(rows),
        "environment": environment(),
        "language_detection": detection,
        "encoders": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(summary_table(results))
    for r in results:
        if "error" not in r:
            print(f"\n{r['name']} (top-1 / recall@5, query -> passage)\n{direction_table(r)}")
            for key in ("passage_to_passage", "query_to_query"):
                print(f"mean top-1, {key.replace('_', ' ')}: {mean_top1(r, key):.3f}")
    print(
        f"\nlanguage detection accuracy: {detection['overall_accuracy']:.3f} "
        f"on {detection['texts']} parallel texts, "
        f"{detection['demo_cluster']['accuracy']:.3f} on {detection['demo_cluster']['texts']} "
        f"demo-cluster texts; wrote {args.out}"
    )
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
