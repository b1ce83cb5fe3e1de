"""Committing a change together with its side effects (cache invalidation, index writes, S3 deletes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from api.adapters.outbox import Outbox


def commit_change(
    session: Session,
    changes: Outbox,
    *,
    namespaces: Sequence[str] = (),
    index_ops: Sequence[dict[str, Any]] = (),
    deleted_objects: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Commit the change and its outbox entries in one transaction, then apply the entries.

    If Redis or OpenSearch is unreachable the entries stay in the outbox and are
    applied by a later drain; the change itself is never lost.
    """
    session.flush()
    changes.record(session, namespaces=namespaces, index_ops=index_ops, deleted_objects=deleted_objects)
    session.commit()
    changes.after_commit()
