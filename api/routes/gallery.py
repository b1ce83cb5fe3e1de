"""``/api/images`` and ``/api/albums`` routes (the ``gallery`` function)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from sqlalchemy.orm import Session

from api import cache_keys, responses, schemas
from api.caller import CallerId
from api.envelope import answers
from api.pagination import Limit, Page, list_body
from api.reads import owned_by, read_through
from api.services import gallery, image_uploads, presigned_uploads
from api.uploads import multipart_form, upload_openapi, upload_requests, upload_schemas
from api.uploads.upload_responses import UploadOfferResponse

if TYPE_CHECKING:
    from api.adapters.cache import Cache
    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.storage import Storage

AlbumFilter = Annotated[uuid.UUID | None, Query(alias="albumId", description="only images of this album")]


def build_router(database: Database, cache: Cache, outbox: Outbox, storage: Storage) -> Router:
    """The gallery routes, serving from these dependency objects."""
    router = Router()

    @router.get("/api/images", tags=["gallery"], **answers(responses.ImagePage))
    def list_images(user: CallerId, page: Page = 1, limit: Limit = 20, album_id: AlbumFilter = None) -> dict[str, Any]:
        if album_id is not None:  # filtered pages are not part of the architecture's cache keys
            items, total = database.read(
                lambda session: gallery.list_images(session, user, page=page, limit=limit, album_id=album_id)
            )
            return list_body(items, total, page, limit)

        def load(session: Session) -> dict[str, Any]:
            items, total = gallery.list_images(session, user, page=page, limit=limit, album_id=None)
            return list_body(items, total, page, limit)

        key = cache_keys.image_list(user, page, limit)
        return read_through(cache, database, key, cache_keys.gallery_ns(user), cache_keys.LIST_TTL_S, load)

    @router.post(
        "/api/images",
        tags=["gallery"],
        **answers(responses.ImageResponse, status=201, also=(404,)),
        openapi_extensions=upload_openapi.IMAGE_CREATE_REQUEST,
    )
    def create_image(user: CallerId) -> tuple[dict[str, Any], int]:
        """A multipart upload (``file`` + fields) is resized and stored; JSON records an image hosted elsewhere."""
        event = router.current_event.raw_event
        if upload_requests.is_multipart(event):
            form = multipart_form.parse(event)
            data = image_uploads.upload_gallery_image(database, outbox, storage, user, form)
        else:
            body = upload_requests.json_model(schemas.ImageCreate, event)
            data = database.write(lambda session: gallery.create_image(session, outbox, user, body))
        return {"success": True, "data": data}, 201

    @router.post("/api/images/upload-url", tags=["gallery"], **answers(UploadOfferResponse))
    def image_upload_url(
        user: CallerId, body: Annotated[upload_schemas.ImageUploadUrlRequest, Body()]
    ) -> dict[str, Any]:
        """A presigned S3 POST for an image larger than the direct-upload ceiling; then ``POST /api/images/confirm``."""
        return {"success": True, "data": presigned_uploads.offer(storage, user, body.content_type)}

    @router.post(
        "/api/images/confirm", tags=["gallery"], **answers(responses.ImageResponse, status=201, also=(404, 413))
    )
    def confirm_image(
        user: CallerId, body: Annotated[upload_schemas.ImageConfirm, Body()]
    ) -> tuple[dict[str, Any], int]:
        """Process the file sent to the presigned POST like a direct upload (size and type re-checked here)."""
        data = presigned_uploads.confirm(
            database,
            storage,
            user,
            body.upload_id,
            lambda file: image_uploads.store_gallery_image(database, outbox, storage, user, body, file),
        )
        return {"success": True, "data": data}, 201

    @router.get("/api/images/<id>", tags=["gallery"], **answers(responses.ImageResponse))
    def get_image(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        data = read_through(
            cache,
            database,
            cache_keys.image_detail(id),
            cache_keys.gallery_ns(user),
            cache_keys.DETAIL_TTL_S,
            lambda session: gallery.get_image(session, user, id),
        )
        return {"success": True, "data": owned_by(data, user, "Image")}

    @router.patch("/api/images/<id>", tags=["gallery"], **answers(responses.ImageResponse))
    def update_image(user: CallerId, id: uuid.UUID, body: Annotated[schemas.ImageUpdate, Body()]) -> dict[str, Any]:
        data = database.write(lambda session: gallery.update_image(session, outbox, user, id, body))
        return {"success": True, "data": data}

    @router.delete("/api/images/<id>", tags=["gallery"], **answers(responses.DeletedResponse))
    def delete_image(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        database.write(lambda session: gallery.delete_image(session, outbox, user, id))
        return {"success": True, "data": {"id": str(id), "deleted": True}}

    @router.get("/api/albums", tags=["gallery"], **answers(responses.AlbumPage))
    def list_albums(user: CallerId, page: Page = 1, limit: Limit = 20) -> dict[str, Any]:

        def load(session: Session) -> dict[str, Any]:
            items, total = gallery.list_albums(session, user, page=page, limit=limit)
            return list_body(items, total, page, limit)

        key = cache_keys.album_list(user, page, limit)
        return read_through(cache, database, key, cache_keys.gallery_ns(user), cache_keys.LIST_TTL_S, load)

    @router.post("/api/albums", tags=["gallery"], **answers(responses.AlbumResponse, status=201, also=(404,)))
    def create_album(user: CallerId, body: Annotated[schemas.AlbumCreate, Body()]) -> tuple[dict[str, Any], int]:
        data = database.write(lambda session: gallery.create_album(session, outbox, user, body))
        return {"success": True, "data": data}, 201

    @router.get("/api/albums/<id>", tags=["gallery"], **answers(responses.AlbumDetailResponse))
    def get_album(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        data = read_through(
            cache,
            database,
            cache_keys.album_detail(id),
            cache_keys.gallery_ns(user),
            cache_keys.DETAIL_TTL_S,
            lambda session: gallery.get_album(session, user, id),
        )
        return {"success": True, "data": owned_by(data, user, "Album")}

    @router.patch("/api/albums/<id>", tags=["gallery"], **answers(responses.AlbumResponse))
    def update_album(user: CallerId, id: uuid.UUID, body: Annotated[schemas.AlbumUpdate, Body()]) -> dict[str, Any]:
        data = database.write(lambda session: gallery.update_album(session, outbox, user, id, body))
        return {"success": True, "data": data}

    @router.delete("/api/albums/<id>", tags=["gallery"], **answers(responses.DeletedResponse))
    def delete_album(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        database.write(lambda session: gallery.delete_album(session, outbox, user, id))
        return {"success": True, "data": {"id": str(id), "deleted": True}}

    return router
