"""Uploads past the direct ceiling: a presigned S3 POST to a staging key, then a confirm call.

``offer`` signs a POST form for ``uploads/{userId}/{uploadId}`` whose policy
says the content type and at most :data:`~api.uploads.upload_limits.PRESIGNED_UPLOAD_MAX_BYTES`.
S3 enforces that policy; moto (the local S3) does not, and a policy is only as good as
the client that was handed it, so ``claim`` checks the stored object's size itself
before reading it, and the caller judges the bytes by their content as for a direct
upload. A staging object is deleted once it is confirmed or refused; one never
confirmed is left to the bucket's lifecycle rule on ``uploads/``.

The staging key is derived from the caller's user id, so nobody can confirm
(or even name) another user's upload.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from api import object_keys
from api.dependency_errors import answered_as_http
from api.uploads.upload_limits import PRESIGNED_UPLOAD_MAX_BYTES, PRESIGNED_URL_TTL_SECONDS
from runtime.errors import NotFound, PayloadTooLarge, ValidationError
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from api.adapters.storage import Storage
    from guards.object_store import ObjectStore

T = TypeVar("T")

log = logging.getLogger("brickguard.api.uploads")


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


def confirm(storage: Storage, user_id: str, upload_id: uuid.UUID, process: Callable[[bytes], T]) -> T:
    """``process(bytes of the staged file)``; the staging object is deleted once processed or refused.

    Missing is a 404; larger than the policy allowed is a 413. When ``process`` fails for a
    reason that is not the file's (PostgreSQL or S3 unavailable) the staged file stays, so the
    client can simply confirm again.
    """
    store = storage.objects
    key = object_keys.staged_upload(user_id, upload_id)
    with answered_as_http(catalogue.S3):
        stored = store.head(key)
        if stored is None:
            raise NotFound("No uploaded file for this uploadId (expired, already confirmed, or never sent)")
        if stored.size > PRESIGNED_UPLOAD_MAX_BYTES:
            store.delete([key])
            raise PayloadTooLarge(
                f"Uploaded file is {stored.size} bytes; the upload allowed at most {PRESIGNED_UPLOAD_MAX_BYTES}"
            )
        data = store.read(key, PRESIGNED_UPLOAD_MAX_BYTES)
    try:
        result = process(data)
    except (ValidationError, PayloadTooLarge, NotFound):
        _discard(store, key)
        raise
    _discard(store, key)
    return result


def _discard(store: ObjectStore, key: str) -> None:
    """Best effort: the answer does not depend on it, and the lifecycle rule removes what stays."""
    try:
        store.delete([key])
    except Exception as exc:
        log.warning("staged upload left for the lifecycle rule", extra={"key": key, "error": type(exc).__name__})
