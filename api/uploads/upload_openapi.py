"""OpenAPI request bodies of the upload routes, which Powertools cannot derive (they read their own bodies)."""

from __future__ import annotations

from typing import Any

from api import schemas
from api.uploads.upload_limits import DIRECT_UPLOAD_MAX_BYTES, MAX_MOC_FILES_PER_REQUEST
from api.uploads.upload_schemas import ImageUploadFields


def _multipart(fields: type[Any] | None, files: dict[str, str]) -> dict[str, Any]:
    """A multipart/form-data schema: ``fields``' properties (if any) plus binary ``files`` (name -> description)."""
    schema = fields.model_json_schema(by_alias=True) if fields else {}
    properties = dict(schema.get("properties", {}))
    for name, description in files.items():
        properties[name] = {"type": "string", "format": "binary", "description": description}
    return {
        "schema": {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
            "required": [*schema.get("required", []), *files],
            "description": f"At most {DIRECT_UPLOAD_MAX_BYTES} bytes in all; larger files: POST .../upload-url",
        }
    }


MOC_FILES_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "minItems": 1,
                            "maxItems": MAX_MOC_FILES_PER_REQUEST,
                            "description": "PDF, XML or CSV, judged by content; repeat the field for each file",
                        }
                    },
                    "required": ["files"],
                    "additionalProperties": False,
                    "description": f"At most {DIRECT_UPLOAD_MAX_BYTES} bytes in all",
                }
            }
        },
    }
}

PARTS_LIST_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary",
                                 "description": "UTF-8 CSV with Part ID, Part Name, Quantity, Color columns"},
                        "title": {"type": "string", "maxLength": 200},
                    },
                    "required": ["file"],
                    "additionalProperties": False,
                }
            }
        },
    }
}

IMAGE_CREATE_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": _multipart(
                ImageUploadFields,
                {"image": "JPEG, PNG or WebP; stored as a 2048 px WebP and a 400 px thumbnail "
                 "(`file` is accepted as an alias)"},
            ),
            "application/json": {"schema": schemas.ImageCreate.model_json_schema(by_alias=True)},
        },
    }
}


def _image_only(description: str) -> dict[str, Any]:
    content = {"multipart/form-data": _multipart(None, {"file": description})}
    return {"requestBody": {"required": True, "content": content}}


WISHLIST_IMAGE_REQUEST = _image_only("JPEG, PNG or WebP; stored as a WebP at most 800 px wide")
AVATAR_REQUEST = _image_only("JPEG, PNG or WebP; stored as a 256x256 WebP, centre-cropped")
