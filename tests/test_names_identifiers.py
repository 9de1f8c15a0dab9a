"""Registry identifiers: check digits, parsing, website domains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.names import (
    domain_of,
    parse_identifier,
    parse_identifiers,
    valid_inn,
    valid_ogrn,
    valid_orgnr,
    valid_y_tunnus,
)
from matcher.names.identifiers import is_shared_domain

# Published identifiers of large companies: Sberbank (INN, OGRN), Nokia Oyj (Y-tunnus),
# Equinor ASA (organisasjonsnummer).
SBERBANK_INN, SBERBANK_OGRN = "7707083893", "1027700132195"
NOKIA_YT, EQUINOR_ORGNR = "0112038-9", "923609016"


def test_known_valid_numbers() -> None:
    assert valid_inn(SBERBANK_INN)
    assert valid_ogrn(SBERBANK_OGRN)
    assert valid_y_tunnus(NOKIA_YT)
    assert valid_orgnr(EQUINOR_ORGNR)


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (valid_inn, "7707083894"),  # wrong check digit
        (valid_inn, "770708389"),  # too short
        (valid_inn, "77070838930"),  # 11 digits is neither form
        (valid_inn, "77O7083893"),  # letter O
        (valid_ogrn, "1027700132196"),
        (valid_ogrn, "0027700132195"),  # OGRN never starts with 0
        (valid_y_tunnus, "0112038-8"),
        (valid_y_tunnus, "0112038"),
        (valid_orgnr, "923609017"),
        (valid_orgnr, "92360901"),
    ],
)
def test_known_invalid_numbers(check: object, value: str) -> None:
    assert callable(check) and not check(value)


def test_accepted_spellings_of_valid_numbers() -> None:
    assert valid_y_tunnus("FI01120389")  # Finnish VAT number
    assert valid_y_tunnus("01120389")
    assert valid_orgnr("NO 923 609 016 MVA")
    assert valid_inn("7707 083 893")


def _inn_with_check(body: str) -> str:
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return body + str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_inn_with_its_computed_check_digit_is_valid(body: str) -> None:
    inn = _inn_with_check(body)
    assert valid_inn(inn)
    assert not valid_inn(inn[:9] + str((int(inn[9]) + 1) % 10))


@given(st.integers(0, 6), st.integers(1, 9))
def test_any_single_digit_error_breaks_a_y_tunnus(position: int, delta: int) -> None:
    digits = list(NOKIA_YT.replace("-", ""))
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not valid_y_tunnus("".join(digits[:7]) + "-" + digits[7])


@given(st.integers(0, 7), st.integers(1, 9))
def test_any_single_digit_error_breaks_an_orgnr(position: int, delta: int) -> None:
    digits = list(EQUINOR_ORGNR)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not valid_orgnr("".join(digits))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RU-INN:7707083893", "RU-INN:7707083893"),
        ("ИНН 7707083893", "RU-INN:7707083893"),
        ("RU-OGRN:1027700132195", "RU-OGRN:1027700132195"),
        ("FI-YT:0112038-9", "FI-YT:0112038-9"),
        ("Y-tunnus 0112038-9", "FI-YT:0112038-9"),
        ("FI01120389", "FI-YT:0112038-9"),
        ("NO-ORGNR:923609016", "NO-ORGNR:923609016"),
        ("Org.nr 923 609 016", "NO-ORGNR:923609016"),
        ("NO923609016MVA", "NO-ORGNR:923609016"),
        ("7707083893", "RU-INN:7707083893"),
        ("WEB:https://www.Helen.fi/en", "DOMAIN:helen.fi"),
    ],
)
def test_parse_identifier(text: str, expected: str) -> None:
    ident = parse_identifier(text)
    assert ident is not None and ident.valid
    assert str(ident) == expected


def test_invalid_identifiers_are_kept_but_flagged() -> None:
    ident = parse_identifier("RU-INN:7707083894")
    assert ident is not None and not ident.valid
    assert parse_identifier("") is None
    assert parse_identifier("12345") is None


def test_parse_identifiers_deduplicates_and_adds_the_website() -> None:
    found = parse_identifiers(["ИНН 7707083893", "RU-INN:7707083893"], "RU", "sberbank.ru")
    assert [str(i) for i in found] == ["DOMAIN:sberbank.ru", "RU-INN:7707083893"]


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.helen.fi/en/", "helen.fi"),
        ("WWW.HELEN.FI", "helen.fi"),
        ("helen.fi", "helen.fi"),
        ("info@statkraft.no", "statkraft.no"),
        ("http://user:pw@energo.example.com:8080/x?y=1", "energo.example.com"),
        ("энергосервис.рф", "энергосервис.рф"),
        ("http://xn--b1abfbqzjodie7k.xn--p1ai/", "энергосервис.рф"),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_domain_of(url: str | None, domain: str | None) -> None:
    assert domain_of(url) == domain


def test_free_mail_and_social_hosts_are_not_keys() -> None:
    assert is_shared_domain("gmail.com")
    assert is_shared_domain("sites.google.com")
    assert not is_shared_domain("helen.fi")
