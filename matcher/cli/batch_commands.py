"""`matcher batch encode|dedup`: registry-scale jobs on Ray (the `scale` extra).

Without --ray-address a job starts a local Ray on this machine (--num-cpus, default every
core) and stops it at the end; with it the job joins that cluster and leaves it as it was.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from matcher.cli.commands import AddCommon, Sub
from matcher.cli.config import open_service, settings_from
from matcher.cli.output import as_csv, as_json, as_table, to_jsonable
from matcher.cli.registry_commands import CLI_ACTOR
from matcher.errors import ConfigError
from matcher.names import DuplicateReport
from matcher.settings import BatchSettings


def register_batch(sub: Sub, add_common: AddCommon) -> None:
    p = sub.add_parser("batch", help="registry-scale jobs on Ray (pip install -e '.[scale]')")
    jobs = p.add_subparsers(dest="job", required=True, metavar="JOB")
    e = jobs.add_parser("encode", help="encode every text of the store (or a file) into the cache")
    e.add_argument("--file", type=Path, help="an organisations file to encode instead of the store")
    _ray_options(e)
    add_common(e)
    e.set_defaults(handler=run_encode)
    d = jobs.add_parser("dedup", help="likely duplicates in the store (or a registry CSV)")
    d.add_argument("--registry", type=Path, help="a registry CSV: id,name,country,city,...")
    d.add_argument("--out", type=Path, help="write the pairs here (.json or .csv)")
    d.add_argument("--merge", action="store_true", help="merge each match cluster (undoable)")
    _ray_options(d)
    add_common(d)
    d.set_defaults(handler=run_dedup)


def _ray_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray-address", help="join this Ray cluster (default: start one here)")
    parser.add_argument("--num-cpus", type=_positive, help="CPUs of the local Ray (default: all)")
    parser.add_argument("--workers", type=_positive, help="Ray actors (default: one per CPU)")


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def batch_settings(args: argparse.Namespace) -> BatchSettings:
    return BatchSettings(ray_address=args.ray_address, num_cpus=args.num_cpus, workers=args.workers)


def run_encode(args: argparse.Namespace) -> int:
    from embeddings.cache import EmbeddingCache
    from embeddings.factory import create_encoder
    from matcher.batch.encode import (
        encode_into_cache,
        file_organisations,
        organisation_texts,
        store_organisations,
    )
    from matcher.store import Store
    from matcher.taxonomy import load_taxonomy

    settings = settings_from(args)
    engine = settings.engine
    taxonomy = load_taxonomy(engine.taxonomy_path)
    if args.file is not None:
        orgs = file_organisations(args.file, taxonomy)
    else:
        orgs = store_organisations(Store(settings.database_url), taxonomy)
    texts = organisation_texts(orgs, engine.ranking.passage_words)
    make = partial(create_encoder, engine.model, None, 1)  # one process per actor
    cache = EmbeddingCache(engine.cache_path)
    try:
        report = encode_into_cache(texts, make, cache, batch_settings(args), show_progress=True)
    finally:
        cache.close()
    print(
        f"{report.texts} texts of {len(orgs)} organisations ({report.model_id}): "
        f"{report.cached} already cached, {report.encoded} encoded by {report.workers} "
        f"Ray workers in {report.seconds:.1f} s ({report.texts_per_second:.1f} texts/s)"
    )
    return 0


def run_dedup(args: argparse.Namespace) -> int:
    from matcher.batch.dedup import dedup_on_ray, read_registry
    from matcher.batch.encode import store_organisations
    from matcher.service import duplicates_out, name_record
    from matcher.store import Store
    from matcher.taxonomy import load_taxonomy

    if args.merge and args.registry is not None:
        raise ConfigError("--merge works on the store, not on a registry file")
    settings = settings_from(args)
    if args.registry is not None:
        records = read_registry(args.registry)
    else:
        taxonomy = load_taxonomy(settings.engine.taxonomy_path)
        orgs = store_organisations(Store(settings.database_url), taxonomy)
        records = [name_record(o) for o in orgs]
    report = dedup_on_ray(records, settings=batch_settings(args), show_progress=True)
    _summary(report)
    rows = [to_jsonable(p) for p in duplicates_out(report)]
    if args.out is not None:
        _write_pairs(args.out, rows)
    elif not args.merge:
        shown = [{k: v for k, v in r.items() if k != "against_existing"} for r in rows]
        print(as_table(shown, {"reason": 60}))
    if args.merge:
        _merge_clusters(args, report)
    return 0


def _summary(report: DuplicateReport) -> None:
    stats = report.blocking
    print(
        f"{report.n_records} records: {stats.candidates} candidate pairs, {stats.compared} "
        f"scored; {len(report.by_decision('match'))} match, "
        f"{len(report.by_decision('review'))} review",
        file=sys.stderr,
    )


def _write_pairs(path: Path, rows: list[dict[str, object]]) -> None:
    if path.suffix.lower() not in (".json", ".csv"):
        raise ConfigError(f"--out {path}: name a .json or a .csv file")
    text = as_json(rows) if path.suffix.lower() == ".json" else as_csv(rows)
    partial_path = path.with_name(path.name + ".partial")  # never a half-written file
    partial_path.write_text(text, encoding="utf-8")
    partial_path.replace(path)
    print(f"{len(rows)} pairs written to {path}", file=sys.stderr)


def _merge_clusters(args: argparse.Namespace, report: DuplicateReport) -> None:
    from matcher.batch.dedup import merge_matches

    with open_service(args) as service:
        for entry in merge_matches(service, report, CLI_ACTOR):
            print(f"{entry.merge_id}: {', '.join(entry.merged_ids)} -> {entry.survivor_id}")


BATCH_COMMANDS = [register_batch]
