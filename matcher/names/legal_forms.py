"""Legal forms of the cluster's countries (RU, FI, NO) and the common EU/US ones.

A legal form is kept as a canonical code ("OOO", "OY", "AS", ...) beside the name instead of
being thrown away: it tells two entities of one group apart ("Fortum Oyj" / "Fortum Oy") and
hints at the country when a list does not give one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LEGAL_FORMS",
    "LegalForm",
    "canonical_form",
    "form_country",
    "forms_compatible",
    "lookup_form",
]


@dataclass(frozen=True)
class LegalForm:
    code: str
    kind: str  # private_ltd, public_ltd, ru_jsc, loose, sole, partnership, nonprofit, state, ...
    countries: frozenset[str]  # empty: used in many countries (LLC, Ltd, GmbH, ...)
    spellings: tuple[str, ...]


def _lf(code: str, kind: str, countries: str, *spellings: str) -> LegalForm:
    return LegalForm(code, kind, frozenset(countries.split()), (code, *spellings))


LEGAL_FORMS: tuple[LegalForm, ...] = (
    # Russia. "000" (zeros) is a common typing slip for ООО in scraped lists.
    _lf("OOO", "private_ltd", "RU", "ООО", "000", "Общество с ограниченной ответственностью",
        "Obshchestvo s ogranichennoy otvetstvennostyu"),
    _lf("AO", "ru_jsc", "RU", "АО", "JSC", "Акционерное общество", "Aktsionernoye obshchestvo"),
    _lf("PAO", "ru_jsc", "RU", "ПАО", "PJSC", "Публичное акционерное общество",
        "Publichnoye aktsionernoye obshchestvo"),
    _lf("OAO", "ru_jsc", "RU", "ОАО", "OJSC", "Открытое акционерное общество",
        "Otkrytoye aktsionernoye obshchestvo"),
    _lf("ZAO", "ru_jsc", "RU", "ЗАО", "CJSC", "Закрытое акционерное общество",
        "Zakrytoye aktsionernoye obshchestvo"),
    _lf("IP", "sole", "RU", "ИП", "Индивидуальный предприниматель",
        "Individualnyy predprinimatel"),
    _lf("GUP", "state", "RU", "ГУП", "Государственное унитарное предприятие"),
    _lf("MUP", "state", "RU", "МУП", "Муниципальное унитарное предприятие"),
    _lf("FGUP", "state", "RU", "ФГУП", "Федеральное государственное унитарное предприятие"),
    _lf("FGBU", "state", "RU", "ФГБУ", "Федеральное государственное бюджетное учреждение"),
    _lf("ANO", "nonprofit", "RU", "АНО", "Автономная некоммерческая организация"),
    _lf("NKO", "nonprofit", "RU", "НКО", "Некоммерческая организация"),
    # Finland (Finnish and Swedish spellings).
    _lf("OY", "private_ltd", "FI", "Osakeyhtiö", "Oy Ab", "Ab Oy", "Oy Ltd", "Ltd Oy", "Ой"),
    _lf("OYJ", "public_ltd", "FI", "Julkinen osakeyhtiö", "Oyj Abp", "Abp", "Оюй"),
    _lf("KY", "partnership", "FI", "Kommandiittiyhtiö", "Kb"),
    _lf("AY", "partnership", "FI", "Avoin yhtiö"),
    _lf("TMI", "sole", "FI", "T:mi", "Toiminimi"),
    _lf("RY", "nonprofit", "FI", "r.y.", "Rekisteröity yhdistys", "rf"),
    _lf("OSK", "coop", "FI", "Osuuskunta"),
    # Norway.
    _lf("AS", "private_ltd", "NO DK EE", "A/S", "A.S.", "Aksjeselskap", "Aksjeselskab"),
    _lf("ASA", "public_ltd", "NO", "Allmennaksjeselskap"),
    _lf("NUF", "branch", "NO", "Norskregistrert utenlandsk foretak"),
    _lf("ANS", "partnership", "NO", "Ansvarlig selskap"),
    _lf("DA", "partnership", "NO", "Selskap med delt ansvar"),
    _lf("KS", "partnership", "NO", "Kommandittselskap"),
    _lf("ENK", "sole", "NO", "Enkeltpersonforetak"),
    _lf("IKS", "state", "NO", "Interkommunalt selskap"),
    _lf("SA", "coop", "NO", "Samvirkeforetak"),
    _lf("SF", "state", "NO", "Statsforetak"),
    # Common foreign forms; English ones are "loose" because English-language lists use them
    # as a translation of any company form.
    _lf("AB", "private_ltd", "SE FI", "Aktiebolag"),
    _lf("LLC", "loose", "", "L.L.C.", "Limited Liability Company"),
    _lf("LTD", "loose", "", "Limited", "Pvt Ltd"),
    _lf("INC", "loose", "", "Incorporated"),
    _lf("CORP", "loose", "", "Corporation"),
    _lf("CO", "loose", "", "Company", "Co Ltd"),
    _lf("PLC", "loose", "", "Public Limited Company"),
    _lf("LLP", "partnership", "", "Limited Liability Partnership"),
    _lf("LP", "partnership", "", "Limited Partnership"),
    _lf("GMBH", "private_ltd", "DE AT CH", "Gesellschaft mit beschränkter Haftung", "ГмбХ"),
    _lf("AG", "public_ltd", "DE AT CH", "Aktiengesellschaft"),
    _lf("KG", "partnership", "DE AT", "Kommanditgesellschaft"),
    _lf("SE", "public_ltd", "", "Societas Europaea"),
    _lf("BV", "private_ltd", "NL BE", "B.V."),
    _lf("NV", "public_ltd", "NL BE", "N.V."),
    _lf("APS", "private_ltd", "DK", "ApS"),
    _lf("SPZOO", "private_ltd", "PL", "Sp. z o.o.", "Sp z oo"),
    _lf("OU", "private_ltd", "EE", "OÜ"),
    _lf("UAB", "private_ltd", "LT"),
    _lf("SIA", "private_ltd", "LV"),
    _lf("SARL", "private_ltd", "FR LU", "S.à r.l."),
    _lf("SAS", "private_ltd", "FR"),
    _lf("SRL", "private_ltd", "IT RO"),
    _lf("SPA", "public_ltd", "IT", "S.p.A."),
    _lf("SA_EU", "public_ltd", "FR ES PL BE LU CH", "S.A.", "Société anonyme", "Sociedad anónima"),
    _lf("FOUNDATION", "nonprofit", "", "Foundation", "Säätiö", "sr", "Stiftelse", "Stiftung"),
)  # fmt: skip

_BY_CODE = {lf.code: lf for lf in LEGAL_FORMS}

# Country-specific readings of an ambiguous spelling: the Swedish "Ab" of a Finnish firm is
# an osakeyhtiö; a Russian firm's "LLC" is its ООО; a Norwegian "SA" is a co-operative.
_COUNTRY_ALIASES = {
    ("FI", "AB"): "OY",
    ("RU", "LLC"): "OOO",
    ("RU", "LTD"): "OOO",
    ("NO", "SA_EU"): "SA",
    ("RU", "INC"): "AO",
}

# Russia's 2014 civil-code reform renamed ZAO/OAO to AO/PAO, so lists of different years
# give one firm different joint-stock forms.
_RU_JSC = frozenset({"AO", "PAO", "OAO", "ZAO"})
_COMPANY_KINDS = frozenset({"private_ltd", "public_ltd", "ru_jsc", "loose"})


def lookup_form(code: str) -> LegalForm | None:
    return _BY_CODE.get(code)


def canonical_form(code: str, country: str | None) -> str:
    """Code of a detected spelling, read in the light of the record's country."""
    return _COUNTRY_ALIASES.get((country or "", code), code)


def form_country(code: str | None) -> str | None:
    """The country a legal form implies, if it is used in only one."""
    lf = _BY_CODE.get(code or "")
    if lf is None or len(lf.countries) != 1:
        return None
    return next(iter(lf.countries))


def forms_compatible(a: str | None, b: str | None) -> float:
    """1.0 same form or unknown; 0.8 plausible variants of one firm; 0.0 different entities."""
    if a is None or b is None or a == b:
        return 1.0
    fa, fb = _BY_CODE.get(a), _BY_CODE.get(b)
    if fa is None or fb is None:
        return 1.0
    if fa.countries and fb.countries and not fa.countries & fb.countries:
        return 0.0
    if a in _RU_JSC and b in _RU_JSC:
        return 0.8
    if "loose" in (fa.kind, fb.kind):
        return 0.8 if fa.kind in _COMPANY_KINDS and fb.kind in _COMPANY_KINDS else 0.0
    return 0.8 if fa.kind == fb.kind else 0.0
