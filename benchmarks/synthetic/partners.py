"""Who works with whom: partners drawn by topic and fitness, joint projects, and the
partnership links of the cluster."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from benchmarks.synthetic.bulk import PLAN_STREAM, draw
from benchmarks.synthetic.kinds import KINDS, PARTNERSHIP_KINDS
from matcher.model import OrgKind, Partnership

if TYPE_CHECKING:
    from benchmarks.synthetic.plan import ClusterPlan, ClusterSettings
    from benchmarks.synthetic.vocabulary import TopicVocabulary


@dataclass(frozen=True)
class Projects:
    """Joint projects as a padded member matrix, plus each organisation's projects."""

    members: np.ndarray  # (projects, 4), -1 pads
    year: np.ndarray
    topic: np.ndarray
    by_org_start: np.ndarray  # organisation i's projects: by_org[start[i]:start[i + 1]]
    by_org: np.ndarray


class PartnerSampler:
    """Draws organisations in proportion to fitness: within a topic (homophily), within its
    complement (the partners it looks for), or from anywhere."""

    def __init__(
        self,
        topic: np.ndarray,
        fitness: np.ndarray,
        vocabulary: TopicVocabulary,
        settings: ClusterSettings,
    ) -> None:
        self._order = np.argsort(topic, kind="stable")
        self._cumulative = np.cumsum(fitness[self._order])
        before = np.concatenate([[0.0], self._cumulative])
        bounds = np.searchsorted(topic[self._order], np.arange(vocabulary.n_topics + 1))
        self._low, self._high = before[bounds[:-1]], before[bounds[1:]]
        self._topic, self._complement, self._settings = topic, vocabulary.complement, settings

    def anyone(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if len(self._order) == 0:
            return np.zeros(0, np.int64)  # an empty cluster has nobody to draw
        return self._pick(rng.random(size) * self._cumulative[-1])

    def partners_of(self, orgs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One partner for each organisation given."""
        topic = self._topic[orgs]
        roll = rng.random(len(orgs))
        s = self._settings
        target = np.where(roll < s.same_topic_partners, topic, self._complement[topic])
        low, high = self._low[target], self._high[target]
        partner = self._pick(low + rng.random(len(orgs)) * (high - low))
        wide = (roll >= s.same_topic_partners + s.complement_partners) | (high <= low)
        partner[wide] = self.anyone(rng, int(wide.sum()))
        return partner

    def _pick(self, position: np.ndarray) -> np.ndarray:
        at = np.searchsorted(self._cumulative, position, side="right")
        return self._order[np.minimum(at, len(self._order) - 1)]


def joint_projects(
    rng: np.random.Generator,
    sampler: PartnerSampler,
    primary: np.ndarray,
    settings: ClusterSettings,
) -> Projects:
    """Projects of two to four members: a lead drawn from anyone, the others its partners."""
    n_projects = round(len(primary) * settings.projects_per_org)
    sizes, shares = zip(*settings.project_sizes, strict=True)
    size = np.array(sizes)[draw(rng, shares, n_projects)]
    members = np.full((n_projects, max(sizes)), -1, np.int64)
    members[:, 0] = lead = sampler.anyone(rng, n_projects)
    for column in range(1, members.shape[1]):
        joining = np.flatnonzero(size > column)
        members[joining, column] = sampler.partners_of(lead[joining], rng)
        for earlier in range(column):  # nobody joins one project twice
            members[members[:, column] == members[:, earlier], column] = -1
    year = rng.integers(2010, 2027, n_projects)
    return _index_projects(members, year, primary[lead], len(primary))


def _index_projects(
    members: np.ndarray, year: np.ndarray, topic: np.ndarray, n_orgs: int
) -> Projects:
    """Each organisation's projects, newest first."""
    project, column = np.nonzero(members >= 0)
    org = members[project, column]
    order = np.lexsort((-year[project], org))
    start = np.concatenate([[0], np.cumsum(np.bincount(org, minlength=n_orgs))])
    return Projects(members, year, topic, start, project[order])


# --- partnerships -----------------------------------------------------------------------


def partnerships_of(plan: ClusterPlan) -> tuple[Partnership, ...]:
    """Every pair of members of a joint project, then other links up to the mean degree."""
    rng = np.random.default_rng([plan.seed, PLAN_STREAM, 2])
    links = _unique_links(*_project_links(plan.projects))
    wanted = round(plan.settings.partners_per_org * plan.n_orgs / 2)
    for _ in range(4):  # self-links and repeats are dropped, so top up a few times
        missing = wanted - len(links[0])
        if missing <= 0:
            break
        links = _unique_links(*_concat(links, _other_links(plan, rng, missing + missing // 4)))
    # every joint project stays a partnership; only the other links are cut to size
    keep = max(wanted, int(np.count_nonzero(links[2] == 0)))
    a, b, kind, since = (column[:keep].tolist() for column in links)
    ids = plan.ids
    names = [PARTNERSHIP_KINDS[k] for k in kind]
    return tuple(map(Partnership, [ids[i] for i in a], [ids[i] for i in b], names, since))


_Links = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # a, b, kind, since


def _project_links(projects: Projects) -> _Links:
    members = projects.members
    parts: list[_Links] = []
    for first, second in itertools.combinations(range(members.shape[1]), 2):
        rows = np.flatnonzero((members[:, first] >= 0) & (members[:, second] >= 0))
        kind = np.zeros(len(rows), np.int64)
        parts.append((members[rows, first], members[rows, second], kind, projects.year[rows]))
    return _concat(*parts)


def _other_links(plan: ClusterPlan, rng: np.random.Generator, count: int) -> _Links:
    a = plan.sampler.anyone(rng, count)
    b = plan.sampler.partners_of(a, rng)
    kind_a, kind_b = plan.kind[a], plan.kind[b]

    def either(*kinds: OrgKind) -> np.ndarray:
        codes = [KINDS.index(k) for k in kinds]
        return np.isin(kind_a, codes) | np.isin(kind_b, codes)

    kind = np.where(either(OrgKind.RESEARCH, OrgKind.UNIVERSITY), 2, 1)
    kind = np.where(either(OrgKind.INVESTOR), 3, kind)
    return a, b, kind, rng.integers(2008, 2027, count)


def _concat(*parts: _Links) -> _Links:
    a, b, kind, since = (np.concatenate(column) for column in zip(*parts, strict=True))
    return a, b, kind, since


def _unique_links(a: np.ndarray, b: np.ndarray, kind: np.ndarray, since: np.ndarray) -> _Links:
    """Without self-links and repeated pairs (the first kept), in generation order."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    key = low * (int(high.max(initial=0)) + 1) + high
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first[low[first] != high[first]])
    return a[keep], b[keep], kind[keep], since[keep]
