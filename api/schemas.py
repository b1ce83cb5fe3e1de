"""Request bodies (pydantic) and the camelCase JSON shapes the API returns.

Bodies forbid unknown fields, bound every string and list, take numbers and
booleans strictly (``"12"`` is not a number, ``false`` is not ``0``) and refuse
text PostgreSQL cannot store (NUL, lone surrogates), so bad input is a 400 with
details instead of a database error. Every rule is in the JSON schema too, so
``docs/openapi.yaml`` tells clients and fuzzers the truth.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from api import models, responses

NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"  # and some visible character


def storable(text: str) -> str:
    """Text PostgreSQL can store: NUL is excluded by the patterns, lone surrogates here."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return text


STORABLE = AfterValidator(storable)
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK), STORABLE]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NOT_BLANK), STORABLE]
LongText = Annotated[str, StringConstraints(max_length=5000, pattern=NO_NUL), STORABLE]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=NOT_BLANK), STORABLE]
SetNumber = Annotated[str, StringConstraints(max_length=50, pattern=NO_NUL), STORABLE]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=NOT_BLANK), STORABLE]
Tags = Annotated[list[Tag], Field(max_length=20)]
def whole_number(value: Any) -> Any:
    """JSON numbers without a fraction (``12``, ``12.0``); never strings or booleans (``"12"``, ``false``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


Count = Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(whole_number)]
ReleaseYear = Annotated[int, Field(ge=1932, le=2100), BeforeValidator(whole_number)]  # LEGO's founding year on
SORT_KEY_PATTERN = r"^[0-9A-Za-z]+$"
SortKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=SORT_KEY_PATTERN),
    Field(description="sorts byte by byte (as JavaScript compares strings); fractional-indexing keys fit"),
]
MocType = Literal["moc", "set"]


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def not_null_if_sent(alias: str | None = None) -> Any:
    """A PATCH field that may be left out but not set to null (its column is NOT NULL).

    Left out it is "unset" (not validated, not applied); sent as null it fails validation like
    any other wrong type.
    """
    return Field(default=None, alias=alias, json_schema_extra=_drop_default)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _type_requirements_schema(schema: dict[str, Any]) -> None:
    """The ``author``-for-``moc`` / ``brand``-for-``set`` rule, in the JSON schema too."""
    schema["allOf"] = [
        {
            "if": {"properties": {"type": {"const": moc_type}}, "required": ["type"]},
            "then": {"required": [field], "properties": {field: {"type": "string"}}},
        }
        for moc_type, field in (("moc", "author"), ("set", "brand"))
    ]


class MocCreate(_Body):
    model_config = ConfigDict(json_schema_extra=_type_requirements_schema)

    type: MocType
    title: Title
    description: LongText | None = None
    author: ShortText | None = None
    brand: ShortText | None = None
    theme: ShortText | None = None
    set_number: SetNumber | None = Field(None, alias="setNumber")
    parts_count: Count | None = Field(None, alias="partsCount")
    tags: Tags = Field(default_factory=list)
    thumbnail_url: Url | None = Field(None, alias="thumbnailUrl")
    subtheme: ShortText | None = None
    release_year: ReleaseYear | None = Field(None, alias="releaseYear")
    retired: StrictBool | None = None

    @model_validator(mode="after")
    def _type_requirements(self) -> MocCreate:
        check_type_requirements(self.type, self.author, self.brand)
        return self


class MocUpdate(_Body):
    type: MocType = not_null_if_sent()
    title: Title = not_null_if_sent()
    description: LongText | None = None
    author: ShortText | None = None
    brand: ShortText | None = None
    theme: ShortText | None = None
    set_number: SetNumber | None = Field(None, alias="setNumber")
    parts_count: Count | None = Field(None, alias="partsCount")
    tags: Tags = not_null_if_sent()
    thumbnail_url: Url | None = Field(None, alias="thumbnailUrl")
    subtheme: ShortText | None = None
    release_year: ReleaseYear | None = Field(None, alias="releaseYear")
    retired: StrictBool | None = None


def check_type_requirements(moc_type: str, author: str | None, brand: str | None) -> None:
    """A MOC needs an author and a set needs a brand (also re-checked after a PATCH)."""
    if moc_type == "moc" and not author:
        raise ValueError("author is required when type is 'moc'")
    if moc_type == "set" and not brand:
        raise ValueError("brand is required when type is 'set'")


class ImageCreate(_Body):
    title: Title
    description: LongText | None = None
    tags: Tags = Field(default_factory=list)
    image_url: Url = Field(alias="imageUrl")
    thumbnail_url: Url | None = Field(None, alias="thumbnailUrl")
    album_id: uuid.UUID | None = Field(None, alias="albumId")


class ImageUpdate(_Body):
    title: Title = not_null_if_sent()
    description: LongText | None = None
    tags: Tags = not_null_if_sent()
    album_id: uuid.UUID | None = Field(None, alias="albumId")
    flagged: StrictBool = not_null_if_sent()


class AlbumCreate(_Body):
    title: Title
    description: LongText | None = None
    cover_image_id: uuid.UUID | None = Field(None, alias="coverImageId")


class AlbumUpdate(_Body):
    title: Title = not_null_if_sent()
    description: LongText | None = None
    cover_image_id: uuid.UUID | None = Field(None, alias="coverImageId")


class WishlistCreate(_Body):
    title: Title
    description: LongText | None = None
    product_link: Url | None = Field(None, alias="productLink")
    image_url: Url | None = Field(None, alias="imageUrl")
    category: ShortText | None = None
    sort_order: SortKey | None = Field(None, alias="sortOrder")


class WishlistUpdate(_Body):
    title: Title = not_null_if_sent()
    description: LongText | None = None
    product_link: Url | None = Field(None, alias="productLink")
    image_url: Url | None = Field(None, alias="imageUrl")
    category: ShortText | None = None
    sort_order: SortKey = not_null_if_sent(alias="sortOrder")


def distinct(values: list[Any]) -> list[Any]:
    """The list, when no value repeats (the schema says ``uniqueItems``)."""
    if len(set(values)) != len(values):
        raise ValueError("values must be distinct")
    return values


class WishlistReorder(_Body):
    item_ids: Annotated[
        list[uuid.UUID],
        Field(min_length=1, max_length=1000, json_schema_extra={"uniqueItems": True}),
        AfterValidator(distinct),
    ] = Field(alias="itemIds")


class ProfileUpdate(_Body):
    name: ShortText


# -- rows as the camelCase JSON of api.responses (what services return and the cache stores) ---


def moc_json(moc: models.MocInstruction) -> dict[str, Any]:
    return responses.Moc.of(moc)


def moc_detail_json(moc: models.MocInstruction) -> dict[str, Any]:
    return responses.MocDetail.of(moc)


def image_json(image: models.GalleryImage) -> dict[str, Any]:
    return responses.Image.of(image)


def album_json(album: models.GalleryAlbum, image_count: int | None = None) -> dict[str, Any]:
    shown = responses.Album.of(album)
    if image_count is not None:
        shown["imageCount"] = image_count
    return shown


def wishlist_json(item: models.WishlistItem) -> dict[str, Any]:
    return responses.WishlistItem.of(item)
