"""Applying a validated PATCH body to a model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def apply_patch(row: Any, body: BaseModel) -> dict[str, Any]:
    """Set every field the client sent (explicit ``null`` included) and return them."""
    changes = body.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(row, field, value)
    return changes
