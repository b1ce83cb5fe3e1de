"""``/api/mocs`` routes (the ``mocs`` function)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, cast

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from api import cache_keys, caller, responses, schemas
from api.adapters.search_index import MOCS_INDEX, search_ids
from api.pagination import Limit, Page, SearchTerm, Tag, list_body, offset
from api.reads import owned_by, read_through
from api.responses import answers
from api.services import mocs
from guards.search import SEARCH_BACKEND_HEADER
from runtime.telemetry import context

if TYPE_CHECKING:
    from api.adapters.cache import Cache
    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.search import Search


def build_router(database: Database, cache: Cache, search_backend: Search, outbox: Outbox) -> Router:
    """The MOC routes, serving from these dependency objects."""
    router = Router()

    @router.get("/api/mocs", tags=["mocs"], **answers(responses.MocPage))
    def list_mocs(page: Page = 1, limit: Limit = 20, search: SearchTerm = None, tag: Tag = None) -> dict[str, Any]:
        user = caller.user_id(router)
        key = cache_keys.moc_list(user, page, limit, search, tag)
        body = cache.read(
            key, cache_keys.mocs_ns(user), cache_keys.LIST_TTL_S, lambda: list_or_search(user, page, limit, search, tag)
        )
        if search:  # also when the page came from the cache: say which engine produced it
            context.set_response_header(SEARCH_BACKEND_HEADER, body["meta"]["searchBackend"])
        return body

    def list_or_search(user: str, page: int, limit: int, term: str | None, tag: str | None) -> dict[str, Any]:
        if not term or tag:
            items, total = database.read(
                lambda session: mocs.list_mocs(session, user, page=page, limit=limit, search=term, tag=tag)
            )
            body = list_body(items, total, page, limit)
            if term:
                body["meta"] = {"searchBackend": "postgres"}
            return body

        def with_opensearch(client: Any, timeout: float) -> tuple[list[str], int]:
            return search_ids(client, MOCS_INDEX, user, term, offset=offset(page, limit), size=limit, timeout=timeout)

        def with_postgres() -> tuple[list[dict[str, Any]], int]:
            return database.read(
                lambda session: mocs.list_mocs(session, user, page=page, limit=limit, search=term, tag=None)
            )

        result, engine = search_backend.run(with_opensearch, with_postgres)
        if engine == "opensearch":
            ids, total = cast(tuple[list[str], int], result)
            items = database.read(lambda session: mocs.ranked_mocs(session, user, ids))
        else:
            items, total = cast(tuple[list[dict[str, Any]], int], result)
        return {**list_body(items, total, page, limit), "meta": {"searchBackend": engine}}

    @router.post("/api/mocs", tags=["mocs"], **answers(responses.MocResponse, status=201, also=(409,)))
    def create_moc(body: Annotated[schemas.MocCreate, Body()]) -> tuple[dict[str, Any], int]:
        user = caller.user_id(router)
        data = database.write(lambda session: mocs.create_moc(session, outbox, user, body))
        return {"success": True, "data": data}, 201

    @router.get("/api/mocs/<id>", tags=["mocs"], **answers(responses.MocDetailResponse))
    def get_moc(id: uuid.UUID) -> dict[str, Any]:
        user = caller.user_id(router)
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
    def update_moc(id: uuid.UUID, body: Annotated[schemas.MocUpdate, Body()]) -> dict[str, Any]:
        user = caller.user_id(router)
        data = database.write(lambda session: mocs.update_moc(session, outbox, user, id, body))
        return {"success": True, "data": data}

    @router.delete("/api/mocs/<id>", tags=["mocs"], **answers(responses.DeletedResponse))
    def delete_moc(id: uuid.UUID) -> dict[str, Any]:
        user = caller.user_id(router)
        database.write(lambda session: mocs.delete_moc(session, outbox, user, id))
        return {"success": True, "data": {"id": str(id), "deleted": True}}

    return router
