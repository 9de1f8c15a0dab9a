"""Synthetic business-registry records with planted duplicates, for the dedup benchmarks.

Deterministic for a seed: fictional firms of Russian, Finnish, Norwegian and English-speaking
registries (names from made-up syllables, sector words, legal forms, cities, valid registry
numbers for 40% of them), a share listed again as a duplicate (transliterated, re-cased,
legal form changed or dropped such as Oy / Oy Ab / Osakeyhtiö, AS / A/S, ООО / OOO, Ltd /
Limited, typo, words swapped, exonym for the city), plus hard non-duplicates (group
entities sharing a name stem, the same name in another city). Nothing is written to the
repository: a benchmark generates its records in memory or writes them to var/.

    records, entity_of = generate(n, seed)   entity_of: record id -> entity (siblings < 0)
    true_pairs(entity_of)                    the planted duplicate pairs
    write_registry_csv(records, path)        the records as a registry file
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

from matcher.batch.dedup import REGISTRY_COLUMNS
from matcher.names import NameRecord, transliterations
from matcher.names.identifiers import valid_inn, valid_orgnr, valid_y_tunnus

LATIN_SYLLABLES = (
    "kar vik sol lys tun dra ber gen hav fjel ran mo ilm var sei tor ek lin nor al vet kos "
    "mar ri ja ta lu pe ho ne sa ko ve ru bre ska tin dal gro vin"
).split()
CYR_SYLLABLES = (
    "ка ро ле ми то на за ве ду сло бор вет гор лес мир про ком сиб тан вол кам сев рек "
    "луг дар нов ост пол ям юр жар цвет чер щит бел"
).split()
GENERIC = {
    "FI": ["Energia", "Voima", "Tuulivoima", "Lämpö", "Sähkö", "Bioenergia", "Vety", "Palvelut"],
    "NO": ["Energi", "Kraft", "Vind", "Varme", "Solkraft", "Hydrogen", "Nett", "Teknologi"],
    "RU": ["Энергия", "Энерго", "Сервис", "Технологии", "Ветер", "Тепло", "Системы", "Водород"],
    "GB": ["Energy", "Power", "Solar", "Wind", "Storage", "Carbon", "Solutions", "Systems"],
}
FORMS = {
    "FI": ["Oy", "Oy", "Oy", "Oyj", "Ky"],
    "NO": ["AS", "AS", "AS", "ASA", "ANS"],
    "RU": ["ООО", "ООО", "АО", "ПАО"],
    "GB": ["Ltd", "Ltd", "LLC", "Inc"],
}
FORM_VARIANTS = {
    "Oy": ["Oy Ab", "Osakeyhtiö", "Ltd", ""],
    "AS": ["A/S", "Aksjeselskap", ""],
    "ООО": ["Общество с ограниченной ответственностью", "OOO", ""],
    "Ltd": ["Limited", ""],
}
CITIES = {
    "FI": ["Helsinki", "Espoo", "Turku", "Tampere", "Oulu", "Vaasa", "Kotka", "Kuopio", "Lahti"],
    "NO": ["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø", "Drammen", "Ålesund"],
    "RU": ["Москва", "Санкт-Петербург", "Мурманск", "Архангельск", "Петрозаводск", "Казань"],
    "GB": ["London", "Leeds", "Bristol", "Glasgow", "Aberdeen", "Cardiff"],
}
EXONYMS = {
    "Helsinki": "Helsingfors", "Turku": "Åbo", "Vaasa": "Vasa", "Espoo": "Esbo",
    "Tromsø": "Tromso", "Москва": "Moscow", "Санкт-Петербург": "St Petersburg",
    "Мурманск": "Murmansk", "Архангельск": "Arkhangelsk", "Казань": "Kazan",
}  # fmt: skip


class Generator:
    """Deterministic stream of (record, entity id) pairs."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = itertools.count(1)
        self.used_stems: set[str] = set()

    def stem(self, country: str) -> str:
        syllables = CYR_SYLLABLES if country == "RU" else LATIN_SYLLABLES
        while True:
            word = "".join(self.rng.choice(syllables) for _ in range(self.rng.choice((3, 3, 4))))
            if word not in self.used_stems:
                self.used_stems.add(word)
                return word.capitalize()

    def identifier(self, country: str) -> str | None:
        if country == "GB" or self.rng.random() > 0.4:
            return None
        body = str(self.rng.randrange(10**8, 10**9))
        for check in "0123456789":
            if country == "RU" and valid_inn(body + check):
                return f"RU-INN:{body}{check}"
            if country == "FI" and valid_y_tunnus(f"{body[:7]}-{check}"):
                return f"FI-YT:{body[:7]}-{check}"
            if country == "NO" and valid_orgnr(body[:8] + check):
                return f"NO-ORGNR:{body[:8]}{check}"
        return None

    def entity(self, country: str, stem: str | None = None) -> dict[str, str | None]:
        words = [stem or self.stem(country)]
        if self.rng.random() < 0.3:
            words.append(self.stem(country))
        words += self.rng.sample(GENERIC[country], self.rng.choice((0, 1, 1, 2)))
        return {
            "words": " ".join(words),
            "form": self.rng.choice(FORMS[country]),
            "country": country,
            "city": self.rng.choice(CITIES[country]),
            "ident": self.identifier(country),
        }

    def render(self, e: dict[str, str | None], name: str | None = None) -> NameRecord:
        words, form = name or e["words"], e["form"] or ""
        quoted = f"«{words}»" if e["country"] == "RU" else words
        text = f"{form} {quoted}" if e["country"] == "RU" else f"{quoted} {form}"
        return NameRecord(
            id=f"r{next(self.serial):06d}",
            name=text.strip(),
            country=e["country"],
            city=e["city"],
            identifiers=(e["ident"],) if e["ident"] else (),
        )

    def duplicate(self, e: dict[str, str | None]) -> NameRecord:
        d = dict(e)
        kind = self.rng.choice(["translit", "case", "form", "typo", "order", "city", "bare"])
        words = str(e["words"])
        if kind == "translit" and e["country"] == "RU":
            d["form"] = "OOO" if e["form"] == "ООО" else "JSC" if e["form"] == "АО" else "PJSC"
            words = self.rng.choice(sorted(transliterations(words)))
            d["city"] = EXONYMS.get(str(e["city"]), e["city"])
        elif kind == "case":
            words = words.upper()
        elif kind == "form":
            d["form"] = self.rng.choice(FORM_VARIANTS.get(str(e["form"]), [""]))
        elif kind == "typo":
            words = self.typo(words)
        elif kind == "order" and " " in words:
            parts = words.split()
            words = " ".join(parts[1:] + parts[:1])
        elif kind == "city":
            d["city"] = EXONYMS.get(str(e["city"]), e["city"])
        if self.rng.random() < 0.5:
            d["ident"] = None
        if self.rng.random() < 0.15:
            d["city"] = None
        return self.render(d, words)

    def sibling(self, e: dict[str, str | None]) -> dict[str, str | None]:
        """Another entity sharing the name stem (group member) or the name (other city)."""
        s = dict(e, ident=self.identifier(str(e["country"])))
        if self.rng.random() < 0.5:
            extra = self.rng.choice(["Holding", "Service", "Nett", "Invest", "Drift", "Group"])
            s["words"] = f"{e['words']} {extra}"
        else:
            others = [c for c in CITIES[str(e["country"])] if c != e["city"]]
            s["city"] = self.rng.choice(others)
        return s

    def typo(self, words: str) -> str:
        first = words.split()[0]
        i = self.rng.randrange(1, len(first) - 1)
        edits = [first[:i] + first[i + 1 :], first[:i] + first[i] + first[i:]]
        edits.append(first[:i] + first[i + 1] + first[i] + first[i + 2 :])
        return words.replace(first, self.rng.choice(edits), 1)


