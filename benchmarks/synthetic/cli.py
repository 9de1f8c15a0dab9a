"""The command line, `python -m benchmarks.synthetic`: generation and encoding rates."""

from __future__ import annotations

import argparse
import itertools
import resource
import time
from collections.abc import Iterable, Sequence

from benchmarks import synthetic
from benchmarks.synthetic.encoder import TopicEncoder
from benchmarks.synthetic.plan import ClusterPlan
from matcher.model import Organisation


class _Clock:
    """Wall and CPU time since the last lap: the machine may be shared with other jobs."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        took = (wall - self._wall, cpu - self._cpu)
        self._wall, self._cpu = wall, cpu
        return took


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(what: str, count: int, took: tuple[float, float]) -> None:
    wall, cpu = took
    print(
        f"{what}: {count:,} in {wall:.1f} s wall, {cpu:.1f} s CPU "
        f"({count / max(wall, 1e-9):,.0f}/s wall, {count / max(cpu, 1e-9):,.0f}/s CPU); "
        f"peak RSS so far {_peak_rss_mb():,.0f} MB"
    )


def _chunk_texts(orgs: Iterable[Organisation]) -> list[str]:
    from matcher.chunking import chunks_of  # the engine's own recipe, imported only here

    return [chunk.text for org in orgs for chunk in chunks_of(org)]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.synthetic", description=synthetic.__doc__.splitlines()[0]
    )
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encode", type=int, default=400_000, help="chunk texts to encode")
    parser.add_argument("--stream", action="store_true", help="stream; do not build the cluster")
    args = parser.parse_args(argv)
    clock = _Clock()
    plan = ClusterPlan.build(args.orgs, args.seed)
    _report("plan (arrays, joint projects)", args.orgs, clock.lap())
    sample: list[Organisation] = []
    if args.stream:
        for batch in plan.organisations():
            sample.extend(batch[: max(0, args.encode // 8 - len(sample))])
        _report("organisations streamed", args.orgs, clock.lap())
    else:
        cluster = plan.cluster()
        _report("cluster built", len(cluster.organisations), clock.lap())
        print(f"  {len(cluster.partnerships):,} partnerships, {len(cluster.needs)} needs")
        sample = list(itertools.islice(cluster.organisations.values(), args.encode // 8))
    texts = _chunk_texts(sample)
    print(f"  {len(texts) / max(len(sample), 1):.2f} chunks per organisation")
    _report_encoding(texts[: args.encode])


def _report_encoding(texts: list[str], slice_size: int = 50_000) -> None:
    """Encodes in slices, so the vectors of a large sample need not all be held at once."""
    encoder = TopicEncoder()
    encoder.encode(texts[:1000])  # warm up
    clock = _Clock()
    for start in range(0, len(texts), slice_size):
        encoder.encode(texts[start : start + slice_size])
    _report("chunk texts encoded", len(texts), clock.lap())
