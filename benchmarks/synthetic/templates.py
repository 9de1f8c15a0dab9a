"""The text templates of the four languages, compiled for bulk %-formatting."""

from __future__ import annotations

import string
from typing import NamedTuple

from benchmarks.synthetic.tokens import tokens

# Fields: {t} a word of the text's topic, {u} of the organisation's second topic (or the
# first), {c} of the complementary topic, {city}, {year}. Every literal word becomes a
# filler word of its language.

_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "lead": (
            "The company develops {t} {t} and {t} {t} for {c} {c} customers.",
            "We design and manufacture {t} {t} systems with {t} {t} control.",
            "Our team builds {t} {t} solutions that cut {t} costs in {c} {c} projects.",
            "The organisation works on {t} {t}, {t} {t} and {t} research.",
        ),
        "more": (
            "It also offers {u} {u} services and {u} {u} maintenance.",
            "Recent work covers {u} {u} pilots and {u} {u} monitoring.",
            "A second line of business is {u} {u} for {t} {t} operators.",
        ),
        "place": (
            "Based in {city}, it serves clients across the region.",
            "The head office and test site are in {city}.",
        ),
        "thesis": (
            "We invest in early-stage {t} {t} and {t} {t} companies.",
            "Looking for {t} {t} start-ups with {t} {t} pilots in {city}.",
            "Growth capital for {t} {t} and {u} {u} scale-ups.",
        ),
        "offer": (
            "{t} {t} systems for {t} {u} sites",
            "Design, supply and installation of {t} {t} {t}",
            "Engineering and consulting on {t} {t} and {u} {u}",
            "Testing and certification of {t} {t} equipment",
            "Remote monitoring of {t} {t} with {t} reports",
        ),
        "seek": (
            "Partners for {c} {c} pilots in {city}",
            "Suppliers of {c} {c} and {c} {c} equipment",
            "Customers for {t} {t} in {c} {c} projects",
            "Research partners on {c} {c} and {t} {t}",
            "Investors for {t} {t} scale-up",
        ),
        "title": (
            "{t} {t} pilot in {city}",
            "{t} {t} demonstration project",
            "{t} {u} upgrade, {city}",
        ),
        "evidence": (
            "Delivered {t} {t} and {t} {t} for a {c} {c} site in {year}.",
            "The project tested {t} {t} with {u} {u} and cut {t} losses.",
            "Joint work with partners on {t} {t}, {t} and {c} {c} integration.",
        ),
        "need_title": (
            "{t} {t} for {city}",
            "Procurement of {t} {t} equipment",
            "Call for {t} {t} and {u} {u} projects",
        ),
        "need": (
            "The city plans to replace old {t} {t} with new {t} {t} by {year}.",
            "Suppliers of {t} {t} and {t} {t} are needed, with {t} monitoring.",
            "Proposals should combine {t} {t} with {u} {u}.",
        ),
    },
    "ru": {
        "lead": (
            "Компания разрабатывает {t} {t} и {t} {t} для заказчиков в сфере {c} {c}.",
            "Мы проектируем и производим системы {t} {t} с управлением {t} {t}.",
            "Команда создаёт решения {t} {t}, которые снижают затраты на {t} в проектах {c} {c}.",
            "Организация ведёт исследования {t} {t}, {t} {t} и {t}.",
        ),
        "more": (
            "Также предлагает услуги {u} {u} и обслуживание {u} {u}.",
            "Недавние работы — пилоты {u} {u} и мониторинг {u} {u}.",
            "Второе направление — {u} {u} для операторов {t} {t}.",
        ),
        "place": (
            "Офис и испытательная площадка находятся в городе {city}.",
            "Работает в городе {city} и по всему региону.",
        ),
        "thesis": (
            "Инвестируем в компании ранней стадии в области {t} {t} и {t} {t}.",
            "Ищем стартапы {t} {t} с пилотами {t} {t} в городе {city}.",
            "Капитал для роста проектов {t} {t} и {u} {u}.",
        ),
        "offer": (
            "Системы {t} {t} для объектов {t} {u}",
            "Проектирование, поставка и монтаж {t} {t} {t}",
            "Инжиниринг и консалтинг по {t} {t} и {u} {u}",
            "Испытания и сертификация оборудования {t} {t}",
            "Удалённый мониторинг {t} {t} с отчётами по {t}",
        ),
        "seek": (
            "Партнёров для пилотов {c} {c} в городе {city}",
            "Поставщиков {c} {c} и оборудования {c} {c}",
            "Заказчиков на {t} {t} в проектах {c} {c}",
            "Научных партнёров по {c} {c} и {t} {t}",
            "Инвесторов для масштабирования {t} {t}",
        ),
        "title": (
            "Пилотный проект {t} {t}, {city}",
            "Демонстрационный проект {t} {t}",
            "Модернизация {t} {u}, {city}",
        ),
        "evidence": (
            "В {year} году поставлены {t} {t} и {t} {t} для объекта {c} {c}.",
            "Проект испытал {t} {t} вместе с {u} {u} и снизил потери {t}.",
            "Совместная работа с партнёрами по интеграции {t} {t}, {t} и {c} {c}.",
        ),
        "need_title": (
            "{t} {t} для города {city}",
            "Закупка оборудования {t} {t}",
            "Конкурс проектов {t} {t} и {u} {u}",
        ),
        "need": (
            "Город планирует заменить старые {t} {t} на новые {t} {t} к {year} году.",
            "Нужны поставщики {t} {t} и {t} {t} с мониторингом {t}.",
            "Заявки должны сочетать {t} {t} и {u} {u}.",
        ),
    },
    "fi": {
        "lead": (
            "Yritys kehittää {t} {t} ja {t} {t} -ratkaisuja {c} {c} -asiakkaille.",
            "Suunnittelemme ja valmistamme {t} {t} -järjestelmiä ja {t} {t} -ohjausta.",
            "Tiimi rakentaa {t} {t} -ratkaisuja, jotka vähentävät {t} -kustannuksia "
            "{c} {c} -hankkeissa.",
            "Organisaatio tutkii {t} {t}, {t} {t} ja {t} -teknologioita.",
        ),
        "more": (
            "Lisäksi se tarjoaa {u} {u} -palveluja ja {u} {u} -huoltoa.",
            "Viimeaikaiset työt kattavat {u} {u} -pilotit ja {u} {u} -seurannan.",
            "Toinen liiketoiminta-alue on {u} {u} {t} {t} -operaattoreille.",
        ),
        "place": (
            "Pääkonttori ja testikohde ovat kaupungissa {city}.",
            "Kotipaikka on {city}, ja asiakkaita on koko alueella.",
        ),
        "thesis": (
            "Sijoitamme alkuvaiheen {t} {t} ja {t} {t} -yrityksiin.",
            "Etsimme {t} {t} -startupeja, joilla on {t} {t} -pilotteja kaupungissa {city}.",
            "Kasvupääomaa {t} {t} ja {u} {u} -yrityksille.",
        ),
        "offer": (
            "{t} {t} -järjestelmät {t} {u} -kohteisiin",
            "{t} {t} {t} -laitteiden suunnittelu, toimitus ja asennus",
            "Suunnittelu ja konsultointi: {t} {t} ja {u} {u}",
            "{t} {t} -laitteiden testaus ja sertifiointi",
            "{t} {t} -etävalvonta ja {t} -raportit",
        ),
        "seek": (
            "Kumppaneita {c} {c} -pilotteihin kaupungissa {city}",
            "{c} {c} ja {c} {c} -laitteiden toimittajia",
            "Asiakkaita {t} {t} -ratkaisuille {c} {c} -hankkeissa",
            "Tutkimuskumppaneita: {c} {c} ja {t} {t}",
            "Sijoittajia {t} {t} -kasvuun",
        ),
        "title": (
            "{t} {t} -pilotti, {city}",
            "{t} {t} -demonstraatiohanke",
            "{t} {u} -uudistus, {city}",
        ),
        "evidence": (
            "Toimitimme {t} {t} ja {t} {t} {c} {c} -kohteeseen vuonna {year}.",
            "Hanke testasi {t} {t} yhdessä {u} {u} kanssa ja vähensi {t} -häviöitä.",
            "Yhteistyö kumppaneiden kanssa: {t} {t}, {t} ja {c} {c} -integraatio.",
        ),
        "need_title": (
            "{t} {t} kaupungille {city}",
            "{t} {t} -laitteiden hankinta",
            "Haku: {t} {t} ja {u} {u} -hankkeet",
        ),
        "need": (
            "Kaupunki korvaa vanhat {t} {t} uusilla {t} {t} vuoteen {year} mennessä.",
            "Tarvitaan {t} {t} ja {t} {t} -toimittajia sekä {t} -seurantaa.",
            "Ehdotuksissa yhdistetään {t} {t} ja {u} {u}.",
        ),
    },
    "no": {
        "lead": (
            "Selskapet utvikler {t} {t} og {t} {t} for kunder innen {c} {c}.",
            "Vi designer og produserer {t} {t}-systemer med {t} {t}-styring.",
            "Teamet bygger {t} {t}-løsninger som kutter {t}-kostnader i {c} {c}-prosjekter.",
            "Organisasjonen forsker på {t} {t}, {t} {t} og {t}.",
        ),
        "more": (
            "Den tilbyr også {u} {u}-tjenester og {u} {u}-vedlikehold.",
            "Nylig arbeid omfatter {u} {u}-piloter og {u} {u}-overvåking.",
            "Et annet forretningsområde er {u} {u} for {t} {t}-operatører.",
        ),
        "place": (
            "Hovedkontoret og testanlegget ligger i {city}.",
            "Holder til i {city} og betjener kunder i hele regionen.",
        ),
        "thesis": (
            "Vi investerer i tidligfase {t} {t}- og {t} {t}-selskaper.",
            "Ser etter {t} {t}-oppstartsbedrifter med {t} {t}-piloter i {city}.",
            "Vekstkapital for {t} {t} og {u} {u}.",
        ),
        "offer": (
            "{t} {t}-systemer for {t} {u}-anlegg",
            "Prosjektering, levering og installasjon av {t} {t} {t}",
            "Rådgivning om {t} {t} og {u} {u}",
            "Testing og sertifisering av {t} {t}-utstyr",
            "Fjernovervåking av {t} {t} med {t}-rapporter",
        ),
        "seek": (
            "Partnere for {c} {c}-piloter i {city}",
            "Leverandører av {c} {c} og {c} {c}-utstyr",
            "Kunder for {t} {t} i {c} {c}-prosjekter",
            "Forskningspartnere innen {c} {c} og {t} {t}",
            "Investorer for oppskalering av {t} {t}",
        ),
        "title": (
            "{t} {t}-pilot i {city}",
            "{t} {t}-demonstrasjonsprosjekt",
            "{t} {u}-oppgradering, {city}",
        ),
        "evidence": (
            "Leverte {t} {t} og {t} {t} til et {c} {c}-anlegg i {year}.",
            "Prosjektet testet {t} {t} med {u} {u} og kuttet {t}-tap.",
            "Samarbeid med partnere om {t} {t}, {t} og {c} {c}-integrasjon.",
        ),
        "need_title": (
            "{t} {t} for {city}",
            "Innkjøp av {t} {t}-utstyr",
            "Utlysning: {t} {t}- og {u} {u}-prosjekter",
        ),
        "need": (
            "Kommunen skal erstatte gamle {t} {t} med nye {t} {t} innen {year}.",
            "Det trengs leverandører av {t} {t} og {t} {t} med {t}-overvåking.",
            "Forslagene bør kombinere {t} {t} med {u} {u}.",
        ),
    },
}


FIELDS = ("t", "u", "c", "city", "year")


class Template(NamedTuple):
    pattern: str  # for %-formatting, one %s per field
    fields: tuple[int, ...]  # the field (index into FIELDS) each slot takes a word from
    capitalise: bool  # opens with a slot


def _compile(template: str) -> Template:
    parsed = list(string.Formatter().parse(template))
    pattern = "".join(
        literal.replace("%", "%%") + ("%s" if field is not None else "")
        for literal, field, _, _ in parsed
    )
    fields = tuple(FIELDS.index(field) for _, field, _, _ in parsed if field is not None)
    return Template(pattern, fields, template.startswith("{"))


def _literal_words(template: str) -> str:
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(template))


TEMPLATES: dict[str, dict[str, tuple[Template, ...]]] = {
    lang: {part: tuple(map(_compile, texts)) for part, texts in parts.items()}
    for lang, parts in _TEMPLATES.items()
}


def filler_words(language: str) -> list[str]:
    """The words a language's templates spell out (numbers aside), in order of appearance."""
    found: dict[str, None] = {}
    for parts in _TEMPLATES[language].values():
        for template in parts:
            literal = _literal_words(template)
            found |= dict.fromkeys(w for w in tokens(literal) if not w.isdigit())
    return list(found)
