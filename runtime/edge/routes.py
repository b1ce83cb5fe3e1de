"""The HTTP API's route table: route keys of the function table, matched as API Gateway matches them.

API Gateway picks the most specific route (most literal path segments) for the request's method and
path; ``{name}`` matches one path segment. A route the function table flags public runs without the
JWT authorizer. Both express and the local gateway are handed the table by their composition root
(``runtime`` cannot import ``api``): :class:`EdgeFunction` is what they read of each function.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MalformedPath(ValueError):
    """The path does not decode to text: invalid UTF-8 escapes, or a control character once decoded."""


def decoded_path(raw_path: str) -> str:
    """The request path as API Gateway HTTP APIs route it and hand it on (``rawPath``, ``pathParameters``):
    percent-decoded as UTF-8. ``%2F`` decodes to ``/`` and so separates segments, as in the decoded
    ``rawPath``; an escape that is not UTF-8, or a decoded control character (``%0A``), is refused.
    """
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        raise MalformedPath("the path's percent-escapes are not UTF-8") from None
    if _CONTROL.search(path):
        raise MalformedPath("the path holds a control character")
    return path


class EdgeFunction(Protocol):
    """What the edge reads of one function of the table (``api.functions.LambdaFunction``)."""

    @property
    def name(self) -> str: ...

    @property
    def routes(self) -> Sequence[str]: ...

    @property
    def public_routes(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Route:
    key: str
    method: str
    path: str
    pattern: re.Pattern[str]
    function: str
    public: bool
    scopes: tuple[str, ...] = ()
    literal_segments: int = 0


@dataclass(frozen=True)
class Matched:
    """A request's route and its path parameters, as the route template names them."""

    route: Route
    parameters: dict[str, str]


def _route(key: str, function: str, public: bool, scopes: Sequence[str]) -> Route:
    method, template = key.split(" ", 1)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") and part.endswith("}") else re.escape(part)
        for part in re.split(r"(\{[^}]+\})", template)
    )
    literal = sum(1 for segment in template.split("/") if segment and not segment.startswith("{"))
    return Route(key, method, template, re.compile(f"^{regex}$"), function, public, tuple(scopes), literal)


class RouteTable:
    """Every route of the table, most specific first."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = sorted(routes, key=lambda route: -route.literal_segments)
        self._public_paths = frozenset(route.path for route in self.routes if route.public)

    def match(self, method: str, path: str) -> Matched | None:
        """The route for ``method path`` (the decoded path, :func:`decoded_path`), or None."""
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return Matched(route, found.groupdict())
        return None

    def is_public_path(self, path: str) -> bool:
        """True when a public route has this exact path, whatever its method."""
        return path in self._public_paths


def routes_from_table(
    functions: Sequence[EdgeFunction], scopes: Mapping[str, Sequence[str]] | None = None
) -> RouteTable:
    """The table's routes; ``scopes`` maps a route key to its authorization scopes (none in the stack today)."""
    scopes = scopes or {}
    return RouteTable(
        [
            _route(key, function.name, key in function.public_routes, scopes.get(key, ()))
            for function in functions
            for key in function.routes
        ]
    )
