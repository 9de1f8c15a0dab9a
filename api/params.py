"""Path and query parameters shared by the routers, bounded by matcher.limits (so that no
value a client sends reaches the store or the engine out of range)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from matcher.limits import MAX_ID_CHARS, MAX_K, MAX_OFFSET, MAX_PAGE_SIZE

OrgId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS, examples=["ru-050"])]
NeedId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS, examples=["need-019"])]
# what DELETE takes: an example would delete the record every other example names
AnyId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS)]
MergeId = AnyId
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
K = Annotated[int, Query(ge=1, le=MAX_K)]
Format = Annotated[str, Query(pattern="^(json|csv)$")]
