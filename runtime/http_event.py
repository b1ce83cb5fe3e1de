"""Is this invocation an API Gateway HTTP API v2.0 event the resolver can serve, and if not, which 4xx?

A Lambda function can be invoked directly with any JSON, so the wrapper never
hands the resolver an event it has not checked: Powertools reads the event
with ``event["requestContext"]["stage"]``, ``.items()`` on the headers,
``base64.b64decode`` on the body, and so on, and any of those raising would be
a 500 (or, outside the wrapper's ``try``, an exception escaping the handler).

:func:`event_problem` checks exactly the fields the resolver and the API read,
with the types API Gateway documents for payload v2.0, and answers:

* ``None`` — serve it;
* :class:`~runtime.errors.ValidationError` (400) — not an HTTP API v2.0 event
  (anything that is neither that nor an exact keep-warm ping: ``None``, a list,
  a string, a warmer payload with a bad ``concurrency`` or extra keys…), or
  one whose fields have the wrong type (headers, query parameters, path
  parameters or cookies that are not strings, a non-string body, invalid
  base64 with ``isBase64Encoded``, an authorizer that is not an object);
* :class:`~runtime.errors.PayloadTooLarge` (413) — a body over the limit;
* :class:`~runtime.errors.Unauthorized` (401) — a JWT ``sub`` that cannot be a
  user id: not a string, empty, longer than :data:`MAX_SUBJECT_LENGTH`, or
  containing a control character (NUL included). It becomes a database value
  and a cache-key part, so it is refused at the edge.

Hand-written rather than a pydantic model of the event: it runs on every
request, and walking a handful of dicts costs ~1 µs where validating the whole
event with Powertools' parser model costs an order of magnitude more.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from collections.abc import Iterable
from typing import Any

from runtime.errors import ApiError, PayloadTooLarge, Unauthorized, ValidationError

MAX_SUBJECT_LENGTH = 255  # Cognito's sub is a 36-character uuid; OIDC allows 255 ASCII characters
MAX_REQUEST_ID_LENGTH = 128
_METHOD = re.compile(r"^[A-Z]{1,16}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NOT_AN_HTTP_EVENT = "Event is not an API Gateway HTTP API v2.0 event or a keep-warm ping"


def _malformed(field: str, expected: str) -> ValidationError:
    return ValidationError(NOT_AN_HTTP_EVENT, details=[{"field": field, "message": f"must be {expected}"}])


def _is_string_map(value: Any) -> bool:
    """None (absent) or an object whose keys and values are all strings."""
    if value is None:
        return True
    if type(value) is not dict:
        return False
    return _all_strings(value) and _all_strings(value.values())  # keys, then values


def _all_strings(items: Iterable[Any]) -> bool:
    """Every item is a string: ``str.join`` type-checks them in C, a fraction of a Python loop's cost."""
    try:
        "".join(items)
    except TypeError:
        return False
    return True


def _body_problem(event: dict[str, Any], max_body_bytes: int) -> ApiError | None:
    body = event.get("body")
    encoded = event.get("isBase64Encoded", False)
    if type(encoded) is not bool:
        return _malformed("isBase64Encoded", "a boolean")
    if body is None:
        return None
    if type(body) is not str:
        return _malformed("body", "a string")
    # base64 inflates by 4/3: compare the decoded size without decoding (before any decoding work)
    size = len(body) * 3 // 4 if encoded else len(body.encode(errors="surrogatepass"))
    if size > max_body_bytes:
        return PayloadTooLarge(f"Request body exceeds {max_body_bytes // (1024 * 1024)} MB")
    if encoded:
        try:
            b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return _malformed("body", "valid base64 when isBase64Encoded is true")
    return None


def _subject_problem(request_context: dict[str, Any]) -> ApiError | None:
    authorizer = request_context.get("authorizer")
    if authorizer is None:
        return None
    if type(authorizer) is not dict:
        return _malformed("requestContext.authorizer", "an object")
    jwt = authorizer.get("jwt")
    if jwt is None:
        return None
    if type(jwt) is not dict:
        return _malformed("requestContext.authorizer.jwt", "an object")
    claims = jwt.get("claims")
    if claims is None:
        return None
    if type(claims) is not dict:
        return _malformed("requestContext.authorizer.jwt.claims", "an object")
    if "sub" not in claims:
        return None  # anonymous: routes that need a user answer 401 themselves
    sub = claims["sub"]
    if type(sub) is not str or not sub or len(sub) > MAX_SUBJECT_LENGTH or _CONTROL.search(sub):
        return Unauthorized("Token subject is not a valid user id")
    return None


def event_problem(event: Any, *, max_body_bytes: int) -> ApiError | None:
    """Why ``event`` cannot be served as an HTTP API v2.0 request, or None when it can.

    A body over ``max_body_bytes`` (decoded) is a 413 ``PAYLOAD_TOO_LARGE``.
    """
    if type(event) is not dict or event.get("version") != "2.0":
        return ValidationError(NOT_AN_HTTP_EVENT)
    request_context = event.get("requestContext")
    if type(request_context) is not dict:
        return _malformed("requestContext", "an object")
    http = request_context.get("http")
    if type(http) is not dict:
        return _malformed("requestContext.http", "an object")
    method = http.get("method")
    if type(method) is not str or not _METHOD.match(method):
        return _malformed("requestContext.http.method", "an HTTP method")
    if type(request_context.get("stage")) is not str:
        return _malformed("requestContext.stage", "a string")
    raw_path = event.get("rawPath")
    if type(raw_path) is not str or not raw_path.startswith("/"):
        return _malformed("rawPath", "a path starting with /")
    if type(event.get("rawQueryString", "")) is not str:
        return _malformed("rawQueryString", "a string")
    for field in ("headers", "queryStringParameters", "pathParameters", "stageVariables"):
        if not _is_string_map(event.get(field)):
            return _malformed(field, "an object of strings")
    cookies = event.get("cookies")
    if cookies is not None and (type(cookies) is not list or not _all_strings(cookies)):
        return _malformed("cookies", "a list of strings")
    return _body_problem(event, max_body_bytes) or _subject_problem(request_context)


def request_id(event: Any) -> str | None:
    """The gateway's request id when the event carries a plausible one (printable, bounded), else None."""
    request_context = event.get("requestContext") if type(event) is dict else None
    found = request_context.get("requestId") if type(request_context) is dict else None
    if type(found) is str and 0 < len(found) <= MAX_REQUEST_ID_LENGTH and found.isprintable():
        return found
    return None
