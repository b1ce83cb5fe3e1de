"""The Lambda functions of the architecture: their settings and the routes each one serves.

One table (``FUNCTIONS``), as DESIGN.md gives it, read by everything that needs
a function's shape: the serverful backend dispatches on its routes, the
CloudFormation stack declares each function (memory, timeout, reserved and
provisioned concurrency) and its HTTP API routes from it, the local AWS
(``devstack``) sizes its execution environments and answers with its limits,
and a test checks that every resolver serves exactly these routes.

``csv-parser`` has no routes: ``upload`` invokes it asynchronously (``Event``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaFunction:
    """One Lambda function: what it serves and how AWS runs it (production values)."""

    name: str
    routes: tuple[str, ...]
    """``"METHOD /path/{param}"`` route keys of the HTTP API; empty for a function invoked directly."""
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    """Cap on concurrent environments; None draws from the account's unreserved pool ("auto")."""
    provisioned_concurrency: int
    """Environments initialised ahead of traffic in production (0: on demand only)."""
    cold_start_p99_target_ms: int | None
    """The seeds' cold-start target at p99; None where no user waits (asynchronous functions)."""
    public_routes: tuple[str, ...] = ()
    """Routes of ``routes`` served without the JWT authorizer (the load balancer's and Route53's health checks)."""

    @property
    def handler(self) -> str:
        """The Lambda handler string: module ``api.handlers``, attribute named after the function."""
        return f"api.handlers.{self.name.replace('-', '_')}"


FUNCTIONS: tuple[LambdaFunction, ...] = (
    LambdaFunction(
        name="health",
        routes=("GET /health", "GET /debug/config"),
        memory_mb=512,
        timeout_seconds=10,
        reserved_concurrency=5,
        provisioned_concurrency=5,
        cold_start_p99_target_ms=500,
        public_routes=("GET /health",),
    ),
    LambdaFunction(
        name="mocs",
        routes=(
            "GET /api/mocs",
            "POST /api/mocs",
            "GET /api/mocs/{id}",
            "PATCH /api/mocs/{id}",
            "DELETE /api/mocs/{id}",
        ),
        memory_mb=1024,
        timeout_seconds=30,
        reserved_concurrency=None,
        provisioned_concurrency=2,
        cold_start_p99_target_ms=1500,
    ),
    LambdaFunction(
        name="gallery",
        routes=(
            "GET /api/images",
            "POST /api/images",
            "POST /api/images/upload-url",
            "POST /api/images/confirm",
            "GET /api/images/{id}",
            "PATCH /api/images/{id}",
            "DELETE /api/images/{id}",
            "GET /api/albums",
            "POST /api/albums",
            "GET /api/albums/{id}",
            "PATCH /api/albums/{id}",
            "DELETE /api/albums/{id}",
        ),
        memory_mb=2048,
        timeout_seconds=60,
        reserved_concurrency=None,
        provisioned_concurrency=2,
        cold_start_p99_target_ms=1500,
    ),
    LambdaFunction(
        name="wishlist",
        routes=(
            "GET /api/wishlist",
            "POST /api/wishlist",
            "POST /api/wishlist/reorder",
            "GET /api/wishlist/{id}",
            "PATCH /api/wishlist/{id}",
            "DELETE /api/wishlist/{id}",
            "POST /api/wishlist/{id}/image",
            "DELETE /api/wishlist/{id}/image",
            "POST /api/wishlist/{id}/image/upload-url",
            "POST /api/wishlist/{id}/image/confirm",
        ),
        memory_mb=1024,
        timeout_seconds=30,
        reserved_concurrency=None,
        provisioned_concurrency=0,
        cold_start_p99_target_ms=1500,
    ),
    LambdaFunction(
        name="profile",
        routes=(
            "GET /api/users/{id}",
            "PATCH /api/users/{id}",
            "POST /api/users/{id}/avatar",
            "DELETE /api/users/{id}/avatar",
            "POST /api/users/{id}/avatar/upload-url",
            "POST /api/users/{id}/avatar/confirm",
        ),
        memory_mb=1024,
        timeout_seconds=30,
        reserved_concurrency=None,
        provisioned_concurrency=0,
        cold_start_p99_target_ms=1500,
    ),
    LambdaFunction(
        name="upload",
        routes=(
            "POST /api/mocs/{id}/files",
            "POST /api/mocs/{id}/files/upload-url",
            "POST /api/mocs/{id}/files/confirm",
            "POST /api/mocs/{id}/upload-parts-list",
            "GET /api/mocs/{id}/upload-parts-list/{fileId}",
        ),
        memory_mb=2048,
        timeout_seconds=120,
        reserved_concurrency=None,
        provisioned_concurrency=0,
        cold_start_p99_target_ms=2000,
    ),
    LambdaFunction(
        name="csv-parser",
        routes=(),
        memory_mb=512,
        timeout_seconds=300,
        reserved_concurrency=None,
        provisioned_concurrency=0,
        cold_start_p99_target_ms=None,
    ),
)

FUNCTIONS_BY_NAME: dict[str, LambdaFunction] = {function.name: function for function in FUNCTIONS}

PUBLIC_ROUTES: frozenset[str] = frozenset(route for function in FUNCTIONS for route in function.public_routes)
"""Route keys the edge lets through without a token: express, the local gateway, the stack and OpenAPI read this."""

FUNCTION_ROUTES: dict[str, tuple[str, ...]] = {function.name: function.routes for function in FUNCTIONS}

# Path prefixes the serverful backend uses to pick a function; the longest match wins.
FUNCTION_PREFIXES: dict[str, str] = {
    "/health": "health",
    "/debug": "health",
    "/api/mocs": "mocs",
    "/api/images": "gallery",
    "/api/albums": "gallery",
    "/api/wishlist": "wishlist",
    "/api/users": "profile",
}


def _template_pattern(route: str) -> re.Pattern[str]:
    segments = route.split(" ", 1)[1].split("/")
    return re.compile("^" + "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in segments) + "$")


# Routes whose path is claimed by another function's prefix (``/api/mocs/{id}/files`` is ``upload``'s).
_ROUTE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_template_pattern(route), function.name)
    for function in FUNCTIONS
    for route in function.routes
    if not any(route.split(" ", 1)[1].startswith(prefix) for prefix, owner in FUNCTION_PREFIXES.items()
               if owner == function.name)
)


def function_for_path(path: str) -> str | None:
    """The function that serves ``path``, or None when no function does."""
    for pattern, name in _ROUTE_PATTERNS:
        if pattern.match(path):
            return name
    for prefix, function in sorted(FUNCTION_PREFIXES.items(), key=lambda item: -len(item[0])):
        if path == prefix or path.startswith(prefix + "/"):
            return function
    return None
