"""The interface text: every key a page uses exists in English and Russian, with the same
fields, and every value a page names (kinds, stages, need types, roles) has a label."""

from __future__ import annotations

import re
import string

from api.web.catalogue import MESSAGES
from api.web.i18n import LANGUAGES
from api.web.render import NAV, TEMPLATES, format_number, highlight
from matcher.gloss import GLOSS_LANGUAGES
from matcher.model import NeedType, OrgKind, Stage
from matcher.store import Role

KEY = re.compile(r"""\bt\(\s*'([a-z_.]+)'""")


def _fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_every_key_the_templates_use_is_in_the_catalogue() -> None:
    used = {k for path in TEMPLATES.glob("*.html") for k in KEY.findall(path.read_text())}
    used |= {label for _, label, _ in NAV} | {f"{label}.help" for _, label, _ in NAV}
    literal = {k for k in used if not k.endswith(".")}
    assert literal and literal - set(MESSAGES) == set()


def test_every_value_shown_has_a_label() -> None:
    values = [f"kind.{k.value}" for k in OrgKind] + [f"stage.{s.value}" for s in Stage]
    values += [f"needtype.{n.value}" for n in NeedType] + [f"role.{r.value}" for r in Role]
    values += [f"home.intro.{r.value}" for r in Role]
    values += [f"search.gloss.{language}" for language in GLOSS_LANGUAGES]
    assert [v for v in values if v not in MESSAGES] == []


def test_both_languages_everywhere_with_the_same_fields() -> None:
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts.values()), key
        assert _fields(texts["en"]) == _fields(texts["ru"]), key


def test_numbers_per_language() -> None:
    assert format_number(1234.5678, "en") == "1,234.568"
    assert format_number(1234.5678, "ru") == "1\xa0234,568"
    assert format_number(None, "en") == ""


def test_matching_words_are_marked_by_their_stems_and_the_rest_escaped() -> None:
    marked = str(highlight("Производство солнечных модулей <b>", "солнечные модули"))
    assert "<mark>солнечных</mark>" in marked and "<mark>модулей</mark>" in marked
    assert "Производство" in marked and "<mark>Производство" not in marked
    assert "&lt;b&gt;" in marked
