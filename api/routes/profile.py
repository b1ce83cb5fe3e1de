"""``/api/users/{id}`` routes (the ``profile`` function)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from api import cache_keys, caller, responses, schemas
from api.reads import read_through
from api.responses import answers
from api.services import profile
from runtime.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from api.cache import Cache
    from api.database import Database
    from api.outbox import Outbox

UserId = Annotated[str, Path(max_length=255)]


def build_router(database: Database, cache: Cache, outbox: Outbox) -> Router:
    """The profile routes, serving from these dependency objects."""
    router = Router()

    @router.get("/api/users/<id>", tags=["profile"], **answers(responses.ProfileResponse))
    def get_profile(id: UserId) -> dict[str, Any]:
        user = caller.user_id(router)
        if id != user:
            raise NotFound("User not found")
        stored = read_through(
            cache,
            database,
            cache_keys.profile(user),
            cache_keys.profile_ns(user),
            cache_keys.STATS_TTL_S,
            lambda session: profile.stored_profile(session, user),
        )
        return {"success": True, "data": profile.compose(user, stored, caller.claims(router))}

    @router.patch("/api/users/<id>", tags=["profile"], **answers(responses.ProfileResponse, also=(403,)))
    def update_profile(id: UserId, body: Annotated[schemas.ProfileUpdate, Body()]) -> dict[str, Any]:
        user = caller.user_id(router)
        if id != user:
            raise Forbidden("You can only change your own profile")
        data = database.write(
            lambda session: profile.update_name(session, outbox, user, body.name, caller.claims(router))
        )
        return {"success": True, "data": data}

    return router
