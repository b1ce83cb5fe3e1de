"""API Gateway HTTP API's ``CorsConfiguration``, as its developer guide describes it: both backends run it.

With CORS configured, API Gateway answers a preflight itself — an ``OPTIONS`` request carrying
``Origin`` and ``Access-Control-Request-Method`` — whether or not an ``OPTIONS`` route exists and
without the authorizer; for any other request with an ``Origin`` it adds the configured headers to
the response, and it ignores the CORS headers the integration returns. An origin that is not listed
gets no ``Access-Control-*`` header at all (the preflight is still answered, empty), so the browser
refuses the call: that is how API Gateway refuses an origin. The policy's values come from the
stack's declaration (``stack/edge.py``), handed to express and the local gateway by the composition
root; the origins are configurable there (``CorsAllowOrigins`` in the stack, ``BRICKGUARD_CORS_ORIGINS``
locally).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PREFLIGHT_STATUS = 204


@dataclass(frozen=True)
class CorsPolicy:
    """``AllowOrigins``, ``AllowMethods``, ``AllowHeaders``, ``AllowCredentials``, ``MaxAge``."""

    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...]
    credentials: bool
    max_age_s: int

    def __post_init__(self) -> None:
        if self.credentials and "*" in self.origins:
            raise ValueError("an origin of '*' cannot be combined with credentials (API Gateway refuses it too)")

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin in self.origins

    @staticmethod
    def is_preflight(method: str, origin: str | None, request_method: str | None) -> bool:
        """API Gateway answers a request itself as a preflight only with both headers present."""
        return method == "OPTIONS" and bool(origin) and bool(request_method)

    def preflight_headers(self, origin: str | None) -> dict[str, str]:
        """The preflight's headers: every allowance for a listed origin, none for any other."""
        if not self.allows(origin):
            return {}
        return {
            **self.response_headers(origin),
            "Access-Control-Allow-Methods": ",".join(self.methods),
            "Access-Control-Allow-Headers": ",".join(header.lower() for header in self.headers),
            "Access-Control-Max-Age": str(self.max_age_s),
        }

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """What API Gateway adds to an answer to a listed origin (nothing for any other)."""
        if origin is None or not self.allows(origin):
            return {}
        headers = {"Access-Control-Allow-Origin": origin}
        if self.credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers


def without_cors_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The integration's headers minus its own ``Access-Control-*`` (API Gateway ignores them)."""
    return [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
