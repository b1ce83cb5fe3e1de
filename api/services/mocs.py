"""MOC instructions: list, search, detail, create, update, delete — per user."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from api import cache_keys, object_keys, schemas
from api.adapters.outbox import Outbox
from api.adapters.search_index import MOCS_INDEX, delete_op, index_op, moc_document
from api.models import MocInstruction
from api.services.changes import commit_change
from api.services.paging import page_with_total
from api.services.updates import apply_patch, owned
from guards.like import LIKE_ESCAPE, escape_like
from runtime.errors import Conflict, ValidationError

DETAIL_LOADS = (
    joinedload(MocInstruction.files),
    joinedload(MocInstruction.parts_lists),
    joinedload(MocInstruction.images),
)
"""A detail is one query: the MOC joined with its (few) files, parts lists and images."""


def _detail(session: Session, user_id: str, moc_id: uuid.UUID) -> MocInstruction:
    return owned(session, MocInstruction, user_id, moc_id, "MOC", *DETAIL_LOADS)


def _locked(session: Session, user_id: str, moc_id: uuid.UUID) -> MocInstruction:
    return owned(session, MocInstruction, user_id, moc_id, "MOC", for_update=True)


def ilike_filter(term: str) -> Any:
    """Title, description or tags contain ``term`` literally, case-insensitively."""
    pattern = escape_like(term)
    return or_(
        MocInstruction.title.ilike(pattern, escape=LIKE_ESCAPE),
        MocInstruction.description.ilike(pattern, escape=LIKE_ESCAPE),
        cast(MocInstruction.tags, String).ilike(pattern, escape=LIKE_ESCAPE),
    )


def list_mocs(
    session: Session, user_id: str, *, page: int, limit: int, search: str | None, tag: str | None
) -> tuple[list[dict[str, Any]], int]:
    """One page of the user's MOCs, newest first, optionally filtered."""
    conditions: list[Any] = [MocInstruction.user_id == user_id]
    if search:
        conditions.append(ilike_filter(search))
    if tag:
        conditions.append(MocInstruction.tags.contains([tag]))
    query = select(MocInstruction).where(*conditions).order_by(MocInstruction.updated_at.desc(), MocInstruction.id)
    rows, total = page_with_total(session, query, page=page, limit=limit)
    return [schemas.moc_json(moc) for (moc,) in rows], total


def ranked_mocs(session: Session, user_id: str, ids: list[str]) -> list[dict[str, Any]]:
    """The user's MOCs with ``ids``, in the order search ranked them (ids gone since are skipped)."""
    if not ids:
        return []
    wanted = [uuid.UUID(i) for i in ids]
    rows = session.scalars(
        select(MocInstruction).where(MocInstruction.id.in_(wanted), MocInstruction.user_id == user_id)
    ).all()
    by_id = {row.id: row for row in rows}
    return [schemas.moc_json(by_id[i]) for i in wanted if i in by_id]


def get_moc(session: Session, user_id: str, moc_id: uuid.UUID) -> dict[str, Any]:
    """The MOC with its files, images and parts lists."""
    return schemas.moc_detail_json(_detail(session, user_id, moc_id))


def _changed(user_id: str) -> list[str]:
    return [cache_keys.mocs_ns(user_id), cache_keys.profile_ns(user_id)]


def _commit_unique_title(session: Session, changes: Outbox, moc: MocInstruction) -> None:
    try:
        session.flush()
        commit_change(
            session,
            changes,
            namespaces=_changed(moc.user_id),
            index_ops=[index_op(MOCS_INDEX, moc.id, moc_document(moc))],
        )
    except IntegrityError as exc:
        session.rollback()
        if "uq_moc_user_title" in str(exc.orig):
            raise Conflict("A MOC with this title already exists") from None
        raise


def create_moc(session: Session, changes: Outbox, user_id: str, body: schemas.MocCreate) -> dict[str, Any]:
    """Create a MOC; a title the user already has is a 409."""
    moc = MocInstruction(user_id=user_id, **body.model_dump())
    session.add(moc)
    _commit_unique_title(session, changes, moc)
    return schemas.moc_json(moc)


def update_moc(
    session: Session, changes: Outbox, user_id: str, moc_id: uuid.UUID, body: schemas.MocUpdate
) -> dict[str, Any]:
    """Apply a partial update; type rules are re-checked on the merged result."""
    moc = _locked(session, user_id, moc_id)
    apply_patch(moc, body, required=("title", "type"))
    try:
        schemas.check_type_requirements(moc.type, moc.author, moc.brand)
    except ValueError as exc:
        session.rollback()
        raise ValidationError(str(exc)) from None
    _commit_unique_title(session, changes, moc)
    return schemas.moc_json(moc)


def delete_moc(session: Session, changes: Outbox, user_id: str, moc_id: uuid.UUID) -> None:
    """Delete a MOC; files, parts lists and gallery links go with it (ON DELETE CASCADE), S3 objects via the outbox."""
    moc = _locked(session, user_id, moc_id)
    session.delete(moc)
    commit_change(
        session,
        changes,
        namespaces=_changed(user_id),
        index_ops=[delete_op(MOCS_INDEX, moc_id)],
        deleted_objects={"prefixes": [object_keys.moc_prefix(user_id, moc_id)]},
    )
