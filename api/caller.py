"""Who is calling: the JWT claims API Gateway (or the serverful backend) put on the event.

A route names its caller by declaring a parameter ``user: CallerId``: Powertools' dependency
injection (``Depends``) resolves it once per request, before the route runs, and a request
without a ``sub`` is a 401 before any of the route's work.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.request import Request

from runtime.errors import Unauthorized
from runtime.telemetry import context


def _claims_of(event: dict[str, Any]) -> dict[str, Any]:
    authorizer = event.get("requestContext", {}).get("authorizer") or {}
    jwt_section = authorizer.get("jwt") or {}
    found = jwt_section.get("claims") or {}
    return found if isinstance(found, dict) else {}


def claims(app: BaseRouter) -> dict[str, Any]:
    """The validated token claims, or ``{}`` when the request carried none."""
    return _claims_of(app.current_event.raw_event)


def user_id(request: Request) -> str:
    """The caller's ``sub``; without one the request is a 401."""
    sub = _claims_of(request.resolved_event.raw_event).get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("Authentication required")
    ctx = context.current()
    if ctx is not None:
        ctx.user_id = sub
    return sub


CallerId = Annotated[str, Depends(user_id)]
"""The authenticated caller's user id, as a route parameter."""
