"""``docs/openapi.yaml`` is generated from the routes: ``python -m api.openapi > docs/openapi.yaml``.

A test regenerates it and compares, so the document cannot drift from the code;
schemathesis runs it against both backends, so it cannot lie about them either.

Powertools documents each route's success (the ``answers(...)`` of its
decorator) and a 422 that this API never answers (validation errors are 400s in
the envelope). This module removes the 422 and adds the errors every route of a
kind answers, in the envelope: 400 for any request (a malformed event, header
or parameter), 401 when secured, 404 with a path id, 413 and 415 with a body,
503 and 504 when it reaches PostgreSQL. For 401, 413 and 503 API Gateway's own
``{"message": …}`` refusal is documented beside the envelope. ``/health`` is public and answers its own
document with 503 when PostgreSQL is down.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

from api.app import full_resolver
from api.dependencies import Dependencies
from api.envelope import ERROR_STATUSES, GATEWAY_STATUSES, GatewayRefusal
from api.functions import PUBLIC_ROUTES
from runtime import config

PUBLIC_PATHS = frozenset(route.split(" ", 1)[1] for route in PUBLIC_ROUTES)
TITLE = "LEGO Projects API"
VERSION = "1.0.0"
UNANSWERED = ("422",)  # Powertools' validation status: this API answers 400 instead
POWERTOOLS_ONLY_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
GATEWAY_REF = {"$ref": "#/components/schemas/GatewayRefusal"}


def _error(status: int) -> dict[str, Any]:
    """The envelope; for the statuses API Gateway also answers itself, its ``{message}`` too."""
    schema = {"anyOf": [ERROR_REF, GATEWAY_REF]} if status in GATEWAY_STATUSES else ERROR_REF
    return {"description": ERROR_STATUSES[status], "content": {"application/json": {"schema": schema}}}


def _statuses_of_kind(path: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses every operation shaped like ``operation`` can answer."""
    if path in PUBLIC_PATHS:
        return [400]
    statuses = [400, 401, 503, 504]
    if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [413, 415]
    return statuses


def _document_errors(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        for operation in operations.values():
            answered = operation["responses"]
            for unanswered in UNANSWERED:
                answered.pop(unanswered, None)
            for status in _statuses_of_kind(path, operation):
                answered.setdefault(str(status), _error(status))
            if path in PUBLIC_PATHS:
                operation["security"] = []
                success = answered["200"]
                answered["503"] = {**success, "description": "unhealthy: PostgreSQL is down (see Retry-After)"}
    schemas = document["components"]["schemas"]
    for name in POWERTOOLS_ONLY_SCHEMAS:
        schemas.pop(name, None)
    schemas["GatewayRefusal"] = GatewayRefusal.model_json_schema(by_alias=True)


def openapi_document() -> dict:
    """The OpenAPI 3.1 document of every route, with the JWT bearer scheme."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app = full_resolver(Dependencies(config.load({})))  # the routes are declared, never called: nothing configured
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="MOC instructions, gallery images and albums, wishlists and profiles. "
        "Errors use the envelope {error: {code, message, details?, timestamp, requestId}}.",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
    )
    document: dict = json.loads(schema)
    _document_errors(document)
    return document


def render() -> str:
    return yaml.safe_dump(openapi_document(), sort_keys=True, allow_unicode=True)


if __name__ == "__main__":
    sys.stdout.write(render())
