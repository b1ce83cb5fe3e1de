"""Shared steps of the services: fetching the caller's own row, applying a validated PATCH."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.errors import NotFound, ValidationError

Row = TypeVar("Row")


def owned(
    session: Session,
    model: type[Row],
    user_id: str,
    row_id: uuid.UUID,
    what: str,
    *options: Any,
    for_update: bool = False,
) -> Row:
    """The caller's row ``row_id``; someone else's is the same 404 as a missing one.

    ``for_update`` locks the row for the rest of the transaction, so a concurrent
    PATCH and DELETE of one row take turns: the second finds the row changed, or
    gone (a 404), instead of updating a row that no longer exists.
    """
    query = select(model).where(model.id == row_id, model.user_id == user_id)  # type: ignore[attr-defined]
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query.options(*options)).unique().one_or_none()
    if row is None:
        raise NotFound(f"{what} not found")
    return row


def apply_patch(row: Any, body: BaseModel, required: Sequence[str] = ("title",)) -> dict[str, Any]:
    """Set every field the client sent (explicit ``null`` included, except for ``required`` ones)."""
    changes = body.model_dump(exclude_unset=True)
    for field in required:
        if field in changes and changes[field] is None:
            raise ValidationError(f"{field} cannot be null")
    for field, value in changes.items():
        setattr(row, field, value)
    return changes
