"""The JSON the API answers, as pydantic models with camelCase aliases.

They are the one description of every response: services serialize rows
through them (``Moc.of(row)``), routes declare them as return types, which
makes Powertools check each answer against them and ``docs/openapi.yaml``
describe them exactly (``additionalProperties: false``, required fields),
so generated clients and schema-based fuzzers can rely on it.

One rule for optional fields, the architecture's: **an optional field that has no value is
left out** (``thumbnailUrl`` absent, never ``"thumbnailUrl": null``). The TypeScript interfaces
declare them ``field?: string`` and the OpenAPI block no ``nullable``, so a strict generated
client rejects a null. :data:`Omittable` types such a field: not required, and its schema has no
``null`` (``SkipJsonSchema``); :meth:`_Out.of` drops the empty ones.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema

from runtime.telemetry import catalogue

T = TypeVar("T")
Omittable: TypeAlias = T | SkipJsonSchema[None]
"""An optional field: left out of the answer when empty, so its schema has no ``null``."""

ComponentStatus = Literal["healthy", "unhealthy", "not_configured"]


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True, extra="forbid")

    @classmethod
    def of(cls, row: Any) -> dict[str, Any]:
        """``row`` (an ORM object or a mapping) as the camelCase JSON object of this model, empty fields left out."""
        return cls.model_validate(row).model_dump(mode="json", by_alias=True, exclude_none=True)


class Moc(_Out):
    id: uuid.UUID
    user_id: str
    type: Literal["moc", "set"]
    title: str
    description: Omittable[str] = None
    author: Omittable[str] = None
    brand: Omittable[str] = None
    theme: Omittable[str] = None
    set_number: Omittable[str] = None
    parts_count: Omittable[int] = Field(None, description="the author's estimate")
    tags: list[str]
    thumbnail_url: Omittable[str] = None
    subtheme: Omittable[str] = None
    release_year: Omittable[int] = None
    retired: Omittable[bool] = None
    uploaded_date: datetime
    total_piece_count: Omittable[int] = Field(None, description="the sum of the imported parts lists")
    created_at: datetime
    updated_at: datetime


class MocFile(_Out):
    id: uuid.UUID
    file_type: str
    file_url: str
    original_filename: Omittable[str] = None
    mime_type: Omittable[str] = None
    created_at: datetime


class PartsList(_Out):
    id: uuid.UUID
    file_id: Omittable[uuid.UUID] = None
    title: str
    total_parts_count: Omittable[int] = None
    built: bool
    purchased: bool
    notes: Omittable[str] = None
    created_at: datetime
    updated_at: datetime


class Image(_Out):
    id: uuid.UUID
    user_id: str
    title: str
    description: Omittable[str] = None
    tags: list[str]
    image_url: str
    thumbnail_url: Omittable[str] = None
    album_id: Omittable[uuid.UUID] = None
    flagged: bool
    created_at: datetime
    last_updated_at: datetime


class MocDetail(Moc):
    files: list[MocFile]
    images: list[Image]
    parts_lists: list[PartsList]


class Album(_Out):
    id: uuid.UUID
    user_id: str
    title: str
    description: Omittable[str] = None
    cover_image_id: Omittable[uuid.UUID] = None
    created_at: datetime
    last_updated_at: datetime
    image_count: Omittable[int] = None  # known on lists, creation and detail; left out after a PATCH


class AlbumDetail(Album):
    images: list[Image]


class WishlistItem(_Out):
    id: uuid.UUID
    user_id: str
    title: str
    description: Omittable[str] = None
    product_link: Omittable[str] = None
    image_url: Omittable[str] = None
    category: Omittable[str] = None
    sort_order: str = Field(description="the user's order: items sort by it byte by byte (fractional-indexing keys)")
    created_at: datetime
    updated_at: datetime


class ProfileStats(_Out):
    total_mocs: int = Field(alias="totalMOCs")  # the legacy API's spelling
    total_images: int
    total_wishlist_items: int


class Profile(_Out):
    """The user pool's standard attributes (``sub``, ``email``, ``name``, ``picture``) and activity stats."""

    id: str = Field(description="the same as sub (the API's user id)")
    sub: str
    email: Omittable[str] = None
    name: Omittable[str] = None
    picture: Omittable[str] = Field(None, description="URL of the uploaded 256x256 WebP avatar")
    stats: ProfileStats


class ProfileMeta(_Out):
    identity_source: Literal["cognito", "token"] = Field(
        description="cognito: the user pool answered; token: it could not be reached (or is not configured), so "
        "the identity is the token's claims and picture is left out"
    )


