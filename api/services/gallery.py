"""Gallery images and albums (metadata) — per user."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import cache_keys, object_keys, schemas
from api.adapters.outbox import Outbox
from api.adapters.search_index import IMAGES_INDEX, delete_op, image_document, index_op
from api.models import GalleryAlbum, GalleryImage
from api.services.changes import commit_change
from api.services.paging import page_with_total
from api.services.updates import apply_patch, owned
from runtime.errors import NotFound


def _image(session: Session, user_id: str, image_id: uuid.UUID, *, for_update: bool = False) -> GalleryImage:
    return owned(session, GalleryImage, user_id, image_id, "Image", for_update=for_update)


def _album(session: Session, user_id: str, album_id: uuid.UUID, *, for_update: bool = False) -> GalleryAlbum:
    return owned(session, GalleryAlbum, user_id, album_id, "Album", for_update=for_update)


def _image_changed(user_id: str) -> list[str]:
    """Images show up in gallery lists, album details, MOC details and the profile stats."""
    return [cache_keys.gallery_ns(user_id), cache_keys.mocs_ns(user_id), cache_keys.profile_ns(user_id)]


def _require_own(
    session: Session, model: type[GalleryAlbum] | type[GalleryImage], user_id: str, row_id: uuid.UUID | None, field: str
) -> None:
    """A referenced album or image must be the caller's own; otherwise it is not found (404)."""
    if row_id is None:
        return
    owner = session.scalar(select(model.user_id).where(model.id == row_id))
    if owner != user_id:
        raise NotFound(f"{field} does not name one of your {model.__tablename__.split('_')[-1]}")


def list_images(
    session: Session, user_id: str, *, page: int, limit: int, album_id: uuid.UUID | None
) -> tuple[list[dict[str, Any]], int]:
    conditions: list[Any] = [GalleryImage.user_id == user_id]
    if album_id is not None:
        conditions.append(GalleryImage.album_id == album_id)
    query = select(GalleryImage).where(*conditions).order_by(GalleryImage.created_at.desc(), GalleryImage.id)
    rows, total = page_with_total(session, query, page=page, limit=limit)
    return [schemas.image_json(image) for (image,) in rows], total


def get_image(session: Session, user_id: str, image_id: uuid.UUID) -> dict[str, Any]:
    return schemas.image_json(_image(session, user_id, image_id))


def create_image(
    session: Session, changes: Outbox, user_id: str, body: schemas.ImageCreate, *, image_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """``image_id`` is given when the image was uploaded: its S3 keys are named after it."""
    _require_own(session, GalleryAlbum, user_id, body.album_id, "albumId")
    image = GalleryImage(id=image_id or uuid.uuid4(), user_id=user_id, **body.model_dump())
    session.add(image)
    session.flush()
    commit_change(
        session,
        changes,
        namespaces=_image_changed(user_id),
        index_ops=[index_op(IMAGES_INDEX, image.id, image_document(image))],
    )
    return schemas.image_json(image)


def update_image(
    session: Session, changes: Outbox, user_id: str, image_id: uuid.UUID, body: schemas.ImageUpdate
) -> dict[str, Any]:
    image = _image(session, user_id, image_id, for_update=True)
    _require_own(session, GalleryAlbum, user_id, body.album_id, "albumId")
    apply_patch(image, body)
    session.flush()
    commit_change(
        session,
        changes,
        namespaces=_image_changed(user_id),
        index_ops=[index_op(IMAGES_INDEX, image.id, image_document(image))],
    )
    return schemas.image_json(image)


def delete_image(session: Session, changes: Outbox, user_id: str, image_id: uuid.UUID) -> None:
    """Delete the row; its S3 objects (if it was uploaded) are deleted through the outbox."""
    session.delete(_image(session, user_id, image_id, for_update=True))
    commit_change(
        session,
        changes,
        namespaces=_image_changed(user_id),
        index_ops=[delete_op(IMAGES_INDEX, image_id)],
        deleted_objects={"keys": object_keys.gallery_image_keys(user_id, image_id)},
    )


def list_albums(session: Session, user_id: str, *, page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    counts = select(GalleryImage.album_id, func.count().label("n")).group_by(GalleryImage.album_id).subquery()
    query = (
        select(GalleryAlbum, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.album_id == GalleryAlbum.id)
        .where(GalleryAlbum.user_id == user_id)
        .order_by(GalleryAlbum.created_at.desc(), GalleryAlbum.id)
    )
    rows, total = page_with_total(session, query, page=page, limit=limit)
    return [schemas.album_json(album, count) for album, count in rows], total


def get_album(session: Session, user_id: str, album_id: uuid.UUID) -> dict[str, Any]:
    """The album with its images."""
    album = _album(session, user_id, album_id)
    images = session.scalars(
        select(GalleryImage).where(GalleryImage.album_id == album.id).order_by(GalleryImage.created_at)
    ).all()
    return {**schemas.album_json(album, len(images)), "images": [schemas.image_json(i) for i in images]}


def create_album(session: Session, changes: Outbox, user_id: str, body: schemas.AlbumCreate) -> dict[str, Any]:
    _require_own(session, GalleryImage, user_id, body.cover_image_id, "coverImageId")
    album = GalleryAlbum(user_id=user_id, **body.model_dump())
    session.add(album)
    commit_change(session, changes, namespaces=[cache_keys.gallery_ns(user_id)])
    return schemas.album_json(album, 0)


def update_album(
    session: Session, changes: Outbox, user_id: str, album_id: uuid.UUID, body: schemas.AlbumUpdate
) -> dict[str, Any]:
    album = _album(session, user_id, album_id, for_update=True)
    _require_own(session, GalleryImage, user_id, body.cover_image_id, "coverImageId")
    apply_patch(album, body)
    commit_change(session, changes, namespaces=[cache_keys.gallery_ns(user_id)])
    return schemas.album_json(album)


def delete_album(session: Session, changes: Outbox, user_id: str, album_id: uuid.UUID) -> None:
    """Delete the album; its images stay, unassigned (ON DELETE SET NULL)."""
    session.delete(_album(session, user_id, album_id, for_update=True))
    commit_change(session, changes, namespaces=[cache_keys.gallery_ns(user_id)])
