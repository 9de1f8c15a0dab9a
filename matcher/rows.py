"""Reading one record's cells into typed values while collecting every problem.

A RowReader never raises for a bad cell: it notes a Problem (with row and column) and
returns a neutral value, so that one pass over a file reports everything wrong with it.
Sizes are the service's limits (matcher.limits), the same for a file and an API call; a
reader of records already in the store (`limited=False`) checks their shape, not their
size, so a store written under older limits still opens.
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
from matcher.limits import MAX_CELL_NESTING, MAX_LIST_ITEMS, MAX_TEXT_CHARS

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


def nesting_depth(raw: str) -> int:
    """How deep brackets nest in a JSON or Python literal, outside its quoted strings.

    Measured before parsing: the parsers recurse once per level, and a cell of 50,000
    brackets would exhaust the interpreter's stack instead of being reported."""
    depth = deepest = 0
    quote: str | None = None
    escaped = False
    for char in raw:
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]})":
            depth -= 1
    return deepest


def _list_literal(raw: str) -> list[object] | None:
    """A JSON array, or the Python list repr that spreadsheets exported by pandas carry."""
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(raw)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
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
        self,
        row: Mapping[str, object],
        row_no: int,
        source: str,
        problems: list[Problem],
        limited: bool = True,
    ) -> None:
        self.row, self.row_no, self.source, self.problems = row, row_no, source, problems
        self.limited = limited

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(message, self.row_no, column, self.source))

    def text(self, column: str, required: bool = False, max_len: int = MAX_TEXT_CHARS) -> str:
        return self.checked_text(self.row.get(column), column, required, max_len)

    def checked_text(
        self, value: object, column: str, required: bool = False, max_len: int = MAX_TEXT_CHARS
    ) -> str:
        """A cell (or a value inside one) as text, within `max_len` characters."""
        if is_missing(value):
            if required:
                self.problem(column, "is required but empty")
            return ""
        if isinstance(value, list | tuple | dict):
            self.problem(column, "must be text, not a list or an object")
            return ""
        result = str(value).strip()
        if self.limited and len(result) > max_len:
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
            self.problem(column, f"{_shown(raw)!r} is not one of: {allowed}")
            return None

    def items(
        self, column: str, max_items: int = MAX_LIST_ITEMS, max_len: int = MAX_TEXT_CHARS
    ) -> tuple[str, ...]:
        """A list cell: a real list (JSON), a JSON array in text, or '|'-separated text."""
        value = self.row.get(column)
        if isinstance(value, list | tuple):
            found = [v for v in value if not is_missing(v)]
        else:
            raw = self.text(column, max_len=max_items * (max_len + 3))
            if raw.startswith("["):
                parsed = self._literal(column, raw)
                if parsed is None:
                    return ()
                found = [v for v in parsed if not is_missing(v)]
            else:
                found = [p for p in raw.split(LIST_SEPARATOR) if p.strip()]
        if self.limited and len(found) > max_items:
            self.problem(column, f"has {len(found)} items; at most {max_items} are allowed")
        return tuple(self.checked_text(v, column, max_len=max_len) for v in found)

    def _literal(self, column: str, raw: str) -> list[object] | None:
        if nesting_depth(raw) > MAX_CELL_NESTING:
            self.problem(column, f"nests brackets more than {MAX_CELL_NESTING} levels deep")
            return None
        parsed = _list_literal(raw)
        if parsed is None:
            self.problem(column, "looks like a list but cannot be parsed")
        return parsed

    def integer(self, column: str, low: int, high: int) -> int | None:
        number = self.number(column, float(low), float(high))
        if number is not None and not float(number).is_integer():
            self.problem(column, f"{number} is not a whole number")
            return None
        return None if number is None else int(number)

    def number(self, column: str, low: float = 0.0, high: float = math.inf) -> float | None:
        return self.checked_number(self.row.get(column), column, low, high)

    def checked_number(
        self, value: object, column: str, low: float = 0.0, high: float = math.inf
    ) -> float | None:
        """A finite number within [low, high]; infinities and NaN are refused, so every
        stored document stays standard JSON."""
        if isinstance(value, bool):
            self.problem(column, f"{value!r} is not a number")
            return None
        if isinstance(value, float) and math.isnan(value):
            return None  # an empty spreadsheet cell
        if isinstance(value, int | float):
            number = float(value)
        else:
            raw = self.checked_text(value, column, max_len=64)
            if not raw:
                return None
            try:
                number = float(raw.replace(" ", "").replace(",", "."))
            except (ValueError, OverflowError):
                self.problem(column, f"{_shown(raw)!r} is not a number")
                return None
        if not math.isfinite(number):
            self.problem(column, f"{value!r} is not a finite number")
            return None
        if not low <= number <= high:
            self.problem(column, f"{number:g} is outside {low:g}..{high:g}")
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
            self.problem(column, f"{_shown(code)!r} is not an ISO 3166 alpha-2 country code")
        return code

    def raw_list(self, column: str, max_items: int) -> list[object]:
        value = self.row.get(column)
        if is_missing(value):
            return []
        if isinstance(value, list):
            parsed: object = value
        else:
            raw = str(value)
            if nesting_depth(raw) > MAX_CELL_NESTING:
                self.problem(column, f"nests brackets more than {MAX_CELL_NESTING} levels deep")
                return []
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                self.problem(column, "must be a JSON list of objects")
                return []
        if not isinstance(parsed, list):
            self.problem(column, "must be a JSON list of objects")
            return []
        if self.limited and len(parsed) > max_items:
            self.problem(column, f"has {len(parsed)} items; at most {max_items} are allowed")
        return parsed


def _shown(value: str, width: int = 60) -> str:
    """A value quoted in a message, clipped: a problem names what is wrong, not all of it."""
    return value if len(value) <= width else value[: width - 1] + "…"
