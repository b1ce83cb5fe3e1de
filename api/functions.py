"""The Lambda functions of the architecture and the routes each one serves.

The serverful backend dispatches on this table, the CloudFormation stack
declares one function and its HTTP API routes from it, and a test checks that
every resolver serves exactly these routes.
"""

from __future__ import annotations

FUNCTION_ROUTES: dict[str, tuple[str, ...]] = {
    "health": ("GET /health",),
    "mocs": (
        "GET /api/mocs",
        "POST /api/mocs",
        "GET /api/mocs/{id}",
        "PATCH /api/mocs/{id}",
        "DELETE /api/mocs/{id}",
    ),
    "gallery": (
        "GET /api/images",
        "POST /api/images",
        "GET /api/images/{id}",
        "PATCH /api/images/{id}",
        "DELETE /api/images/{id}",
        "GET /api/albums",
        "POST /api/albums",
        "GET /api/albums/{id}",
        "PATCH /api/albums/{id}",
        "DELETE /api/albums/{id}",
    ),
    "wishlist": (
        "GET /api/wishlist",
        "POST /api/wishlist",
        "POST /api/wishlist/reorder",
        "GET /api/wishlist/{id}",
        "PATCH /api/wishlist/{id}",
        "DELETE /api/wishlist/{id}",
    ),
    "profile": ("GET /api/users/{id}", "PATCH /api/users/{id}"),
}

# Path prefixes the serverful backend uses to pick a function; the longest match wins.
FUNCTION_PREFIXES: dict[str, str] = {
    "/health": "health",
    "/api/mocs": "mocs",
    "/api/images": "gallery",
    "/api/albums": "gallery",
    "/api/wishlist": "wishlist",
    "/api/users": "profile",
}


def function_for_path(path: str) -> str | None:
    """The function that serves ``path``, or None when no function does."""
    for prefix, function in sorted(FUNCTION_PREFIXES.items(), key=lambda item: -len(item[0])):
        if path == prefix or path.startswith(prefix + "/"):
            return function
    return None
