"""Countries and cities: where organisations are, and what language they write in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    share: float  # of all organisations
    language: str  # what its organisations write in when not in English
    native_share: float  # of its organisations writing in it
    cities: tuple[tuple[str, str, float], ...]  # (city, region, weight)


_COUNTRY_TABLE = {
    "RU": (0.32, "ru", 0.85),
    "FI": (0.25, "fi", 0.3),
    "NO": (0.18, "no", 0.3),
    "SE": (0.05, "en", 1.0),
    "DE": (0.05, "en", 1.0),
    "EE": (0.04, "en", 1.0),
    "PL": (0.03, "en", 1.0),
    "DK": (0.03, "en", 1.0),
    "LV": (0.02, "en", 1.0),
    "LT": (0.02, "en", 1.0),
    "NL": (0.01, "en", 1.0),
}
# country | city | region | weight (city and region transliterated: they are filter keys)
_CITY_TABLE = """
RU | Saint Petersburg | Saint Petersburg | 5
RU | Gatchina | Leningrad Oblast | 1
RU | Vyborg | Leningrad Oblast | 1
RU | Vsevolozhsk | Leningrad Oblast | 1
RU | Moscow | Moscow | 2
RU | Petrozavodsk | Republic of Karelia | 1
RU | Veliky Novgorod | Novgorod Oblast | 1
RU | Murmansk | Murmansk Oblast | 1
RU | Kaliningrad | Kaliningrad Oblast | 1
FI | Helsinki | Uusimaa | 4
FI | Espoo | Uusimaa | 2
FI | Vantaa | Uusimaa | 1
FI | Turku | Southwest Finland | 2
FI | Tampere | Pirkanmaa | 2
FI | Oulu | North Ostrobothnia | 2
FI | Lahti | Päijät-Häme | 1
FI | Kotka | Kymenlaakso | 1
FI | Lappeenranta | South Karelia | 1
NO | Oslo | Oslo | 4
NO | Bergen | Vestland | 3
NO | Stavanger | Rogaland | 3
NO | Trondheim | Trøndelag | 2
NO | Tromsø | Troms | 1
NO | Kristiansand | Agder | 1
NO | Drammen | Buskerud | 1
SE | Stockholm | Stockholm County | 2
SE | Gothenburg | Västra Götaland | 1
SE | Malmö | Skåne | 1
DE | Berlin | Berlin | 1
DE | Hamburg | Hamburg | 1
DE | Munich | Bavaria | 1
EE | Tallinn | Harju County | 2
EE | Tartu | Tartu County | 1
PL | Gdańsk | Pomeranian Voivodeship | 1
PL | Kraków | Lesser Poland Voivodeship | 1
PL | Wrocław | Lower Silesian Voivodeship | 1
DK | Copenhagen | Capital Region of Denmark | 2
DK | Aarhus | Central Denmark Region | 1
LV | Riga | Riga | 1
LT | Vilnius | Vilnius County | 1
LT | Kaunas | Kaunas County | 1
NL | Rotterdam | South Holland | 1
NL | Amsterdam | North Holland | 1
"""
_CITY_ROWS = [[part.strip() for part in row.split("|")] for row in _CITY_TABLE.strip().splitlines()]
COUNTRIES = tuple(
    Country(
        code,
        share,
        language,
        native_share,
        tuple((city, region, float(weight)) for c, city, region, weight in _CITY_ROWS if c == code),
    )
    for code, (share, language, native_share) in _COUNTRY_TABLE.items()
)
CITIES = tuple((c.code, city, region) for c in COUNTRIES for city, region, _ in c.cities)
# Russian-language texts name Russian cities in Russian; city fields stay transliterated.
RUSSIAN_CITY_NAMES = {
    "Saint Petersburg": "Санкт-Петербург",
    "Gatchina": "Гатчина",
    "Vyborg": "Выборг",
    "Vsevolozhsk": "Всеволожск",
    "Moscow": "Москва",
    "Petrozavodsk": "Петрозаводск",
    "Veliky Novgorod": "Великий Новгород",
    "Murmansk": "Мурманск",
    "Kaliningrad": "Калининград",
}


def city_text(city: str, language: str) -> str:
    return RUSSIAN_CITY_NAMES.get(city, city) if language == "ru" else city


def native_language(country: str) -> str:
    """What the country's organisations write in when not in English."""
    return next(c.language for c in COUNTRIES if c.code == country)
