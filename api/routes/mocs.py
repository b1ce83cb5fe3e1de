"""``/api/mocs`` routes (the ``mocs`` function)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from api import cache_keys, responses, schemas
from api.caller import CallerId
from api.envelope import answers
from api.pagination import Limit, Page, SearchTerm, Tag
from api.reads import owned_by, read_through
from api.services import moc_search, mocs

if TYPE_CHECKING:
    from api.adapters.cache import Cache
    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.search import Search


def build_router(database: Database, cache: Cache, search_backend: Search, outbox: Outbox) -> Router:
    """The MOC routes, serving from these dependency objects."""
    router = Router()

    @router.get("/api/mocs", tags=["mocs"], **answers(responses.MocPage))
    def list_mocs(
        user: CallerId, page: Page = 1, limit: Limit = 20, search: SearchTerm = None, tag: Tag = None
    ) -> dict[str, Any]:
        key = cache_keys.moc_list(user, page, limit, search, tag)
        body = cache.read(
            key, cache_keys.mocs_ns(user), cache_keys.LIST_TTL_S,
            lambda: moc_search.list_or_search(database, search_backend, user, page, limit, search, tag),
        )
        return moc_search.announce_engine(body) if search else body

    @router.post("/api/mocs", tags=["mocs"], **answers(responses.MocResponse, status=201, also=(409,)))
    def create_moc(user: CallerId, body: Annotated[schemas.MocCreate, Body()]) -> tuple[dict[str, Any], int]:
        data = database.write(lambda session: mocs.create_moc(session, outbox, user, body))
        return {"success": True, "data": data}, 201

    @router.get("/api/mocs/<id>", tags=["mocs"], **answers(responses.MocDetailResponse))
    def get_moc(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        data = read_through(
            cache,
            database,
            cache_keys.moc_detail(id),
            cache_keys.mocs_ns(user),
            cache_keys.DETAIL_TTL_S,
            lambda session: mocs.get_moc(session, user, id),
        )
        return {"success": True, "data": owned_by(data, user, "MOC")}

    @router.patch("/api/mocs/<id>", tags=["mocs"], **answers(responses.MocResponse, also=(409,)))
    def update_moc(user: CallerId, id: uuid.UUID, body: Annotated[schemas.MocUpdate, Body()]) -> dict[str, Any]:
        data = database.write(lambda session: mocs.update_moc(session, outbox, user, id, body))
        return {"success": True, "data": data}

    @router.delete("/api/mocs/<id>", tags=["mocs"], **answers(responses.DeletedResponse))
    def delete_moc(user: CallerId, id: uuid.UUID) -> dict[str, Any]:
        database.write(lambda session: mocs.delete_moc(session, outbox, user, id))
        return {"success": True, "data": {"id": str(id), "deleted": True}}

    return router
