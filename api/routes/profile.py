"""``/api/users/{id}`` routes (the ``profile`` function): identity in Cognito, stats from PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from api import cache_keys, caller, responses, schemas
from api.caller import CallerId
from api.envelope import answers
from api.reads import read_through
from api.services import image_uploads, presigned_uploads, profile
from api.uploads import multipart_form, upload_openapi, upload_schemas
from api.uploads.upload_responses import UploadOfferResponse
from runtime.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from api.adapters.cache import Cache
    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.storage import Storage
    from api.adapters.user_pool import UserPool

PATH_TEXT = r"^[^\x00-\x1f\x7f]+$"  # what the edge hands on: decoded text without control characters
UserId = Annotated[str, Path(max_length=255, pattern=PATH_TEXT)]


def build_router(database: Database, cache: Cache, outbox: Outbox, storage: Storage, user_pool: UserPool) -> Router:
    """The profile routes, serving from these dependency objects."""
    router = Router()

    def activity(user: str) -> dict[str, int]:
        return read_through(
            cache,
            database,
            cache_keys.profile(user),
            cache_keys.profile_ns(user),
            cache_keys.STATS_TTL_S,
            lambda session: profile.stats(session, user),
        )

    def changed(user: str, changes: dict[str, str | None]) -> dict[str, Any]:
        """Write ``changes`` to the pool; the profile as it now is."""
        attributes = profile.update_attributes(user_pool, user, changes)
        return profile.answer(user, attributes, profile.FROM_POOL, activity(user))

    @router.get("/api/users/<id>", tags=["profile"], **answers(responses.ProfileResponse))
    def get_profile(user: CallerId, id: UserId) -> dict[str, Any]:
        """The caller's profile; while the user pool is unreachable, from the token (``meta.identitySource``)."""
        if id != user:
            raise NotFound("User not found")
        attributes, source = profile.identity(user_pool, user, caller.claims(router))
        return profile.answer(user, attributes, source, activity(user))

    @router.patch("/api/users/<id>", tags=["profile"], **answers(responses.ProfileResponse, also=(403,)))
    def update_profile(
        caller_id: CallerId, id: UserId, body: Annotated[schemas.ProfileUpdate, Body()]
    ) -> dict[str, Any]:
        """Set the name (the pool's ``name`` attribute)."""
        return changed(own_profile(id, caller_id), {"name": body.name})

    def own_profile(id: str, user: str) -> str:
        """The caller's id when ``id`` is the caller's own profile; anyone else's is a 403."""
        if id != user:
            raise Forbidden("You can only change your own profile")
        return user

    @router.post(
        "/api/users/<id>/avatar",
        tags=["profile"],
        **answers(responses.ProfileResponse, also=(403,)),
        openapi_extensions=upload_openapi.AVATAR_REQUEST,
    )
    def upload_avatar(caller_id: CallerId, id: UserId) -> dict[str, Any]:
        """Set or replace the avatar (multipart ``file``): a 256x256 WebP at ``avatars/{userId}/…``, as ``picture``."""
        user = own_profile(id, caller_id)
        data = image_uploads.only_file(multipart_form.parse(router.current_event.raw_event))
        return changed(user, {"picture": image_uploads.store_avatar(database, outbox, storage, user, data)})

    @router.delete("/api/users/<id>/avatar", tags=["profile"], **answers(responses.ProfileResponse, also=(403,)))
    def delete_avatar(caller_id: CallerId, id: UserId) -> dict[str, Any]:
        """Clear ``picture``; the image's object is then deleted from S3 through the outbox."""
        user = own_profile(id, caller_id)
        answer = changed(user, {"picture": None})
        database.write(lambda session: profile.delete_avatar_object(session, outbox, user))
        return answer

    @router.post("/api/users/<id>/avatar/upload-url", tags=["profile"], **answers(UploadOfferResponse, also=(403,)))
    def avatar_upload_url(
        caller_id: CallerId, id: UserId, body: Annotated[upload_schemas.ImageUploadUrlRequest, Body()]
    ) -> dict[str, Any]:
        """A presigned S3 POST for an avatar over the direct-upload ceiling; then ``POST …/avatar/confirm``."""
        user = own_profile(id, caller_id)
        return {"success": True, "data": presigned_uploads.offer(storage, user, body.content_type)}

    @router.post(
        "/api/users/<id>/avatar/confirm", tags=["profile"], **answers(responses.ProfileResponse, also=(403, 413))
    )
    def confirm_avatar(
        caller_id: CallerId, id: UserId, body: Annotated[upload_schemas.UploadConfirm, Body()]
    ) -> dict[str, Any]:
        """Process the file sent to the presigned POST like a direct upload (size and type re-checked here)."""
        user = own_profile(id, caller_id)
        url = presigned_uploads.confirm(
            database,
            storage,
            user,
            body.upload_id,
            lambda file: image_uploads.store_avatar(database, outbox, storage, user, file),
        )
        return changed(user, {"picture": url})

    return router
