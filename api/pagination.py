"""Paging parameters shared by every list route (``page`` ≥ 1, ``limit`` 1-100)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

Page = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
Limit = Annotated[int, Query(ge=1, le=100, description="items per page (1-100)")]
SearchTerm = Annotated[str | None, Query(max_length=200, description="case-insensitive text match")]
Tag = Annotated[str | None, Query(max_length=50, description="only items carrying this tag")]


def offset(page: int, limit: int) -> int:
    """The row offset of ``page``."""
    return (page - 1) * limit


def list_body(items: list, total: int, page: int, limit: int) -> dict:
    """The success envelope of a list."""
    return {"success": True, "data": items, "total": total, "page": page, "limit": limit}
