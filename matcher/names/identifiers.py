"""Registry identifiers used as hard keys: Russian INN/OGRN, Finnish Y-tunnus, Norwegian
organisasjonsnummer, and website domains.

Check digits are validated so that a mistyped number neither merges two firms nor splits
one: only valid identifiers take part in matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = [
    "Identifier",
    "domain_of",
    "is_shared_domain",
    "parse_identifier",
    "parse_identifiers",
    "valid_inn",
    "valid_ogrn",
    "valid_orgnr",
    "valid_y_tunnus",
]


@dataclass(frozen=True)
class Identifier:
    scheme: str  # RU-INN, RU-OGRN, RU-OGRNIP, FI-YT, NO-ORGNR or DOMAIN
    value: str  # canonical spelling: digits only, Y-tunnus as NNNNNNN-N, domain lowercased
    valid: bool

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


def _digits(s: str) -> str:
    return re.sub(r"[\s.\-]", "", s)


def _weighted(digits: str, weights: Iterable[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def valid_inn(s: str) -> bool:
    """Russian taxpayer number: 10 digits (organisations) or 12 (individuals)."""
    d = _digits(s)
    if not d.isascii() or not d.isdigit():
        return False
    if len(d) == 10:
        return _weighted(d, (2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10 == int(d[9])
    if len(d) == 12:
        n11 = _weighted(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10
        n12 = _weighted(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) % 11 % 10
        return n11 == int(d[10]) and n12 == int(d[11])
    return False


def valid_ogrn(s: str) -> bool:
    """Russian state registration number: OGRN (13 digits, mod 11) or OGRNIP (15, mod 13)."""
    d = _digits(s)
    if not d.isascii() or not d.isdigit() or d[0] == "0":
        return False
    if len(d) == 13:
        return int(d[:12]) % 11 % 10 == int(d[12])
    if len(d) == 15:
        return int(d[:14]) % 13 % 10 == int(d[14])
    return False


def _y_tunnus_parts(s: str) -> tuple[str, str] | None:
    m = re.fullmatch(r"(?:FI)?(\d{6,7})-?(\d)", re.sub(r"\s", "", s.upper()))
    if not m:
        return None
    return m.group(1).rjust(7, "0"), m.group(2)


def valid_y_tunnus(s: str) -> bool:
    """Finnish business ID NNNNNNN-C (also without the dash, or as FI VAT number FINNNNNNNC)."""
    parts = _y_tunnus_parts(s)
    if parts is None:
        return False
    body, check = parts
    rest = _weighted(body, (7, 9, 10, 5, 8, 4, 2)) % 11
    return rest != 1 and (0 if rest == 0 else 11 - rest) == int(check)


def valid_orgnr(s: str) -> bool:
    """Norwegian organisasjonsnummer: 9 digits, mod 11 with weights 3 2 7 6 5 4 3 2."""
    d = re.sub(r"^NO|MVA$", "", _digits(s).upper())
    if len(d) != 9 or not d.isascii() or not d.isdigit():
        return False
    rest = 11 - _weighted(d, (3, 2, 7, 6, 5, 4, 3, 2)) % 11
    return rest != 10 and (0 if rest == 11 else rest) == int(d[8])


# Free mail, social networks and site builders: shared by unrelated firms, so never a key.
_SHARED_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "mail.ru",
        "yandex.ru",
        "ya.ru",
        "list.ru",
        "bk.ru",
        "inbox.ru",
        "rambler.ru",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "protonmail.com",
        "vk.com",
        "ok.ru",
        "facebook.com",
        "linkedin.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "t.me",
        "youtube.com",
        "google.com",
        "sites.google.com",
        "wixsite.com",
        "wix.com",
        "blogspot.com",
        "tilda.ws",
        "narod.ru",
        "ucoz.ru",
        "github.io",
        "wordpress.com",
        "suomi24.fi",
        "luukku.com",
        "online.no",
        "start.no",
    ]
)


def domain_of(url: str | None) -> str | None:
    """Host of a website or e-mail address, lowercased and without "www."; None if none."""
    if not url or not url.strip():
        return None
    text = url.strip().lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    host = _decode_idna(host.strip(".").removeprefix("www."))
    return host if "." in host and re.fullmatch(r"[\w.-]+", host) else None


def _decode_idna(host: str) -> str:
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


def is_shared_domain(domain: str) -> bool:
    """True for hosts many unrelated organisations use (free mail, social, site builders)."""
    return any(domain == d or domain.endswith("." + d) for d in _SHARED_DOMAINS)


_PREFIXES = {
    "RU-INN": "RU-INN", "INN": "RU-INN", "ИНН": "RU-INN",
    "RU-OGRN": "RU-OGRN", "OGRN": "RU-OGRN", "ОГРН": "RU-OGRN",
    "RU-OGRNIP": "RU-OGRN", "OGRNIP": "RU-OGRN", "ОГРНИП": "RU-OGRN",
    "FI-YT": "FI-YT", "Y-TUNNUS": "FI-YT", "YTUNNUS": "FI-YT", "BUSINESS ID": "FI-YT",
    "FO-NUMMER": "FI-YT",
    "NO-ORGNR": "NO-ORGNR", "ORGNR": "NO-ORGNR", "ORG.NR": "NO-ORGNR", "ORG NR": "NO-ORGNR",
    "ORGANISASJONSNUMMER": "NO-ORGNR",
    "DOMAIN": "DOMAIN", "WEB": "DOMAIN", "URL": "DOMAIN", "WWW": "DOMAIN",
}  # fmt: skip


_PREFIX_ALTERNATIVES = "|".join(re.escape(p) for p in sorted(_PREFIXES, key=len, reverse=True))
_PREFIXED = re.compile(rf"({_PREFIX_ALTERNATIVES})(?:\s*[:=№#]\s*|\s+|(?=\d))(\S.*)", re.IGNORECASE)


def _make(scheme: str, value: str) -> Identifier:
    if scheme == "DOMAIN":
        domain = domain_of(value)
        return Identifier("DOMAIN", domain or value.strip().lower(), domain is not None)
    if scheme == "FI-YT":
        parts = _y_tunnus_parts(value)
        canon = f"{parts[0]}-{parts[1]}" if parts else value.strip()
        return Identifier(scheme, canon, valid_y_tunnus(value))
    if scheme == "NO-ORGNR":
        return Identifier(
            scheme, re.sub(r"^NO|MVA$", "", _digits(value).upper()), valid_orgnr(value)
        )
    digits = _digits(value)
    if scheme == "RU-OGRN":
        return Identifier("RU-OGRNIP" if len(digits) == 15 else scheme, digits, valid_ogrn(digits))
    return Identifier(scheme, digits, valid_inn(digits))


def _guess_scheme(value: str, country: str | None) -> str | None:
    """Scheme of a bare number, from its shape and check digit (and the country if given)."""
    v = value.strip()
    d = _digits(v)
    guesses = [
        ("FI-YT", "FI", re.fullmatch(r"(FI)?\d{7}-?\d", v.upper()) and valid_y_tunnus(v)),
        ("NO-ORGNR", "NO", valid_orgnr(v)),
        ("RU-INN", "RU", len(d) in (10, 12) and valid_inn(d)),
        ("RU-OGRN", "RU", len(d) in (13, 15) and valid_ogrn(d)),
    ]
    for scheme, home, ok in guesses:
        if ok and (country is None or country == home):
            return scheme
    return None


def parse_identifier(text: str, country: str | None = None) -> Identifier | None:
    """Parse "RU-INN:7707083893", "ИНН 7707083893", "FI-YT:0112038-9", "NO-ORGNR:923609016",
    "WEB:helen.fi" or a bare number whose shape and check digit tell its scheme."""
    text = text.strip()
    if not text:
        return None
    m = _PREFIXED.fullmatch(text)
    if m:
        return _make(_PREFIXES[m.group(1).upper()], m.group(2))
    if re.fullmatch(r"FI\d{8}", text.upper()):
        return _make("FI-YT", text)
    scheme = _guess_scheme(text, country)
    if scheme:
        return _make(scheme, text)
    return _make("DOMAIN", text) if domain_of(text) and not text[0].isdigit() else None


def parse_identifiers(
    values: Iterable[str], country: str | None = None, website: str | None = None
) -> tuple[Identifier, ...]:
    """All parsable identifiers of a record (invalid ones kept, flagged), website included."""
    found = [parse_identifier(v, country) for v in values]
    if website:
        found.append(_make("DOMAIN", website))
    unique = {(i.scheme, i.value): i for i in found if i is not None}
    return tuple(sorted(unique.values(), key=str))
