"""Routes that take either a multipart upload or a JSON body: which one came, and the JSON one validated.

Powertools validates a declared ``Body()`` as JSON before the route runs, so a
route that also accepts ``multipart/form-data`` reads its JSON body here, with
the same strict parser and the same 400 envelope.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from api.uploads import multipart_form
from api.uploads.upload_schemas import validated
from runtime.errors import UnsupportedMediaType, ValidationError
from runtime.json_body import parse_json_body

M = TypeVar("M", bound=BaseModel)


def _media_type(event: Mapping[str, Any]) -> str:
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    return str(headers.get("content-type") or "").split(";", 1)[0].strip().lower()


def is_multipart(event: Mapping[str, Any]) -> bool:
    return _media_type(event) == "multipart/form-data"


def json_model(model: type[M], event: Mapping[str, Any]) -> M:
    """The event's JSON body as ``model``; another content type is a 415, bad JSON or fields a 400."""
    media_type = _media_type(event)
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("Send application/json, or multipart/form-data to upload a file")
    text = multipart_form.request_body(event).decode("utf-8", errors="strict") if event.get("body") else ""
    try:
        values = parse_json_body(text)
    except json.JSONDecodeError:
        raise ValidationError("Request body is not valid JSON") from None
    return validated(model, values)
