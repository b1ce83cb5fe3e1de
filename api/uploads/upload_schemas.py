"""Form fields of the upload requests (multipart) and the bodies of the presigned-upload calls.

Separate from ``api.schemas`` (the JSON API's bodies and shapes): the same field
rules (``Title``, ``Tags``, ...) applied to what arrives as ``multipart/form-data``.
A field error is raised as Powertools' ``RequestValidationError``, so it becomes the
same 400 envelope with ``details`` as a JSON body's.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, TypeVar

import pydantic
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from api.schemas import LongText, Tags, Title
from api.uploads.multipart_form import Form

M = TypeVar("M", bound=BaseModel)


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ImageUploadFields(_Fields):
    """``POST /api/images`` (multipart): the image's metadata next to its ``image`` part (alias ``file``)."""

    title: Title
    description: LongText | None = None
    tags: Tags = Field(default_factory=list)
    album_id: uuid.UUID | None = Field(None, alias="albumId")


ImageType = Literal["image/jpeg", "image/png", "image/webp"]


class ImageUploadUrlRequest(_Fields):
    """``POST /api/images/upload-url``: the type the file will be sent with (a policy condition)."""

    content_type: ImageType = Field(alias="contentType")


class UploadConfirm(_Fields):
    """``POST …/confirm``: the ``uploadId`` the file was sent to S3 under."""

    upload_id: uuid.UUID = Field(alias="uploadId")


class ImageConfirm(ImageUploadFields, UploadConfirm):
    """``POST /api/images/confirm``: the image's metadata and the ``uploadId`` its file was sent under."""


MocFileType = Literal["application/pdf", "application/xml", "text/xml", "text/csv"]


class MocFileUploadUrlRequest(_Fields):
    """``POST /api/mocs/{id}/files/upload-url``: the type the file will be sent with (a policy condition)."""

    content_type: MocFileType = Field(alias="contentType")


class MocFileConfirm(UploadConfirm):
    """``POST /api/mocs/{id}/files/confirm``: the ``uploadId`` and the file's name to show (optional)."""

    filename: str | None = Field(None, max_length=1000, description="the client's name for the file")


class PartsListFields(_Fields):
    """``POST /api/mocs/{id}/upload-parts-list`` (multipart): the list's title next to its ``file`` part."""

    title: Title | None = None


def form_model(model: type[M], form: Form, *, lists: tuple[str, ...] = ()) -> M:
    """``model`` from the text fields of ``form``; ``lists`` name fields that may repeat."""
    values: dict[str, Any] = {name: form.values(name) if name in lists else form.value(name) for name in form.fields}
    return validated(model, values)


def validated(model: type[M], values: Any) -> M:
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None
