"""Candidate generation for deduplication without comparing all pairs.

A pair is compared only if the two records share a blocking key or sit close in a sorted
order of their names:
- identifier keys (INN, OGRN, Y-tunnus, orgnr) and website domains;
- the whole core key, which is script-independent (Cyrillic and Latin spellings meet);
- each rare word of the core (common words such as "energy" would make huge blocks);
- a consonant skeleton of the core, which survives vowel typos and transliteration vowels;
- sorted neighbourhoods on the core and on the reversed core, for typos near either end.
Blocks larger than `max_block` are skipped (the sorted neighbourhoods still cover them), and
name-only candidates must pass a cheap C-level fuzzy prefilter before the full scorer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from matcher.names.scoring import PreparedRecord, TokenStats

__all__ = [
    "BlockingConfig",
    "BlockingStats",
    "Candidates",
    "blocking_keys",
    "close_enough",
    "propose_pairs",
]


@dataclass(frozen=True)
class BlockingConfig:
    max_block: int = 100  # larger blocks are skipped: their key is too common to tell much
    window: int = 4  # sorted-neighbourhood window (records compared on each side)
    prefilter: float = 70.0  # fuzzy ratio below which name-only candidates are dropped
    min_word: int = 3  # shorter words are not block keys


@dataclass(frozen=True)
class BlockingStats:
    keys: int
    skipped_blocks: int
    candidates: int  # distinct pairs proposed by the keys and windows
    compared: int  # pairs left after the prefilter, to be scored


_VOWELS = re.compile(r"[aeiou]")
_DISTINCTIVE = 0.6


def blocking_keys(p: PreparedRecord, stats: TokenStats, config: BlockingConfig) -> list[str]:
    """Name keys of one record (identifier and domain keys are kept apart: they are hard)."""
    if not p.concat:
        return []
    keys = [f"core:{p.concat}"]
    skeleton = _VOWELS.sub("", p.concat)
    if len(skeleton) >= 3:
        keys.append(f"skel:{skeleton}")
    keys.extend(
        f"tok:{t}"
        for t in set(p.name.tokens)
        if len(t) >= config.min_word and not t.isdigit() and stats.weight(t) >= _DISTINCTIVE
    )
    return keys


def _hard_keys(p: PreparedRecord) -> list[str]:
    keys = [f"id:{scheme}:{value}" for scheme, value in p.ids.items()]
    return keys + ([f"dom:{p.domain}"] if p.domain else [])


def _block_pairs(members: list[int], n_new: int) -> Iterator[tuple[int, int]]:
    """Pairs of a block with at least one new record (existing records are deduped already)."""
    for x, i in enumerate(members):
        if i >= n_new:
            break
        for j in members[x + 1 :]:
            yield i, j


def _window_pairs(order: list[int], n_new: int, window: int) -> Iterator[tuple[int, int]]:
    for x, i in enumerate(order):
        for j in order[x + 1 : x + 1 + window]:
            lo, hi = min(i, j), max(i, j)
            if lo < n_new:
                yield lo, hi


def _blocks(
    prepared: Sequence[PreparedRecord], stats: TokenStats, config: BlockingConfig
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    soft: dict[str, list[int]] = defaultdict(list)
    hard: dict[str, list[int]] = defaultdict(list)
    for idx, p in enumerate(prepared):
        for key in blocking_keys(p, stats, config):
            soft[key].append(idx)
        for key in _hard_keys(p):
            hard[key].append(idx)
    return soft, hard


def close_enough(a: PreparedRecord, b: PreparedRecord, cutoff: float) -> bool:
    """Cheap test before the full scorer: word order and compounds must not hide a match."""
    return (
        fuzz.token_sort_ratio(a.name.core, b.name.core, score_cutoff=cutoff) > 0
        or fuzz.ratio(a.concat, b.concat, score_cutoff=cutoff) > 0
    )


@dataclass(frozen=True)
class Candidates:
    """Pairs proposed by the blocking keys and windows, before the fuzzy prefilter."""

    forced: list[tuple[int, int]]  # sharing an identifier or a domain: always scored
    proposed: list[tuple[int, int]]  # name-only: scored when they pass `close_enough`
    keys: int
    skipped_blocks: int

    def stats(self, compared: int) -> BlockingStats:
        candidates = len(self.forced) + len(self.proposed)
        return BlockingStats(self.keys, self.skipped_blocks, candidates, compared)


def propose_pairs(
    prepared: Sequence[PreparedRecord],
    n_new: int,
    stats: TokenStats,
    config: BlockingConfig | None = None,
) -> Candidates:
    """Index pairs (i < j, i a new record) that share a key or a window, sorted; records
    from `n_new` on are the existing ones, which are not compared with each other."""
    config = config or BlockingConfig()
    soft, hard = _blocks(prepared, stats, config)
    forced = {pair for members in hard.values() for pair in _block_pairs(members, n_new)}
    proposed: set[tuple[int, int]] = set()
    skipped = 0
    for members in soft.values():
        if len(members) > config.max_block:
            skipped += 1
            continue
        proposed.update(_block_pairs(members, n_new))
    by_core = sorted(range(len(prepared)), key=lambda i: prepared[i].concat)
    by_tail = sorted(range(len(prepared)), key=lambda i: prepared[i].concat[::-1])
    for order in (by_core, by_tail):
        proposed.update(_window_pairs(order, n_new, config.window))
    proposed -= forced
    return Candidates(sorted(forced), sorted(proposed), len(soft) + len(hard), skipped)
