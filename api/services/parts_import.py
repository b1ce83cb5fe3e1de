"""The CSV parser function's work: one uploaded parts list into PostgreSQL, once.

The upload route stores the CSV, writes a ``parts_list_imports`` row (``queued``)
and invokes the parser asynchronously with :func:`parser_event`. The parser:

1. skips an import that is already ``imported`` or ``failed`` (a retried or duplicated
   event changes nothing: Lambda delivers asynchronous events at least once);
2. streams the object from S3 and parses it (:mod:`api.uploads.parts_csv`) outside any transaction;
3. in one transaction, with the MOC row locked and the import re-checked: the parts list,
   every accepted line, the list's and the MOC's piece counts (``totalPieceCount``, the sum of
   the MOC's parts lists; ``partsCount`` is the author's estimate and never written here)
   and the import's result (rejected lines with their numbers).

A file that can never be imported (not UTF-8, too many lines, no header) ends ``failed``
with the reason and nothing written; so does anything else a retry cannot cure (a value
PostgreSQL refuses, a bug): the function returns normally, as retrying cannot help. Only an
outage (PostgreSQL or S3 down, the deadline) raises, so Lambda retries the event and, after its
retries, sends it to the on-failure destination; an import still ``queued`` once every attempt
Lambda may make is over (:data:`GIVE_UP_AFTER`) is shown as ``failed``, never ``queued`` for ever.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from api import cache_keys
from api.adapters.outbox import Outbox
from api.models import MocInstruction, MocPart, MocPartsList, PartsListImport
from api.services.changes import commit_change
from api.uploads.parts_csv import FileRefused, ParseResult, parse
from guards import errors
from guards.breaker import BreakerOpenError
from guards.deadline import DeadlineExceeded
from guards.object_store import ObjectStore
from runtime.errors import ApiError

if TYPE_CHECKING:
    from api.adapters.database import Database
    from api.adapters.storage import Storage

QUEUED = "queued"
IMPORTED = "imported"
FAILED = "failed"
KEPT_REJECTIONS = 100
"""Rejected lines reported in full; the count covers all of them."""
GIVE_UP_AFTER = timedelta(hours=6, minutes=15)
"""Lambda keeps an asynchronous event at most 6 hours (``MaximumEventAgeInSeconds``' default) and runs
each of its 3 attempts within the parser's 300 s timeout: an import queued longer was given up."""
GAVE_UP = "The parser gave up on this list after Lambda's retries (a service was unavailable); upload it again"
NOT_STORABLE = "The list could not be stored (a value PostgreSQL refuses); check its text and upload it again"
_log = logging.getLogger(__name__)


def parser_event(*, user_id: str, moc_id: uuid.UUID, file_id: uuid.UUID, key: str, title: str) -> dict[str, str]:
    """The payload the upload function sends to the parser (well under Lambda's async payload limit)."""
    return {"userId": user_id, "mocId": str(moc_id), "fileId": str(file_id), "key": key, "title": title}


def import_json(row: PartsListImport, now: datetime | None = None) -> dict[str, Any]:
    """The import as the API shows it; one ``queued`` past :data:`GIVE_UP_AFTER` is ``failed``.

    The row itself stays ``queued``, so redriving the event from the failure queue still imports it.
    """
    status, error = row.status, row.error
    queued_since = row.updated_at
    if status == QUEUED and queued_since is not None and (now or datetime.now(UTC)) - queued_since > GIVE_UP_AFTER:
        status, error = FAILED, GAVE_UP
    return {
        "fileId": str(row.file_id),
        "mocId": str(row.moc_id),
        "status": status,
        "acceptedRows": row.accepted_rows,
        "rejectedRows": row.rejected_rows,
        "rejections": list(row.rejections or []),
        "error": error,
        "partsListId": str(row.parts_list_id) if row.parts_list_id else None,
    }


def import_parts_list(database: Database, changes: Outbox, storage: Storage, event: dict[str, Any]) -> dict[str, Any]:
    """Run one parser event; the answer is the import's state (also for a duplicate event)."""
    try:
        user_id, moc_id, file_id = str(event["userId"]), uuid.UUID(event["mocId"]), uuid.UUID(event["fileId"])
        key, title = str(event["key"]), str(event.get("title") or "Parts list")[:200]
    except (KeyError, ValueError, TypeError, AttributeError):
        return {"status": "ignored", "error": "not a parser event"}
    current = database.read(lambda session: _state(session.get(PartsListImport, file_id)))
    if current["status"] != QUEUED:
        return current
    try:
        outcome: ParseResult | str = parse(_object_chunks(storage.objects, key))
    except FileRefused as refused:
        outcome = str(refused)
    except Exception as exc:
        if _retry_can_cure(exc):
            raise
        outcome = _unexpected(exc, "The list could not be read; upload it again")
    try:
        return database.write(lambda session: _record(session, changes, user_id, moc_id, file_id, title, outcome))
    except Exception as exc:
        if _retry_can_cure(exc):
            raise
        unstorable = _unexpected(exc, NOT_STORABLE)
    return database.write(lambda session: _record(session, changes, user_id, moc_id, file_id, title, unstorable))


def _retry_can_cure(exc: BaseException) -> bool:
    """An outage (Lambda retries the event), as opposed to input or code that fails every time."""
    if isinstance(exc, ApiError):  # the database's mapped outages: 503, 504, 409 on a conflict
        return exc.status >= 500 or exc.status == 409
    return (
        isinstance(exc, BreakerOpenError | DeadlineExceeded)
        or errors.is_retryable(exc)
        or errors.is_dependency_failure(exc)
    )


def _unexpected(exc: BaseException, reason: str) -> str:
    """Log the failure's type only: database errors carry the row's values in their message."""
    _log.warning("parts-list import failed for good", extra={"errorType": type(exc).__qualname__})
    return reason


def _state(row: PartsListImport | None) -> dict[str, Any]:
    return import_json(row) if row is not None else {"status": "ignored", "error": "no such import"}


def _object_chunks(store: ObjectStore, key: str) -> Any:
    if store.head(key) is None:
        raise FileRefused("The uploaded file is gone (deleted before it was parsed)")
    return store.stream(key)


def _record(
    session: Session, changes: Outbox, user_id: str, moc_id: uuid.UUID, file_id: uuid.UUID, title: str,
    outcome: ParseResult | str,
) -> dict[str, Any]:
    moc = session.scalars(
        select(MocInstruction).where(MocInstruction.id == moc_id, MocInstruction.user_id == user_id).with_for_update()
    ).one_or_none()
    row = session.get(PartsListImport, file_id, with_for_update=True)
    if moc is None or row is None or row.status != QUEUED:  # deleted meanwhile, or another run finished first
        state = _state(row)
        session.rollback()
        return state
    if isinstance(outcome, str):
        row.status, row.error = FAILED, outcome
    else:
        parts_list = MocPartsList(moc_id=moc_id, file_id=file_id, title=title, total_parts_count=outcome.total_quantity)
        session.add(parts_list)
        session.flush()
        if outcome.parts:
            session.execute(
                insert(MocPart),
                [
                    {"parts_list_id": parts_list.id, "line": part.line, "part_id": part.part_id,
                     "part_name": part.part_name, "quantity": part.quantity, "color": part.color}
                    for part in outcome.parts
                ],
            )
        moc.total_piece_count = session.scalar(  # the sum; partsCount stays the author's estimate
            select(func.coalesce(func.sum(MocPartsList.total_parts_count), 0)).where(MocPartsList.moc_id == moc_id)
        )
        row.status, row.parts_list_id = IMPORTED, parts_list.id
        row.accepted_rows, row.rejected_rows = len(outcome.parts), len(outcome.rejections)
        row.rejections = [{"line": r.line, "reason": r.reason} for r in outcome.rejections[:KEPT_REJECTIONS]]
    session.flush()
    commit_change(session, changes, namespaces=[cache_keys.mocs_ns(user_id), cache_keys.profile_ns(user_id)])
    return import_json(row)
