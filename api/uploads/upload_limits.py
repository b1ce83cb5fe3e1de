"""How large an upload may be sent straight to the API, and how large through a presigned S3 POST.

The seeds say "10 MB direct, presigned above"; that is API Gateway's limit, not the
one that bites first. Worked out from the documented limits (docs/uploads.md has the sources):

* API Gateway HTTP API: payload 10 MB, request line + headers 10,240 bytes (not adjustable).
* Lambda synchronous Invoke: request payload 6 MB; the error quotes the exact figure,
  6,291,456 bytes, for the whole event JSON, not only the body.
* HTTP API hands a binary body (a multipart upload is one) to Lambda base64-encoded:
  ``4 * ceil(n / 3)`` bytes for ``n`` bytes sent.
* The rest of the event (headers, cookies, query, requestContext with the JWT claims),
  JSON-escaped, is bounded by the 10,240-byte header limit and the claims of an 8 KiB
  token: :data:`EVENT_OVERHEAD_BYTES` reserves 256 KiB for it, several times the worst case.

So a body of ``n`` bytes reaches the function only when
``4 * ceil(n / 3) + 256 KiB <= 6 MiB``, i.e. ``n <= 4,521,984``. The ceiling is the round
:data:`DIRECT_UPLOAD_MAX_BYTES` = 4 MiB below that, and both backends enforce it, so a
client gets the same 413 (with the presigned route to use instead) from either.
"""

from __future__ import annotations

MIB = 1024 * 1024

API_GATEWAY_PAYLOAD_BYTES = 10 * MIB
LAMBDA_SYNC_PAYLOAD_BYTES = 6 * MIB
EVENT_OVERHEAD_BYTES = 256 * 1024


def base64_size(raw_bytes: int) -> int:
    """Bytes of the base64 text API Gateway puts in the event for ``raw_bytes`` of body."""
    return 4 * ((raw_bytes + 2) // 3)


def largest_direct_body() -> int:
    """The largest raw body whose base64 form still fits a synchronous invocation with the rest of the event."""
    room = LAMBDA_SYNC_PAYLOAD_BYTES - EVENT_OVERHEAD_BYTES
    return room // 4 * 3


DIRECT_UPLOAD_MAX_BYTES = 4 * MIB
"""The one direct-upload ceiling (request body, multipart framing included) for both backends."""

PRESIGNED_UPLOAD_MAX_BYTES = 50 * MIB
"""Largest file a presigned POST accepts (S3's content-length-range; re-checked on confirm)."""

PRESIGNED_URL_TTL_SECONDS = 900
"""A presigned POST is valid for 15 minutes."""

MAX_MOC_FILES_PER_REQUEST = 10
