"""A transactional outbox in PostgreSQL for cache invalidations, search-index writes and S3 deletes.

A change and its side effects (bump these cache generations, index or delete
this document) are written in the *same* transaction, so a side effect cannot
be lost when Redis or OpenSearch is unreachable at commit time. Entries are
applied ("drained") right after the commit, before a recovered cache is read
again, and by keep-warm pings; an entry is deleted only once its target
accepted it, so a failed drain simply leaves it for the next one.

Example::

    with session.begin():
        session.add(moc)
        outbox.enqueue(session, CACHE, {"bump": ["moc:detail:42"]})
    outbox.drain(engine)       # applies what it can, leaves the rest pending
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, MetaData, String, Table, cast, delete, func, select
from sqlalchemy.dialects.postgresql import JSONB

from guards.outbox_targets import CACHE as CACHE
from guards.outbox_targets import SEARCH as SEARCH
from guards.outbox_targets import STORAGE as STORAGE
from guards.outbox_targets import TARGETS, Applier
from runtime.telemetry import catalogue, recorder

if TYPE_CHECKING:  # the ORM is imported by the code that hands in a session (the health function never does)
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session

DRAIN_BATCH = 200

log = logging.getLogger("brickguard.guards.outbox")

metadata = MetaData()
outbox_table = Table(
    "brickguard_outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("target", String(20), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_outbox_target_id", "target", "id"),
)


@dataclass(frozen=True, slots=True)
class DrainResult:
    applied: int
    pending: dict[str, int]

    @property
    def clean(self) -> bool:
        return not any(self.pending.values())


def create_table(engine: Engine) -> None:
    """Create the outbox table if it does not exist."""
    metadata.create_all(engine)


def enqueue(session: Session, target: str, payload: Mapping[str, Any]) -> None:
    """Add one side effect to the current transaction (it commits or rolls back with the change)."""
    if target not in TARGETS:
        raise ValueError(f"unknown outbox target {target!r}")
    session.execute(outbox_table.insert().values(target=target, payload=dict(payload)))


def withdraw(session: Session, target: str, payload: Mapping[str, Any]) -> int:
    """Remove pending entries of ``target`` equal to ``payload`` in the current transaction; how many.

    For a side effect that a newer change makes wrong (deleting an object that is being
    written again). An entry a drain is applying right now is locked by it: this waits for
    that drain to finish, so once it returns no such side effect is in flight.
    """
    matching = (
        select(outbox_table.c.id)
        .where(outbox_table.c.target == target, cast(outbox_table.c.payload, JSONB) == cast(dict(payload), JSONB))
        .with_for_update()
    )
    ids = list(session.scalars(matching))
    if ids:
        session.execute(delete(outbox_table).where(outbox_table.c.id.in_(ids)))
    return len(ids)


class Outbox:
    """Drains pending entries to their targets; one drain at a time per process per target."""

    def __init__(self, engine: Engine, appliers: Mapping[str, Applier]) -> None:
        self._engine = engine
        self._appliers = dict(appliers)
        self._locks = {target: threading.Lock() for target in self._appliers}

    def drain(self, targets: Sequence[str] | None = None) -> DrainResult:
        """Apply pending entries of ``targets`` (default: all); returns what is still pending.

        Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so concurrent drains in
        other processes never apply the same entry twice at the same time, and a
        target that fails keeps its entries (in order) for the next drain.
        """
        applied = 0
        for target in targets or tuple(self._appliers):
            with self._locks[target]:
                applied += self._drain_target(target)
        pending = self.pending()
        recorder.record(catalogue.OUTBOX_PENDING, float(sum(pending.values())))
        return DrainResult(applied, pending)

    def _drain_target(self, target: str) -> int:
        applied = 0
        while True:
            with self._engine.begin() as connection:
                rows = _claim(connection, target)
                if not rows:
                    return applied
                try:
                    self._appliers[target]([row.payload for row in rows])
                except Exception as exc:
                    details = {"target": target, "pending": len(rows), "error": type(exc).__name__}
                    log.warning("outbox drain deferred", extra=details)
                    return applied
                connection.execute(delete(outbox_table).where(outbox_table.c.id.in_([row.id for row in rows])))
                applied += len(rows)

    def pending(self) -> dict[str, int]:
        """Entries not yet applied, per target."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(outbox_table.c.target, func.count()).group_by(outbox_table.c.target)
            ).all()
        counts: dict[str, int] = {target: int(count) for target, count in rows}
        return {target: counts.get(target, 0) for target in self._appliers}


def _claim(connection: Connection, target: str) -> list[Any]:
    return list(
        connection.execute(
            select(outbox_table.c.id, outbox_table.c.payload)
            .where(outbox_table.c.target == target)
            .order_by(outbox_table.c.id)
            .limit(DRAIN_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
    )
