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


def owned(session: Session, model: type[Row], user_id: str, row_id: uuid.UUID, what: str, *options: Any) -> Row:
    """The caller's row ``row_id``; someone else's is the same 404 as a missing one."""
    query = select(model).where(model.id == row_id, model.user_id == user_id)  # type: ignore[attr-defined]
    row = session.scalars(query.options(*options)).first()
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
