"""The one exception root of the engine, with the families raised by the vector layer.

The root lives here, in the lowest layer, so that `matcher` and `api` can subclass it
while imports keep running one way (api -> matcher -> embeddings).
"""

from __future__ import annotations


class MatchmakerError(Exception):
    """Root of every error the engine raises on purpose; its message is for the user."""


class EncoderError(MatchmakerError):
    """The encoder cannot be loaded or cannot read the text it was given."""


class VectorIndexError(MatchmakerError):
    """The vector index is missing, corrupt or was built with another model."""


class IndexMismatchError(VectorIndexError):
    """A saved index was built with another model or dimension than the one in use."""
