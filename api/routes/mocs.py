"""``/api/mocs`` routes (the ``mocs`` function)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from api import caller, dependencies, schemas
from api.pagination import Limit, Page, SearchTerm, Tag, list_body
from api.services import mocs

router = Router()


@router.get("/api/mocs", tags=["mocs"])
def list_mocs(page: Page = 1, limit: Limit = 20, search: SearchTerm = None, tag: Tag = None) -> dict[str, Any]:
    user = caller.user_id(router)
    with dependencies.get().session() as session:
        items, total = mocs.list_mocs(session, user, page=page, limit=limit, search=search, tag=tag)
    return list_body(items, total, page, limit)


@router.post("/api/mocs", tags=["mocs"])
def create_moc(body: Annotated[schemas.MocCreate, Body()]) -> tuple[dict[str, Any], int]:
    user = caller.user_id(router)
    with dependencies.get().session() as session:
        return {"success": True, "data": mocs.create_moc(session, user, body)}, 201


@router.get("/api/mocs/<id>", tags=["mocs"])
def get_moc(id: uuid.UUID) -> dict[str, Any]:
    user = caller.user_id(router)
    with dependencies.get().session() as session:
        return {"success": True, "data": mocs.get_moc(session, user, id)}


@router.patch("/api/mocs/<id>", tags=["mocs"])
def update_moc(id: uuid.UUID, body: Annotated[schemas.MocUpdate, Body()]) -> dict[str, Any]:
    user = caller.user_id(router)
    with dependencies.get().session() as session:
        return {"success": True, "data": mocs.update_moc(session, user, id, body)}


@router.delete("/api/mocs/<id>", tags=["mocs"])
def delete_moc(id: uuid.UUID) -> dict[str, Any]:
    user = caller.user_id(router)
    with dependencies.get().session() as session:
        mocs.delete_moc(session, user, id)
    return {"success": True, "data": {"id": str(id), "deleted": True}}
