"""Uploaded images: processed, stored in S3 under DESIGN.md's keys, then recorded in PostgreSQL.

A gallery image gets keys of its own (its id): the objects are written first and the row
second (:func:`~api.services.object_writes.store_then_record`).

A wishlist item's image and an avatar have one key each, replaced in place, so their URLs carry
``?v=`` and a digest of the stored bytes (a browser or CDN holding the previous picture fetches
the new one). The key is shared with the previous picture, whose delete may still be pending in
the outbox (removed while S3 refused) or being applied by a drain right now, so the object is
written inside the row's transaction, with the row locked: first the pending delete of the key
is taken back (waiting for a drain applying it), then the object is written, then the row.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from api import object_keys, schemas
from api.dependency_errors import answered_as_http
from api.services import gallery, profile, wishlist
from api.services.object_writes import store_then_record
from api.uploads import image_processing
from api.uploads.multipart_form import Form, UploadedFile
from api.uploads.served_as import served_as
from api.uploads.upload_schemas import ImageUploadFields, form_model
from runtime.errors import ValidationError
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.storage import Storage

IMAGE_FIELD = "file"
"""The file field of the wishlist image and avatar uploads."""
GALLERY_FIELD = "image"
"""``POST /api/images``'s file field, as the architecture's OpenAPI block names it."""
GALLERY_FIELD_ALIASES = ("file",)
"""Also accepted there: what this API asked for before, so clients built against it keep working."""


def single_file(form: Form, field: str = IMAGE_FIELD, aliases: tuple[str, ...] = ()) -> UploadedFile:
    """The one file part named ``field`` (or an alias); none, several or a file under another name is a 400."""
    files = form.files_in(field, *aliases)
    if len(files) != 1:
        raise ValidationError(f"Send exactly one file in the form field {field!r} (got {len(files)})")
    if not files[0].data:
        raise ValidationError("The uploaded file is empty")
    return files[0]


def only_file(form: Form) -> bytes:
    """The bytes of a form that carries one ``file`` and no other field."""
    if form.fields:
        raise ValidationError(f"Unexpected form fields: {', '.join(sorted(form.fields))}; send only 'file'")
    return single_file(form).data


def upload_gallery_image(
    database: Database, changes: Outbox, storage: Storage, user_id: str, form: Form
) -> dict[str, Any]:
    """``POST /api/images`` with a file in a multipart form."""
    fields = form_model(ImageUploadFields, form, lists=("tags",))
    image = single_file(form, GALLERY_FIELD, GALLERY_FIELD_ALIASES)
    return store_gallery_image(database, changes, storage, user_id, fields, image.data)


def store_gallery_image(
    database: Database, changes: Outbox, storage: Storage, user_id: str, fields: ImageUploadFields, data: bytes
) -> dict[str, Any]:
    """A 2048 px WebP and a 400 px thumbnail on S3, then the image row (direct upload or confirmed)."""
    full, thumbnail = image_processing.process(data, image_processing.GALLERY, image_processing.GALLERY_THUMBNAIL)
    image_id = uuid.uuid4()
    store = storage.objects
    image_key = object_keys.gallery_image(user_id, image_id)
    thumbnail_key = object_keys.gallery_thumbnail(user_id, image_id)
    body = schemas.ImageCreate.model_validate(
        {
            **fields.model_dump(by_alias=True, exclude_none=True, include=set(ImageUploadFields.model_fields)),
            "imageUrl": store.url(image_key),
            "thumbnailUrl": store.url(thumbnail_key),
        }
    )
    objects = [(image_key, full.data, full.content_type), (thumbnail_key, thumbnail.data, thumbnail.content_type)]
    return store_then_record(
        store,
        objects,
        lambda: database.write(
            lambda session: gallery.create_image(session, changes, user_id, body, image_id=image_id)
        ),
    )


def store_wishlist_image(
    database: Database, changes: Outbox, storage: Storage, user_id: str, item_id: uuid.UUID, data: bytes
) -> dict[str, Any]:
    """The item's image as an 800 px WebP at its one key; the item, naming it (404 for anyone else's item)."""
    database.read(lambda session: wishlist.get_item(session, user_id, item_id))  # before any image work
    return _store_in_place(
        changes,
        storage,
        object_keys.wishlist_image(user_id, item_id),
        image_processing.WISHLIST,
        data,
        lambda url, put: database.write(
            lambda session: wishlist.set_image(session, changes, user_id, item_id, url, put_object=put)
        ),
    )


def store_avatar(database: Database, changes: Outbox, storage: Storage, user_id: str, data: bytes) -> str:
    """The caller's avatar as a 256x256 WebP (centre-cropped) at its one key; its URL (for Cognito's ``picture``)."""

    def record(url: str, put: PutObject) -> str:
        database.write(lambda session: profile.store_avatar_object(session, changes, user_id, put_object=put))
        return url

    return _store_in_place(changes, storage, object_keys.avatar(user_id), image_processing.AVATAR, data, record)


PutObject = Callable[["Session"], None]
R = TypeVar("R")


def _store_in_place(
    changes: Outbox, storage: Storage, key: str, spec: image_processing.ImageSpec, data: bytes,
    record: Callable[[str, PutObject], R],
) -> R:
    """Render ``spec``; ``record(versioned URL, put_object)`` writes the row and calls ``put_object`` under its lock."""
    (rendition,) = image_processing.process(data, spec)
    store = storage.objects

    def put_object(session: Session) -> None:
        changes.withdraw_object_delete(session, key)  # the previous picture's delete must not remove this one
        with answered_as_http(catalogue.S3):
            store.put(key, rendition.data, *served_as(rendition.content_type, key.rsplit("/", 1)[-1]))

    return record(f"{store.url(key)}?v={hashlib.sha256(rendition.data).hexdigest()[:16]}", put_object)
