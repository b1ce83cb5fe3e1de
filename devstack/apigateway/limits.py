"""The limits API Gateway HTTP API and Lambda enforce, and what the client sees at each.

One table, rendered into docs/local-aws.md and walked row by row by a test;
the gateway answers from it, so the doc, the test and the behaviour cannot
drift apart. Where AWS's sources disagree the row says so in ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass

from stack import edge


@dataclass(frozen=True)
class Limit:
    """One limit: its value, the status and JSON body the HTTP client gets past it, and the source."""

    name: str
    value: str
    status: int
    message: str
    source: str

    @property
    def body(self) -> dict[str, str]:
        """API Gateway's own error body: ``{"message": …}``, never the function's envelope."""
        return {"message": self.message}


MiB = 1024 * 1024

HTTP_API_PAYLOAD_BYTES = 10 * MiB
REQUEST_LINE_AND_HEADERS_BYTES = 10_240
LAMBDA_SYNC_PAYLOAD_BYTES = 6 * MiB
INTEGRATION_TIMEOUT_SECONDS = 30.0

NO_ROUTE = Limit(
    "No route matches method and path",
    "route table (api/functions.py)",
    404,
    "Not Found",
    "API Gateway HTTP API routing: an unmatched request without a $default route gets 404 "
    '{"message":"Not Found"} (HTTP APIs have no 405).',
)
UNAUTHORIZED = Limit(
    "JWT authorizer rejects the token (missing, bad signature or kid, iss, aud/client_id, exp/nbf/iat)",
    "every route but GET /health",
    401,
    "Unauthorized",
    "API Gateway developer guide, 'Troubleshooting issues with HTTP API JWT authorizers': 401 "
    '{"message":"Unauthorized"} with a www-authenticate: Bearer … error="invalid_token" header.',
)
FORBIDDEN_SCOPE = Limit(
    "Token lacks every scope the route requires",
    "route authorization scopes (none configured today)",
    403,
    "Forbidden",
    "API Gateway developer guide, 'Control access to HTTP APIs with JWT authorizers': the token must "
    "include at least one of the route's scopes; a valid token without one is 403.",
)
MALFORMED_REQUEST = Limit(
    "Malformed HTTP request (request line, header line without ':', bad Content-Length, "
    "Transfer-Encoding with Content-Length, raw non-ASCII or a percent-escape that is not UTF-8 text in the path)",
    "HTTP/1.1 (RFC 9112)",
    400,
    "Bad Request",
    "AWS documents no body for requests its front end cannot parse; 400 is HTTP's answer (RFC 9112 "
    "§3, §6.3), in API Gateway's {\"message\": …} shape. The parser's own text, which may quote the "
    "request (a token), is never sent or logged.",
)
HEADERS_TOO_LARGE = Limit(
    "Total combined size of request line and header values",
    f"{REQUEST_LINE_AND_HEADERS_BYTES:,} bytes",
    431,
    "Request Header Fields Too Large",
    "API Gateway quotas for HTTP APIs: 'Total combined size of request line and header values: 10240 "
    "bytes' (hard limit). The quota names no status; we answer 431 (RFC 6585), as express does.",
)
PAYLOAD_TOO_LARGE = Limit(
    "HTTP API request payload",
    "10 MB",
    413,
    "Request Entity Too Large",
    "API Gateway quotas for HTTP APIs: payload size 10 MB (hard limit).",
)
LAMBDA_REQUEST_TOO_LARGE = Limit(
    "Lambda synchronous invocation request (the whole v2.0 event, headers included)",
    "6 MB",
    413,
    "Request Entity Too Large",
    "Lambda quotas: 6 MB each for request and response of a synchronous invocation. Lambda answers "
    "RequestEntityTooLargeException (413); the HTTP API client sees 413. Sources disagree on the "
    "gateway's status (500 is also reported for proxy integrations); we choose 413 because the "
    "request, not the service, is at fault.",
)
LAMBDA_RESPONSE_TOO_LARGE = Limit(
    "Lambda synchronous invocation response",
    "6 MB",
    500,
    "Internal Server Error",
    "Lambda quotas (6 MB response); Lambda reports Function.ResponseSizeTooLarge, which the HTTP API "
    "treats as an invalid integration response: 500.",
)
FUNCTION_ERROR = Limit(
    "Function error, timeout, runtime exit, init error or malformed response",
    "—",
    500,
    "Internal Server Error",
    "API Gateway developer guide, 'Troubleshooting issues with HTTP API Lambda integrations': "
    '500 {"message":"Internal Server Error"}.',
)
INTEGRATION_TIMEOUT = Limit(
    "HTTP API integration timeout",
    "30 s",
    503,
    "Service Unavailable",
    "API Gateway quotas for HTTP APIs: maximum integration timeout 30 s; the client gets 503 "
    '{"message":"Service Unavailable"} while the function may keep running up to its own timeout.',
)
LAMBDA_THROTTLED = Limit(
    "Lambda concurrency (reserved concurrency, local caps)",
    "the function's reserved concurrency; this machine's caps (2 per function, 8 in all; "
    "`up --lambda-concurrency N`: N and 4N) queue the invocation instead (local queueing)",
    500,
    "Internal Server Error",
    "Lambda's TooManyRequestsException reaches an HTTP API client as 500 (re:Post answers and the "
    "Knowledge Center 'internal server error' article); some reports say 502 or 503 — we follow AWS's "
    "own Knowledge Center.",
)
STAGE_THROTTLED = Limit(
    "HTTP API stage and route throttling",
    f"burst {edge.THROTTLE_BURST}, rate {edge.THROTTLE_RATE_PER_S}/s; {', '.join(edge.UPLOAD_ROUTES)}: "
    f"burst {edge.UPLOAD_BURST}, rate {edge.UPLOAD_RATE_PER_S}/s (stack/edge.py)",
    429,
    "Too Many Requests",
    'API Gateway throttling: 429 {"message":"Too Many Requests"} once the token bucket is empty.',
)

LIMITS: tuple[Limit, ...] = (
    MALFORMED_REQUEST,
    HEADERS_TOO_LARGE,
    NO_ROUTE,
    UNAUTHORIZED,
    FORBIDDEN_SCOPE,
    PAYLOAD_TOO_LARGE,
    LAMBDA_REQUEST_TOO_LARGE,
    LAMBDA_RESPONSE_TOO_LARGE,
    FUNCTION_ERROR,
    INTEGRATION_TIMEOUT,
    LAMBDA_THROTTLED,
    STAGE_THROTTLED,
)


def markdown_table() -> str:
    """The table as docs/local-aws.md shows it (a test keeps the doc equal to this)."""
    rows = ["| limit | value | status | body | source |", "|---|---|---|---|---|"]
    for limit in LIMITS:
        body = '`{"message":"' + limit.message + '"}`'
        rows.append(f"| {limit.name} | {limit.value} | {limit.status} | {body} | {limit.source} |")
    return "\n".join(rows)
