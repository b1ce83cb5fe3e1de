"""Who is calling: the JWT claims API Gateway (or the serverful backend) put on the event."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from runtime.errors import Unauthorized
from runtime.telemetry import context


def claims(app: BaseRouter) -> dict[str, Any]:
    """The validated token claims, or ``{}`` when the request carried none."""
    authorizer = app.current_event.raw_event.get("requestContext", {}).get("authorizer") or {}
    jwt_section = authorizer.get("jwt") or {}
    found = jwt_section.get("claims") or {}
    return found if isinstance(found, dict) else {}


def user_id(app: BaseRouter) -> str:
    """The caller's ``sub``; without one the request is a 401."""
    sub = claims(app).get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("Authentication required")
    ctx = context.current()
    if ctx is not None:
        ctx.user_id = sub
    return sub
