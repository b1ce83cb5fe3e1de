"""A ``multipart/form-data`` request body, parsed within the upload limits (``multipart`` library).

The body comes from the HTTP API event: base64 when API Gateway (or the serverful
backend) saw binary, text otherwise. Everything is held in memory — the body is at
most :data:`~api.uploads.upload_limits.DIRECT_UPLOAD_MAX_BYTES` — and every malformed or
oversized body is a 400/413/415 in the error envelope, never a parser traceback.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import multipart

from api.uploads.upload_limits import DIRECT_UPLOAD_MAX_BYTES, MIB
from runtime.errors import PayloadTooLarge, UnsupportedMediaType, ValidationError

MAX_PARTS = 32
"""Ten files plus a handful of fields; a body of thousands of empty parts is refused early."""
MAX_FIELD_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file part: the form field it came in, the client's name for it, and its bytes."""

    field: str
    filename: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        """The single value of text field ``name``; sent twice is a 400."""
        values = self.fields.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError(f"Form field {name!r} was sent {len(values)} times")
        return values[0]

    def values(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))

    def files_in(self, field: str, *aliases: str) -> list[UploadedFile]:
        """The files sent in ``field`` (or an alias); a file in another field is a 400 (a typo must not be ignored)."""
        strays = sorted({upload.field for upload in self.files if upload.field not in (field, *aliases)})
        if strays:
            raise ValidationError(f"Unexpected file field(s): {', '.join(strays)}; send files as {field!r}")
        return list(self.files)


def too_large_message(size: int) -> str:
    return (
        f"Upload body is {size} bytes; direct uploads are limited to {DIRECT_UPLOAD_MAX_BYTES // MIB} MiB "
        "(Lambda's 6 MB invocation limit, base64-encoded): request a presigned upload with POST .../upload-url"
    )


def request_body(event: Mapping[str, Any]) -> bytes:
    """The raw request body of an HTTP API event, at most the direct-upload ceiling."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        size = len(body) // 4 * 3  # before decoding: never decode more than the ceiling
        if size > DIRECT_UPLOAD_MAX_BYTES + 2:
            raise PayloadTooLarge(too_large_message(size))
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("Request body is not valid base64") from None
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > DIRECT_UPLOAD_MAX_BYTES:
        raise PayloadTooLarge(too_large_message(len(raw)))
    return raw


def parse(event: Mapping[str, Any]) -> Form:
    """The form in ``event``'s body; a body that is not ``multipart/form-data`` is a 415."""
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type") or ""
    media_type, options = multipart.parse_options_header(content_type)
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType("Uploads must be sent as multipart/form-data")
    boundary = options.get("boundary")
    if not boundary or len(boundary) > 70:  # RFC 2046: 1 to 70 characters
        raise ValidationError("multipart/form-data needs a boundary of 1 to 70 characters")
    raw = request_body(event)
    form = Form()
    try:
        parser = multipart.MultipartParser(
            io.BytesIO(raw),
            boundary,
            content_length=len(raw),
            part_limit=MAX_PARTS,
            spool_limit=DIRECT_UPLOAD_MAX_BYTES,
            memory_limit=DIRECT_UPLOAD_MAX_BYTES,
            disk_limit=0,
            strict=True,
        )
        for part in parser:
            if part.filename is not None:
                form.files.append(UploadedFile(part.name, part.filename, part.raw))
            elif part.size > MAX_FIELD_BYTES:
                raise ValidationError(f"Form field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")
            else:
                form.fields.setdefault(part.name, []).append(_text(part))
    except multipart.MultipartError as exc:
        raise ValidationError(f"Malformed multipart/form-data body: {exc}") from None
    return form


def _text(part: Any) -> str:
    try:
        text: str = part.raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"Form field {part.name!r} is not valid UTF-8") from None
    return text
