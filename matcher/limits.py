"""Every limit of the engine and the service, in one place: the CLI, the import parser, the
API schemas and the engine all read them from here, so a file import and an API call are
held to the same sizes.

The text limits bound encoder work: the default encoder reads a long text in windows of
512 tokens, so its cost grows with the length (a 5,000-character text is two windows,
about a second on one busy core); nothing that reaches the encoder is longer than
MAX_TEXT_CHARS, and one organisation record carries at most MAX_RECORD_TEXT_CHARS.
"""

from __future__ import annotations

from matcher.errors import DataValidationError, Problem

MAX_K = 100  # results per ranking request
MAX_PAGE_SIZE = 200  # items per page of a list
MAX_OFFSET = 1_000_000  # where a page may start (beyond any list the service holds)
MAX_BODY_BYTES = 10 * 1024 * 1024  # a request body (an import of a few thousand rows fits)

# --- one record, from a file or from the API ---------------------------------------------
MAX_TEXT_CHARS = 5_000  # any free text: a query, a description, an offer, a seek, evidence
MAX_NAME_CHARS = 300  # an organisation's name
MAX_TITLE_CHARS = 500  # a need's title
MAX_SHORT_CHARS = 300  # city, region, website, an evidence title, a need's location
MAX_NOTE_CHARS = 2_000  # a partnership's or a verdict's note
MAX_ID_CHARS = 128
MAX_LIST_ITEMS = 50  # offers, seeks, a need's countries
MAX_AREAS = 10  # subject areas of a record (the taxonomy has ten)
MAX_EVIDENCE_ITEMS = 100
MAX_IDENTIFIERS = 20
MAX_RECORD_TEXT_CHARS = 50_000  # all the texts of one organisation together
MAX_CELL_NESTING = 8  # brackets inside one JSON cell (a list of evidence objects needs 2)
MAX_IMPORT_ROWS = 5_000  # records in one imported file
# words of a text glossed (matcher.gloss): the gloss is a second text for the
# encoder and is read under the read lock, so it stays as short as a search; a longer text
# (a need's description) is glossed from its start, where its title is
MAX_GLOSSED_WORDS = 120

# --- encoder work per API key ----------------------------------------------------------
# Characters of text a key may send to the encoder (queries, records): a bucket that holds
# ENCODE_BURST_CHARS and refills at ENCODE_CHARS_PER_SECOND. A key that empties it gets
# 429 with Retry-After; short queries from other keys never wait for it.
ENCODE_BURST_CHARS = 60_000
ENCODE_CHARS_PER_SECOND = 1_000.0
# Texts longer than this are encoded in a worker process, never on the request's thread,
# so a short query is not held behind a long text (see embeddings.parallel).
LONG_TEXT_CHARS = 1_000

# --- failed key attempts per client ------------------------------------------------------
MAX_FAILED_KEYS = 20  # unknown or revoked keys from one client address per window
FAILED_KEYS_WINDOW_SECONDS = 60.0


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
