"""Paging parameters shared by every list route (``page`` ≥ 1, ``limit`` 1-100)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from api.schemas import NO_NUL
from guards.like import MAX_SEARCH_TERM_LENGTH

Page = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
Limit = Annotated[int, Query(ge=1, le=100, description="items per page (1-100)")]
SearchTerm = Annotated[
    str | None,
    Query(max_length=MAX_SEARCH_TERM_LENGTH, pattern=NO_NUL, description="case-insensitive text match, whole term"),
]
Tag = Annotated[str | None, Query(max_length=50, pattern=NO_NUL, description="only items carrying this tag")]


def offset(page: int, limit: int) -> int:
    """The row offset of ``page``."""
    return (page - 1) * limit


def list_body(items: list, total: int, page: int, limit: int) -> dict:
    """The success envelope of a list."""
    return {"success": True, "data": items, "total": total, "page": page, "limit": limit}
