"""``/api/wishlist`` routes (the ``wishlist`` function)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api import cache_keys, responses, schemas
from api.caller import CallerId
from api.envelope import answers
from api.reads import owned_by, read_through
from api.services import image_uploads, presigned_uploads, wishlist
from api.uploads import multipart_form, upload_openapi, upload_schemas
from api.uploads.upload_responses import UploadOfferResponse

if TYPE_CHECKING:
    from api.adapters.cache import Cache
    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.storage import Storage

Category = Annotated[
    str | None, Query(max_length=100, pattern=schemas.NO_NUL, description="only items of this category")
]


def build_router(database: Database, cache: Cache, outbox: Outbox, storage: Storage) -> Router:
    """The wishlist routes, serving from these dependency objects."""
    router = Router()

    @router.get("/api/wishlist", tags=["wishlist"], **answers(responses.WishlistList))
    def list_items(user: CallerId, category: Category = None) -> dict[str, Any]:
        items = read_through(
            cache,
            database,
            cache_keys.wishlist_all(user),
            cache_keys.wishlist_ns(user),
            cache_keys.LIST_TTL_S,
            lambda session: wishlist.list_items(session, user, category=None)[0],
        )
        if category:  # the whole (small) list is what is cached; filter it here
            items = [item for item in items if item.get("category") == category]
        return {"success": True, "data": items, "total": len(items)}

    @router.post("/api/wishlist", tags=["wishlist"], **answers(responses.WishlistItemResponse, status=201))
    def create_item(user: CallerId, body: Annotated[schemas.WishlistCreate, Body()]) -> tuple[dict[str, Any], int]:
        data = database.write(lambda session: wishlist.create_item(session, outbox, user, body))
        return {"success": True, "data": data}, 201

    @router.post("/api/wishlist/reorder", tags=["wishlist"], **answers(responses.WishlistList, also=(404,)))
    def reorder(user: CallerId, body: Annotated[schemas.WishlistReorder, Body()]) -> dict[str, Any]:
        items = database.write(lambda session: wishlist.reorder(session, outbox, user, body))
        return {"success": True, "data": items, "total": len(items)}

    @router.get("/api/wishlist/<id>", tags=["wishlist"], **answers(responses.WishlistItemResponse))
    def get_item(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        data = read_through(
            cache,
            database,
            cache_keys.wishlist_item(id),
            cache_keys.wishlist_ns(user),
            cache_keys.DETAIL_TTL_S,
            lambda session: wishlist.get_item(session, user, id),
        )
        return {"success": True, "data": owned_by(data, user, "Wishlist item")}

    @router.patch("/api/wishlist/<id>", tags=["wishlist"], **answers(responses.WishlistItemResponse))
    def update_item(user: CallerId, id: uuid.UUID, body: Annotated[schemas.WishlistUpdate, Body()]) -> dict[str, Any]:
        data = database.write(lambda session: wishlist.update_item(session, outbox, user, id, body))
        return {"success": True, "data": data}

    @router.delete("/api/wishlist/<id>", tags=["wishlist"], **answers(responses.DeletedResponse))
    def delete_item(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        database.write(lambda session: wishlist.delete_item(session, outbox, user, id))
        return {"success": True, "data": {"id": str(id), "deleted": True}}

    @router.post(
        "/api/wishlist/<id>/image",
        tags=["wishlist"],
        **answers(responses.WishlistItemResponse),
        openapi_extensions=upload_openapi.WISHLIST_IMAGE_REQUEST,
    )
    def upload_image(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        """Set or replace the item's image (multipart ``file``): an 800 px WebP at ``wishlist/{userId}/{itemId}…``."""
        data = image_uploads.only_file(multipart_form.parse(router.current_event.raw_event))
        return {"success": True, "data": image_uploads.store_wishlist_image(database, outbox, storage, user, id, data)}

    @router.delete("/api/wishlist/<id>/image", tags=["wishlist"], **answers(responses.WishlistItemResponse))
    def delete_image(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        """Remove the item's image; an uploaded one is deleted from S3 through the outbox."""
        data = database.write(lambda session: wishlist.remove_image(session, outbox, user, id))
        return {"success": True, "data": data}

    @router.post("/api/wishlist/<id>/image/upload-url", tags=["wishlist"], **answers(UploadOfferResponse))
    def image_upload_url(user: CallerId,
        id: uuid.UUID, body: Annotated[upload_schemas.ImageUploadUrlRequest, Body()]
    ) -> dict[str, Any]:
        """A presigned S3 POST for an image over the direct-upload ceiling; then ``POST …/image/confirm``."""
        database.read(lambda session: wishlist.get_item(session, user, id))
        return {"success": True, "data": presigned_uploads.offer(storage, user, body.content_type)}

    @router.post(
        "/api/wishlist/<id>/image/confirm", tags=["wishlist"], **answers(responses.WishlistItemResponse, also=(413,))
    )
    def confirm_image(
        user: CallerId, id: uuid.UUID, body: Annotated[upload_schemas.UploadConfirm, Body()]
    ) -> dict[str, Any]:
        """Process the file sent to the presigned POST like a direct upload (size and type re-checked here)."""
        data = presigned_uploads.confirm(
            database,
            storage,
            user,
            body.upload_id,
            lambda file: image_uploads.store_wishlist_image(database, outbox, storage, user, id, file),
        )
        return {"success": True, "data": data}

    return router
