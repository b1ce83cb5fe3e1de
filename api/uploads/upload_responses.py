"""Response models of the upload routes (camelCase, like ``api.responses``)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from api.responses import MocFile


class UploadOffer(BaseModel):
    """A presigned S3 POST: send ``fields`` and then the file as ``file`` to ``url``, then confirm ``uploadId``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    upload_id: uuid.UUID
    url: str
    fields: dict[str, str] = Field(description="form fields to send before the file, as given")
    max_bytes: int
    expires_in: int = Field(description="seconds the form stays valid")


class MocFilesResponse(BaseModel):
    """The files attached, one ``moc_files`` row each."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    success: Literal[True]
    data: list[MocFile]


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int
    reason: str


class PartsListImport(BaseModel):
    """One parts-list CSV's import: ``queued``, ``imported`` or ``failed``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    file_id: uuid.UUID
    moc_id: uuid.UUID
    status: Literal["queued", "imported", "failed"]
    accepted_rows: int
    rejected_rows: int
    rejections: list[Rejection] = Field(description="the first 100 rejected lines, with their line numbers")
    error: str | None = Field(description="why the whole file was refused")
    parts_list_id: uuid.UUID | None


class PartsListImportResponse(BaseModel):
    """A parts-list import."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    success: Literal[True]
    data: PartsListImport


class UploadOfferResponse(BaseModel):
    """A presigned upload, offered."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    success: Literal[True]
    data: UploadOffer
