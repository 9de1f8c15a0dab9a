"""The make-up of the cluster: kinds of organisation, company stages, partnership and need
types, and their shares."""

from __future__ import annotations

from matcher.model import NeedType, OrgKind, Stage

KINDS = tuple(OrgKind)
KIND_SHARES = {
    OrgKind.SME: 0.45,
    OrgKind.COMPANY: 0.20,
    OrgKind.INVESTOR: 0.05,
    OrgKind.INCUBATOR: 0.03,
    OrgKind.RESEARCH: 0.09,
    OrgKind.UNIVERSITY: 0.06,
    OrgKind.CITY_AUTHORITY: 0.07,
    OrgKind.ASSOCIATION: 0.05,
}
# Universities, research centres and investors are the hubs of real partnership graphs.
KIND_FITNESS = {OrgKind.RESEARCH: 3.0, OrgKind.UNIVERSITY: 4.0, OrgKind.INVESTOR: 2.0}

STAGE_SHARES = {
    Stage.IDEA: 0.1,
    Stage.SEED: 0.2,
    Stage.EARLY: 0.3,
    Stage.GROWTH: 0.25,
    Stage.MATURE: 0.15,
}
FOUNDED_BY_STAGE = {
    Stage.IDEA: (2023, 2026),
    Stage.SEED: (2019, 2026),
    Stage.EARLY: (2014, 2024),
    Stage.GROWTH: (2004, 2020),
    Stage.MATURE: (1990, 2012),
}
PARTNERSHIP_KINDS = ("project", "supply", "research", "investment")
NEED_TYPE_SHARES = {
    NeedType.PROJECT: 0.35,
    NeedType.CALL: 0.15,
    NeedType.CITY_NEED: 0.25,
    NeedType.IMPORT_SUBSTITUTION: 0.25,
}
NEED_OWNER_KINDS = {
    NeedType.PROJECT: (OrgKind.SME, OrgKind.COMPANY, OrgKind.RESEARCH, OrgKind.UNIVERSITY),
    NeedType.CALL: (OrgKind.INVESTOR, OrgKind.INCUBATOR, OrgKind.ASSOCIATION),
    NeedType.CITY_NEED: (OrgKind.CITY_AUTHORITY,),
    NeedType.IMPORT_SUBSTITUTION: (OrgKind.CITY_AUTHORITY, OrgKind.COMPANY),
}

# Investment tickets in EUR: an investor's smallest ticket; a need's budget is ten of one.
TICKETS = (50e3, 100e3, 250e3, 500e3, 1e6)
