"""gzip for large responses, done by the handler so both backends answer the same bytes.

API Gateway HTTP APIs do not compress responses (REST APIs have ``minimumCompressionSize``; HTTP
APIs have no such setting, and a CloudFront distribution in front is the other way). So the
function compresses: a text response of at least :data:`MIN_BYTES` to a client whose
``Accept-Encoding`` takes gzip is returned gzip-compressed, base64-encoded with
``isBase64Encoded: true`` and ``Content-Encoding: gzip``, which API Gateway decodes and sends as
bytes (``Vary: Accept-Encoding`` for caches). Express runs the same handler and sends the same
bytes. Lambda's 6 MB response limit applies to the base64 text, so compressing never makes an
answer fail that would have fitted.

Example::

    >>> event = {"headers": {"accept-encoding": "gzip, br"}}
    >>> answer = gzip_response(event, {"statusCode": 200, "headers": {"Content-Type": "application/json"},
    ...                                "body": "[" + "1," * 2000 + "1]"})
    >>> answer["isBase64Encoded"], answer["headers"]["Content-Encoding"]
    (True, 'gzip')
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Mapping
from typing import Any

MIN_BYTES = 1024
"""Smaller answers fit in a packet or two: compressing them costs CPU and saves nothing worth it."""
LEVEL = 5
"""zlib's speed/ratio middle: JSON shrinks ~5-10x at a fraction of level 9's time."""
COMPRESSIBLE_TYPES = ("application/json", "text/", "application/xml", "image/svg+xml")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """``gzip`` (or ``*``) listed without ``q=0``.

    >>> accepts_gzip("gzip;q=0, br"), accepts_gzip("br, *"), accepts_gzip("GZIP")
    (False, True, True)
    """
    for item in (accept_encoding or "").split(","):
        coding, _, parameters = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        quality = parameters.strip().lower().removeprefix("q=")
        try:
            return not parameters or float(quality) > 0
        except ValueError:
            return False
    return False


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    return next((str(value) for key, value in headers.items() if key.lower() == name), None)


def gzip_response(event: Mapping[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """``response`` gzip-compressed when the client takes gzip and it is large text; else unchanged."""
    headers = response.setdefault("headers", {})
    body = response.get("body")
    request_headers = event.get("headers") if isinstance(event.get("headers"), Mapping) else {}
    if not isinstance(body, str) or response.get("isBase64Encoded") or _header(headers, "content-encoding"):
        return response
    content_type = (_header(headers, "content-type") or "").lower()
    if not content_type.startswith(COMPRESSIBLE_TYPES):
        return response
    data = body.encode("utf-8")
    if len(data) < MIN_BYTES:
        return response
    headers["Vary"] = ", ".join(filter(None, (_header(headers, "vary"), "Accept-Encoding")))
    if not accepts_gzip(_header(request_headers, "accept-encoding")):  # type: ignore[arg-type]
        return response
    response["body"] = base64.b64encode(gzip.compress(data, compresslevel=LEVEL, mtime=0)).decode("ascii")
    response["isBase64Encoded"] = True
    headers["Content-Encoding"] = "gzip"
    return response
