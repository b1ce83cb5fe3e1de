"""Uploads past the direct ceiling: a presigned S3 POST to a staging key, then a confirm call.

``offer`` signs a POST form for ``uploads/{userId}/{uploadId}`` whose policy
says the content type and at most :data:`~api.uploads.upload_limits.PRESIGNED_UPLOAD_MAX_BYTES`.
S3 enforces that policy; moto (the local S3) does not, and a policy is only as good as
the client that was handed it, so ``claim`` checks the stored object's size itself
before reading it, and the caller judges the bytes by their content as for a direct
upload. A staging object is deleted once it is confirmed or refused; one never
confirmed is left to the bucket's lifecycle rule on ``uploads/``.

The staging key is derived from the caller's user id, so nobody can confirm
(or even name) another user's upload. Concurrent confirms of one upload are decided in
PostgreSQL: each tries to insert the upload's :class:`~api.models.UploadClaim`, one wins,
the others are answered 404 like a second confirm made after it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert

from api import object_keys
from api.dependency_errors import answered_as_http
from api.models import UploadClaim
from api.uploads.upload_limits import PRESIGNED_UPLOAD_MAX_BYTES, PRESIGNED_URL_TTL_SECONDS
from runtime.errors import NotFound, PayloadTooLarge, ServiceUnavailable, ValidationError
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.adapters.database import Database
    from api.adapters.storage import Storage
    from guards.object_store import ObjectStore

T = TypeVar("T")

log = logging.getLogger("brickguard.api.uploads")

GONE = "No uploaded file for this uploadId (expired, already confirmed, or never sent)"
CLAIMS_KEPT = timedelta(days=7)
"""A claim outlives its staged file (the ``uploads/`` lifecycle rule expires it after a day)."""


def offer(storage: Storage, user_id: str, content_type: str) -> dict[str, Any]:
    """``{uploadId, url, fields, maxBytes, expiresIn}``: POST ``fields`` plus ``file`` to ``url``."""
    upload_id = uuid.uuid4()
    store = storage.objects
    form = store.presigned_post(
        object_keys.staged_upload(user_id, upload_id), content_type, PRESIGNED_UPLOAD_MAX_BYTES,
        PRESIGNED_URL_TTL_SECONDS,
    )
    return {
        "uploadId": upload_id,
        "url": form["url"],
        "fields": form["fields"],
        "maxBytes": PRESIGNED_UPLOAD_MAX_BYTES,
        "expiresIn": PRESIGNED_URL_TTL_SECONDS,
    }


def confirm(
    database: Database, storage: Storage, user_id: str, upload_id: uuid.UUID, process: Callable[[bytes], T]
) -> T:
    """``process(bytes of the staged file)``; the staging object is deleted once processed or refused.

    Missing, or claimed by another confirm call, is a 404; larger than the policy allowed is a
    413. When ``process`` fails for a reason that is not the file's (PostgreSQL or S3
    unavailable) the claim is withdrawn and the staged file stays, so the client can simply
    confirm again.
    """
    store = storage.objects
    key = object_keys.staged_upload(user_id, upload_id)
    with answered_as_http(catalogue.S3):
        stored = store.head(key)
        if stored is None:
            raise NotFound(GONE)
        if stored.size > PRESIGNED_UPLOAD_MAX_BYTES:
            store.delete([key])
            raise PayloadTooLarge(
                f"Uploaded file is {stored.size} bytes; the upload allowed at most {PRESIGNED_UPLOAD_MAX_BYTES}"
            )
    if not database.write(lambda session: _claim(session, user_id, upload_id)):
        raise NotFound(GONE)
    try:
        data = _read_whole(store, key, stored.size)
        result = process(data)
    except (ValidationError, PayloadTooLarge, NotFound):
        _discard(store, key)
        raise
    except BaseException:
        _withdraw(database, user_id, upload_id)
        raise
    _discard(store, key)
    return result


def _read_whole(store: ObjectStore, key: str, size: int) -> bytes:
    """The staged file, as long as HEAD said; a shorter read is read again once, then a 503 (confirm again).

    S3 answers a GET with the whole object. moto does not always under concurrency: while other
    requests HEAD the same key, a GET of it can come back empty (docs/uploads.md).
    """
    with answered_as_http(catalogue.S3):
        for _ in range(2):
            data = store.read(key, PRESIGNED_UPLOAD_MAX_BYTES)
            if len(data) == size:
                return data
    raise ServiceUnavailable("The uploaded file could not be read whole; confirm again shortly", retry_after=1)


def _claim(session: Session, user_id: str, upload_id: uuid.UUID) -> bool:
    """Insert the claim; ``False`` when another confirm call holds it. Old claims are dropped on the way."""
    session.execute(delete(UploadClaim).where(UploadClaim.claimed_at < func.now() - CLAIMS_KEPT))
    won = session.execute(
        insert(UploadClaim).values(user_id=user_id, upload_id=upload_id).on_conflict_do_nothing()
        .returning(UploadClaim.upload_id)
    ).first()
    session.commit()
    return won is not None


def _withdraw(database: Database, user_id: str, upload_id: uuid.UUID) -> None:
    """Best effort: a claim left behind (PostgreSQL down too) makes the upload a 404 until the file expires."""

    def remove(session: Session) -> None:
        session.execute(delete(UploadClaim).where(UploadClaim.user_id == user_id, UploadClaim.upload_id == upload_id))
        session.commit()

    try:
        database.write(remove)
    except Exception as exc:
        log.warning("upload claim left behind", extra={"error": type(exc).__name__})


def _discard(store: ObjectStore, key: str) -> None:
    """Best effort: the answer does not depend on it, and the lifecycle rule removes what stays."""
    try:
        store.delete([key])
    except Exception as exc:
        log.warning("staged upload left for the lifecycle rule", extra={"key": key, "error": type(exc).__name__})
