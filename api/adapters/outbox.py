"""The API's transactional outbox: a change's side effects, written with it, applied after it.

Services hand each change's cache namespaces and index operations to
:meth:`Outbox.record` inside their transaction and call
:meth:`Outbox.after_commit` after committing. The Cache and Search objects
register how to apply their entries (:meth:`Outbox.register`); a target that
is not configured records nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from guards.outbox_targets import CACHE, SEARCH, STORAGE, Applier

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.adapters.database import Database
    from guards.outbox import DrainResult
    from guards.outbox import Outbox as Drainer


class Outbox:
    """Side effects of changes for one process: recorded in the change's transaction, drained after it."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._appliers: dict[str, Applier] = {}

    def register(self, target: str, applier: Applier) -> None:
        """Apply ``target``'s entries with ``applier`` (before the first drain)."""
        self._appliers[target] = applier

    @cached_property
    def _drainer(self) -> Drainer:
        from guards.outbox import Outbox as Drainer  # the table and SQLAlchemy: only where changes are drained

        return Drainer(self._database.engine, self._appliers)

    def record(
        self,
        session: Session,
        *,
        namespaces: Sequence[str] = (),
        index_ops: Sequence[dict[str, Any]] = (),
        deleted_objects: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Enqueue a change's side effects in its transaction (only for targets that are configured).

        ``deleted_objects`` is ``{"keys": [...], "prefixes": [...]}`` of S3 objects the change orphaned.
        """
        from guards.outbox import enqueue

        if namespaces and CACHE in self._appliers:
            enqueue(session, CACHE, {"bump": list(namespaces)})
        if index_ops and SEARCH in self._appliers:
            enqueue(session, SEARCH, {"ops": list(index_ops)})
        if deleted_objects and STORAGE in self._appliers:
            enqueue(session, STORAGE, {name: list(values) for name, values in deleted_objects.items()})

    def withdraw_object_delete(self, session: Session, key: str) -> None:
        """Take back pending deletes of the object ``key`` alone (it is written again in this transaction).

        Waits for a drain applying one right now, so the caller can then check the object is still there.
        """
        from guards.outbox import withdraw

        if STORAGE in self._appliers:
            withdraw(session, STORAGE, {"keys": [key]})

    def after_commit(self) -> None:
        """Apply the side effects just committed; whatever fails stays pending for a later drain."""
        try:
            self._drainer.drain()
        except Exception:  # PostgreSQL went away after the commit: the entries wait for the next drain
            return

    def drain(self, targets: Sequence[str] | None = None) -> DrainResult:
        """Apply pending entries of ``targets`` (default: all registered); what is still pending."""
        return self._drainer.drain(targets)

    def pending(self) -> dict[str, int]:
        """Entries not yet applied, per registered target."""
        return self._drainer.pending()
