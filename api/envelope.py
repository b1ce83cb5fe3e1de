"""What every answer of the API shares: the model base, the success and error envelopes, the route declaration.

Response models are pydantic models with camelCase aliases: services serialize rows through
them (``Moc.of(row)``), routes declare them as return types, which makes Powertools check each
answer against them and ``docs/openapi.yaml`` describe them exactly (``additionalProperties:
false``, required fields), so generated clients and schema-based fuzzers can rely on it. The
models themselves live with the functions that answer them: :mod:`api.responses` (the resources)
and :mod:`api.health_responses` (the health function's, which imports nothing else of them).

One rule for optional fields, the architecture's: **an optional field that has no value is
left out** (``thumbnailUrl`` absent, never ``"thumbnailUrl": null``). The TypeScript interfaces
declare them ``field?: string`` and the OpenAPI block no ``nullable``, so a strict generated
client rejects a null. :data:`Omittable` types such a field: not required, and its schema has no
``null`` (``SkipJsonSchema``); :meth:`Out.of` drops the empty ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema

T = TypeVar("T")
Omittable: TypeAlias = T | SkipJsonSchema[None]
"""An optional field: left out of the answer when empty, so its schema has no ``null``."""


class Out(BaseModel):
    """The base of every response model: camelCase aliases, no field the model does not declare."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True, extra="forbid")

    @classmethod
    def of(cls, row: Any) -> dict[str, Any]:
        """``row`` (an ORM object or a mapping) as the camelCase JSON object of this model, empty fields left out."""
        return cls.model_validate(row).model_dump(mode="json", by_alias=True, exclude_none=True)


# -- the success envelope: {"success": true, "data": …} plus total/page/limit on lists ----------


class Ok(Out):
    success: Literal[True]


# -- the error envelope ------------------------------------------------------------------------


class ErrorBody(Out):
    code: str
    message: str
    details: Any = None
    timestamp: datetime
    request_id: str


class ErrorEnvelope(Out):
    """DESIGN.md's error envelope; ``code`` is stable per status (``NOT_FOUND`` for 404, …)."""

    error: ErrorBody


class GatewayRefusal(Out):
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

    >>> sorted(answers(ErrorEnvelope, also=(409,))["responses"])
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
