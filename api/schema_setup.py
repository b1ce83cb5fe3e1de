"""Create the schema (idempotent) — used by ``brickguard up`` and the test fixtures."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from api.models import Base
from guards import outbox


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet."""
    Base.metadata.create_all(engine)
    outbox.create_table(engine)
