"""The cluster's needs: on popular topics, most owned by an organisation of a fitting kind."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.synthetic.bulk import NEEDS_STREAM, draw
from benchmarks.synthetic.kinds import KINDS, NEED_OWNER_KINDS, NEED_TYPE_SHARES, TICKETS
from benchmarks.synthetic.places import CITIES, native_language
from benchmarks.synthetic.texts import one_topic_rows, text_writer
from benchmarks.synthetic.vocabulary import LANGUAGES
from matcher.model import Need, NeedType, OrgKind

if TYPE_CHECKING:
    from benchmarks.synthetic.plan import ClusterPlan


_NEED_TYPES = tuple(NEED_TYPE_SHARES)
_NEED_CITIES = tuple(i for i, (country, _, _) in enumerate(CITIES) if country in ("RU", "FI", "NO"))


def needs_of(plan: ClusterPlan) -> list[Need]:
    """Needs on popular topics, most owned by an organisation of a fitting kind."""
    rng = np.random.default_rng([plan.seed, NEEDS_STREAM])
    n = plan.settings.n_needs
    types = [_NEED_TYPES[t] for t in draw(rng, list(NEED_TYPE_SHARES.values()), n).tolist()]
    candidates = {
        need_type: np.flatnonzero(np.isin(plan.kind, [KINDS.index(k) for k in kinds]))
        for need_type, kinds in NEED_OWNER_KINDS.items()
    }
    owners = [_need_owner(rng, need_type, candidates[need_type]) for need_type in types]
    cities = [
        int(plan.city[o]) if o is not None else _NEED_CITIES[rng.integers(len(_NEED_CITIES))]
        for o in owners
    ]
    languages = [
        int(plan.language[o]) if o is not None else LANGUAGES.index(native_language(CITIES[c][0]))
        for o, c in zip(owners, cities, strict=True)
    ]
    topics = draw(rng, plan.topic_weight, n)
    rows = one_topic_rows(rng, languages, topics, cities)
    writer = text_writer(plan.vocabulary)
    titles = writer.write(rng, "need_title", rows)
    texts = zip(writer.write(rng, "need", rows), writer.write(rng, "need", rows), strict=True)
    details = zip(types, owners, cities, languages, topics.tolist(), titles, texts, strict=True)
    return [_need(plan, rng, k, *detail) for k, detail in enumerate(details)]


def _need_owner(
    rng: np.random.Generator, need_type: NeedType, candidates: np.ndarray
) -> int | None:
    if need_type == NeedType.CALL and rng.random() < 0.5:
        return None  # an open call of a programme outside the cluster
    return int(candidates[rng.integers(len(candidates))]) if len(candidates) else None


def _need(
    plan: ClusterPlan,
    rng: np.random.Generator,
    k: int,
    need_type: NeedType,
    owner: int | None,
    city: int,
    language: int,
    topic: int,
    title: str,
    text: tuple[str, str],
) -> Need:
    country, place, _ = CITIES[city]
    local = need_type == NeedType.IMPORT_SUBSTITUTION  # wants producers in the region
    return Need(
        id=f"syn-need-{k + 1:04d}",
        title=title,
        description=" ".join(text),
        type=need_type,
        owner_id=plan.ids[owner] if owner is not None else None,
        areas=(plan.vocabulary.area_of(topic),),
        kinds=(OrgKind.SME, OrgKind.COMPANY) if local else (),
        countries=(country,) if local else (),
        location=place,
        budget_eur=None if need_type == NeedType.CALL else 10 * TICKETS[rng.integers(5)],
        deadline=date(2027, 1 + int(rng.integers(12)), 1 + int(rng.integers(28))),
        language=LANGUAGES[language],
    )