class Deleted(_Out):
    id: uuid.UUID
    deleted: Literal[True]


class SearchMeta(_Out):
    search_backend: Literal["opensearch", "postgres"]


class Components(_Out):
    database: ComponentStatus
    redis: ComponentStatus
    opensearch: ComponentStatus


class Health(_Out):
    """``GET /health``: 200 when healthy or degraded, 503 when unhealthy (same shape)."""

    status: Literal["healthy", "degraded", "unhealthy"]
    service: str
    components: Components
    timestamp: datetime


# -- the success envelope: {"success": true, "data": …} plus total/page/limit on lists ----------


class _Ok(_Out):
    success: Literal[True]


class _Paged(_Ok):
    total: int
    page: int
    limit: int


class MocResponse(_Ok):
    data: Moc


class MocDetailResponse(_Ok):
    data: MocDetail


class MocPage(_Paged):
    data: list[Moc]
    meta: Omittable[SearchMeta] = None  # with ?search=: which engine answered


class ImageResponse(_Ok):
    data: Image


class ImagePage(_Paged):
    data: list[Image]


class AlbumResponse(_Ok):
    data: Album


class AlbumDetailResponse(_Ok):
    data: AlbumDetail


class AlbumPage(_Paged):
    data: list[Album]


class WishlistItemResponse(_Ok):
    data: WishlistItem


class WishlistList(_Ok):
    data: list[WishlistItem]
    total: int


class ProfileResponse(_Ok):
    data: Profile
    meta: ProfileMeta


class DeletedResponse(_Ok):
    data: Deleted


class DebugConfig(_Out):
    """Which backend answered and how it is configured (dev and staging only)."""

    backend: catalogue.Backend
    service: str
    stage: Literal["dev", "staging"]
    version: str
    function_version: Omittable[str] = None  # Lambda's version ($LATEST, 7, …); left out on express
    migration_mode: bool
    cache_prefix: Literal["", "v2:"]
    breakers: dict[str, Literal["closed", "open", "half-open"]]


class DebugConfigResponse(_Ok):
    data: DebugConfig


# -- the error envelope ------------------------------------------------------------------------


class ErrorBody(_Out):
    code: str
    message: str
    details: Any = None
    timestamp: datetime
    request_id: str


class ErrorEnvelope(_Out):
    """DESIGN.md's error envelope; ``code`` is stable per status (``NOT_FOUND`` for 404, …)."""

    error: ErrorBody


class GatewayRefusal(_Out):
    """API Gateway's own refusal (serverless only), before any function runs: ``{"message": "Unauthorized"}``.

    The HTTP API answers 401 (JWT authorizer), 413 (payload over 10 MB, event over 6 MB) and 503
    (integration timeout) itself; see docs/local-aws.md.
    """

    message: str


GATEWAY_STATUSES = (400, 401, 413, 503)  # 400: a request API Gateway cannot parse (a path that is not text)


# -- what a route declares on its decorator ---------------------------------------------------

ERROR_STATUSES = {
    400: "VALIDATION_ERROR: a malformed request, parameter or body (details name the fields)",
    401: "UNAUTHORIZED: no valid token",
    403: "FORBIDDEN: not yours to change",
    404: "NOT_FOUND: no such resource for this user",
    409: "CONFLICT: the change clashes with existing data",
    413: "PAYLOAD_TOO_LARGE: the body is over 10 MB",
    415: "UNSUPPORTED_MEDIA_TYPE: the body is not application/json",
    503: "SERVICE_UNAVAILABLE: a dependency is down (see Retry-After)",
    504: "GATEWAY_TIMEOUT: the request ran out of time",
}


def answers(model: type[BaseModel], *, status: int = 200, also: tuple[int, ...] = ()) -> dict[str, Any]:
    """Route decorator arguments documenting its success ``model`` and route-specific errors.

    Errors every route of a kind can answer (401 when secured, 404 with a path id, 413/415 with a
    body…) are added by :mod:`api.openapi`; ``also`` names the ones only this route's rules raise.

    >>> sorted(answers(Deleted, also=(409,))["responses"])
    [200, 409]
    """
    documented: dict[int, Any] = {
        status: {"description": model.__doc__ or model.__name__, "content": {"application/json": {"model": model}}}
    }
    for code in also:
        documented[code] = {
            "description": ERROR_STATUSES[code],
            "content": {"application/json": {"model": ErrorEnvelope}},
        }
    return {"responses": documented}
