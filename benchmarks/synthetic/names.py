"""Organisation ids, made-up brands, and organisation names built from them."""

from __future__ import annotations

from benchmarks.synthetic.vocabulary import SYLLABLES, SYLLABLES_RU
from matcher.model import COMPANY_KINDS, OrgKind

LEGAL_FORMS = {
    "FI": "{brand} {generic} Oy",
    "NO": "{brand} {generic} AS",
    "SE": "{brand} {generic} AB",
    "EE": "{brand} {generic} OÜ",
    "DE": "{brand} {generic} GmbH",
    "PL": "{brand} sp. z o.o.",
    "DK": "{brand} {generic} ApS",
    "LV": "SIA {brand} {generic}",
    "LT": "UAB {brand}",
    "NL": "{brand} {generic} B.V.",
    "RU": "{brand} {generic} LLC",
}
RUSSIAN_COMPANY_NAME = "ООО «{brand} {generic}»"
NAME_GENERICS = {
    "en": ("Energy", "Systems", "Technologies", "Solutions", "Power", "Engineering"),
    "ru": ("Энерго", "Технологии", "Системы", "Инжиниринг", "Энергосервис"),
    "fi": ("Energia", "Teknologia", "Voima", "Järjestelmät"),
    "no": ("Energi", "Teknologi", "Kraft", "Systemer"),
}
INSTITUTION_NAMES: dict[OrgKind, dict[str, str]] = {
    OrgKind.RESEARCH: {
        "en": "{brand} Research Institute",
        "ru": "НИИ «{brand}»",
        "fi": "{brand} tutkimuskeskus",
        "no": "{brand} forskningssenter",
    },
    OrgKind.UNIVERSITY: {
        "en": "{brand} University of Technology",
        "ru": "Университет «{brand}»",
        "fi": "{brand} ammattikorkeakoulu",
        "no": "{brand} universitet",
    },
    OrgKind.INVESTOR: {
        "en": "{brand} Ventures",
        "ru": "Фонд «{brand}»",
        "fi": "{brand} Capital Oy",
        "no": "{brand} Kapital AS",
    },
    OrgKind.INCUBATOR: {
        "en": "{brand} Cleantech Hub",
        "ru": "Бизнес-инкубатор «{brand}»",
        "fi": "{brand} Hautomo",
        "no": "{brand} Inkubator",
    },
    OrgKind.CITY_AUTHORITY: {
        "en": "{city} {brand} Energy Agency",
        "ru": "Комитет «{brand}», {city}",
        "fi": "{brand} energiavirasto, {city}",
        "no": "{city} kommune, {brand} energietat",
    },
    OrgKind.ASSOCIATION: {
        "en": "{brand} Cleantech Association",
        "ru": "Ассоциация «{brand}»",
        "fi": "{brand} ry",
        "no": "{brand} forening",
    },
}

# A brand ends in a consonant, so it never spells a topic word (those end in a vowel).
BRAND_ENDINGS = tuple(v + c for v in "aeiou" for c in ("n", "r", "s", "l", "k", "m", "t", "x"))
BRAND_ENDINGS_RU = tuple(v + c for v in "аеиоу" for c in ("н", "р", "с", "л", "к", "м", "т", "кс"))
_BRANDS = len(SYLLABLES) ** 3 * len(BRAND_ENDINGS)
_BRAND_STRIDE = 1_234_567  # coprime with _BRANDS, so consecutive ids get unlike brands


def org_id(index: int) -> str:
    return f"syn-{index + 1:07d}"


def brand(index: int, cyrillic: bool = False) -> str:
    """A made-up brand, distinct for every index below 2.56 million."""
    code = (index * _BRAND_STRIDE + 7) % _BRANDS
    syllables, endings = (
        (SYLLABLES_RU, BRAND_ENDINGS_RU) if cyrillic else (SYLLABLES, BRAND_ENDINGS)
    )
    word = "".join(syllables[(code // 40**k) % 40] for k in range(3))
    word += endings[code // 40**3]
    suffix = f" {index // _BRANDS + 1}" if index >= _BRANDS else ""
    return word.capitalize() + suffix


def org_name(i: int, kind: OrgKind, country: str, language: str, city: str, pick: int) -> str:
    name = brand(i, cyrillic=language == "ru")
    if kind in COMPANY_KINDS:
        pattern = RUSSIAN_COMPANY_NAME if language == "ru" else LEGAL_FORMS[country]
        generics = NAME_GENERICS[language]
        return pattern.format(brand=name, generic=generics[pick % len(generics)])
    return INSTITUTION_NAMES[kind][language].format(brand=name, city=city)
