"""Reading one record's cells into typed values while collecting every problem.

A RowReader never raises for a bad cell: it notes a Problem (with row and column) and
returns a neutral value, so that one pass over a file reports everything wrong with it.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

from matcher.errors import Problem

E = TypeVar("E", bound=StrEnum)
LIST_SEPARATOR = "|"

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_COUNTRIES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)


def _list_literal(raw: str) -> list[object] | None:
    """A JSON array, or the Python list repr that spreadsheets exported by pandas carry."""
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(raw)
        except (ValueError, SyntaxError, TypeError):
            continue
        if isinstance(value, list):
            return value
    return None


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


class RowReader:
    """Typed access to one record; problems go to the shared list."""

    def __init__(
        self, row: Mapping[str, object], row_no: int, source: str, problems: list[Problem]
    ) -> None:
        self.row, self.row_no, self.source, self.problems = row, row_no, source, problems

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(message, self.row_no, column, self.source))

    def text(self, column: str, required: bool = False, max_len: int = 20_000) -> str:
        value = self.row.get(column)
        if is_missing(value):
            if required:
                self.problem(column, "is required but empty")
            return ""
        result = str(value).strip()
        if len(result) > max_len:
            self.problem(column, f"is longer than {max_len} characters")
        return result

    def choice(self, column: str, enum: type[E], required: bool = False) -> E | None:
        raw = self.text(column, required).lower()
        if not raw:
            return None
        try:
            return enum(raw)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self.problem(column, f"{raw!r} is not one of: {allowed}")
            return None

    def items(self, column: str) -> tuple[str, ...]:
        """A list cell: a real list (JSON), a JSON array in text, or '|'-separated text."""
        value = self.row.get(column)
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if not is_missing(v))
        raw = self.text(column)
        if raw.startswith("["):
            parsed = _list_literal(raw)
            if parsed is None:
                self.problem(column, "looks like a list but cannot be parsed")
                return ()
            return tuple(str(v).strip() for v in parsed if not is_missing(v))
        return tuple(p.strip() for p in raw.split(LIST_SEPARATOR) if p.strip())

    def integer(self, column: str, low: int, high: int) -> int | None:
        number = self.number(column, float(low), float(high))
        if number is not None and not float(number).is_integer():
            self.problem(column, f"{number} is not a whole number")
            return None
        return None if number is None else int(number)

    def number(self, column: str, low: float = 0.0, high: float = math.inf) -> float | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            number = float(raw.replace(" ", "").replace(",", "."))
        except ValueError:
            self.problem(column, f"{raw!r} is not a number")
            return None
        if not low <= number <= high:
            self.problem(column, f"{raw} is outside {low:g}..{high:g}")
            return None
        return number

    def day(self, column: str) -> date | None:
        raw = self.text(column)[:10]
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(column, f"{raw!r} is not a date (YYYY-MM-DD)")
            return None

    def country(self, column: str, required: bool = False) -> str:
        code = self.text(column, required).upper()
        if code and code not in ISO_COUNTRIES:
            self.problem(column, f"{code!r} is not an ISO 3166 alpha-2 country code")
        return code

    def raw_list(self, column: str) -> list[object]:
        value = self.row.get(column)
        if is_missing(value):
            return []
        if isinstance(value, list):
            return value
        try:
            parsed = json.loads(str(value))
        except ValueError:
            self.problem(column, "must be a JSON list of objects")
            return []
        if not isinstance(parsed, list):
            self.problem(column, "must be a JSON list of objects")
            return []
        return parsed
