"""Errors raised by the matcher, all under the one root `MatchmakerError`.

Families: bad input data (collected, then raised once with every problem), unknown ids,
configuration, plus the vector-layer families re-exported from `embeddings.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embeddings.errors import EncoderError, IndexMismatchError, MatchmakerError, VectorIndexError

__all__ = [
    "ConfigError",
    "ConflictError",
    "DataValidationError",
    "EncoderError",
    "IndexMismatchError",
    "InfeasibleRequestError",
    "MatchmakerError",
    "NotFoundError",
    "Problem",
    "RateLimitedError",
    "StoreError",
    "UnavailableError",
    "VectorIndexError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, row, column) and what."""

    message: str
    row: int | None = None  # 1-based data row as the user sees it (header is row 0 for CSV)
    column: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = [p for p in (self.source, _fmt("row", self.row), _fmt("column", self.column)) if p]
        return f"{', '.join(where)}: {self.message}" if where else self.message


def _fmt(label: str, value: object) -> str:
    return f"{label} {value}" if value is not None else ""


class DataValidationError(MatchmakerError, ValueError):
    """Input that cannot be accepted; carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem], summary: str = "invalid input") -> None:
        self.problems = tuple(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{summary}: {shown}{more}")


class NotFoundError(MatchmakerError, LookupError):
    """An id that names nothing: an organisation, a need, a key."""

    def __init__(self, what: str, ident: str) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"unknown {what} id {ident!r}")


class ConfigError(MatchmakerError):
    """A setting that cannot work: a missing data folder, a bad model name."""


class InfeasibleRequestError(MatchmakerError):
    """A request whose constraints cannot all be met; the message says which and why."""

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        self.reasons = tuple(reasons)
        super().__init__(message)


class ConflictError(MatchmakerError):
    """A write that contradicts what is there: creating an id that exists, reusing an
    idempotency key for another request."""


class StoreError(MatchmakerError):
    """The durable store cannot be opened or read: a damaged file, a record that is not
    valid JSON. The message names the file or the record."""


class UnavailableError(MatchmakerError):
    """The service cannot answer now (still opening, or a part it needs is damaged); the
    request changed nothing and may be retried."""


class RateLimitedError(MatchmakerError):
    """Too much work from one caller; `retry_after` seconds until it may try again."""

    def __init__(self, message: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message)