def generate(n: int, seed: int) -> tuple[list[NameRecord], dict[str, int]]:
    gen = Generator(seed)
    records: list[NameRecord] = []
    entity_of: dict[str, int] = {}
    countries = ["RU", "FI", "NO", "GB"]
    for eid in itertools.count():
        if len(records) >= n:
            break
        e = gen.entity(gen.rng.choice(countries))
        batch = [gen.render(e)]
        roll = gen.rng.random()
        batch += [gen.duplicate(e) for _ in range(2 if roll < 0.08 else 1 if roll < 0.3 else 0)]
        for r in batch:
            entity_of[r.id] = eid
        records.extend(batch)
        if gen.rng.random() < 0.05:  # a group sibling or a namesake elsewhere: not duplicates
            records.append(gen.render(gen.sibling(e)))
            entity_of[records[-1].id] = -eid - 1
    records = records[:n]
    return records, {r.id: entity_of[r.id] for r in records}


def true_pairs(entity_of: dict[str, int]) -> set[tuple[str, str]]:
    groups: dict[int, list[str]] = {}
    for rid, eid in entity_of.items():
        groups.setdefault(eid, []).append(rid)
    return {(a, b) for ids in groups.values() for a, b in itertools.combinations(sorted(ids), 2)}


def write_registry_csv(records: list[NameRecord], path: Path) -> None:
    """The records as a registry CSV (identifiers joined by ';'), the batch dedup's input."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REGISTRY_COLUMNS)
        for r in records:
            ids = ";".join(r.identifiers)
            writer.writerow([r.id, r.name, r.country or "", r.city or "", ids, r.website or ""])
