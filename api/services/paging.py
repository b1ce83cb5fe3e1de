"""A page of rows and the total count in one round trip (a window count), for the list endpoints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def page_with_total(
    session: Session, query: Select[*tuple[Any, ...]], *, page: int, limit: int
) -> tuple[list[tuple[Any, ...]], int]:
    """The rows of ``query`` on ``page`` and how many rows it has in all.

    ``count(*) OVER ()`` rides along with the page, so a list costs one query
    instead of two; only a page past the end (no row to carry the count) asks
    for the count separately.
    """
    offset = (page - 1) * limit
    rows = session.execute(query.add_columns(func.count().over()).offset(offset).limit(limit)).all()
    if rows:
        return [tuple(row[:-1]) for row in rows], int(rows[0][-1])
    if offset == 0:
        return [], 0
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return [], int(total or 0)
