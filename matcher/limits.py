"""Every limit of the engine and the service, in one place: the CLI, the API schemas and the
engine all read them from here."""

from __future__ import annotations

from matcher.errors import DataValidationError, Problem

MAX_K = 100  # results per ranking request
MAX_TEXT_CHARS = 5_000  # a query text (thesis, need, category) and a free-text field via the API
MAX_IMPORT_TEXT_CHARS = 20_000  # a text cell in an imported file
MAX_PAGE_SIZE = 200  # items per page of a list
MAX_BODY_BYTES = 10 * 1024 * 1024  # a request body (an import of a few thousand rows fits)


def checked_text(text: str, field: str = "text") -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DataValidationError([Problem("must not be empty", column=field)], "empty query")
    if len(cleaned) > MAX_TEXT_CHARS:
        message = f"is longer than {MAX_TEXT_CHARS} characters"
        raise DataValidationError([Problem(message, column=field)], "query too long")
    return cleaned


def checked_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        problem = Problem(f"must be between 1 and {MAX_K}", column="k")
        raise DataValidationError([problem], "bad k")
    return k
