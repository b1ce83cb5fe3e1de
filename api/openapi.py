"""``docs/openapi.yaml`` is generated from the routes: ``python -m api.openapi > docs/openapi.yaml``.

A test regenerates it and compares, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
import sys

import yaml

from api.app import full_resolver

TITLE = "LEGO Projects API"
VERSION = "1.0.0"


def openapi_document() -> dict:
    """The OpenAPI 3 document of every route, with the JWT bearer scheme."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app = full_resolver()
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="MOC instructions, gallery images and albums, wishlists and profiles. "
        "Errors use the envelope {error: {code, message, details?, timestamp, requestId}}.",
        security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
    )
    return json.loads(schema)


def render() -> str:
    return yaml.safe_dump(openapi_document(), sort_keys=True, allow_unicode=True)


if __name__ == "__main__":
    sys.stdout.write(render())
