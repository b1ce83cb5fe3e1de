"""The resources' answers (MOCs, images, albums, wishlist, profiles), on :mod:`api.envelope`'s base and envelopes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from api.envelope import Ok, Omittable, Out


class Moc(Out):
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


class MocFile(Out):
    id: uuid.UUID
    file_type: str
    file_url: str
    original_filename: Omittable[str] = None
    mime_type: Omittable[str] = None
    created_at: datetime


class PartsList(Out):
    id: uuid.UUID
    file_id: Omittable[uuid.UUID] = None
    title: str
    total_parts_count: Omittable[int] = None
    built: bool
    purchased: bool
    notes: Omittable[str] = None
    created_at: datetime
    updated_at: datetime


class Image(Out):
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


class Album(Out):
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


class WishlistItem(Out):
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


class ProfileStats(Out):
    total_mocs: int = Field(alias="totalMOCs")  # the legacy API's spelling
    total_images: int
    total_wishlist_items: int


class Profile(Out):
    """The user pool's standard attributes (``sub``, ``email``, ``name``, ``picture``) and activity stats."""

    id: str = Field(description="the same as sub (the API's user id)")
    sub: str
    email: Omittable[str] = None
    name: Omittable[str] = None
    picture: Omittable[str] = Field(None, description="URL of the uploaded 256x256 WebP avatar")
    stats: ProfileStats


class ProfileMeta(Out):
    identity_source: Literal["cognito", "token"] = Field(
        description="cognito: the user pool answered; token: it could not be reached (or is not configured), so "
        "the identity is the token's claims and picture is left out"
    )


class Deleted(Out):
    id: uuid.UUID
    deleted: Literal[True]


class SearchMeta(Out):
    search_backend: Literal["opensearch", "postgres"]


# -- the success envelope: {"success": true, "data": …} plus total/page/limit on lists ----------


class _Paged(Ok):
    total: int
    page: int
    limit: int


class MocResponse(Ok):
    data: Moc


class MocDetailResponse(Ok):
    data: MocDetail


class MocPage(_Paged):
    data: list[Moc]
    meta: Omittable[SearchMeta] = None  # with ?search=: which engine answered


class ImageResponse(Ok):
    data: Image


class ImagePage(_Paged):
    data: list[Image]


class AlbumResponse(Ok):
    data: Album


class AlbumDetailResponse(Ok):
    data: AlbumDetail


class AlbumPage(_Paged):
    data: list[Album]


class WishlistItemResponse(Ok):
    data: WishlistItem


class WishlistList(Ok):
    data: list[WishlistItem]
    total: int


class ProfileResponse(Ok):
    data: Profile
    meta: ProfileMeta


class DeletedResponse(Ok):
    data: Deleted


