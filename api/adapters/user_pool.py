"""Profiles in the Cognito user pool: ``name``, ``picture`` and ``email`` as standard attributes.

The architecture keeps profiles in Cognito, not in PostgreSQL: reads are AdminGetUser, writes
AdminUpdateUserAttributes (AdminDeleteUserAttributes clears the picture). Every call goes through
the ``cognito`` breaker (:func:`~guards.dependency_call.call_dependency`) with short botocore
timeouts and no botocore retries, so an outage is known within a second and a half, then answered
from the breaker without waiting. A user is looked up by the token's ``sub``: in a pool where
users sign in with their email (``UsernameAttributes``) the username *is* the sub, and AWS accepts
the sub for every Admin call; ``brickguard up``'s pool is made that way (docs/local-aws.md).

Failures are classified once: a user the pool does not know is :class:`UnknownUser`; anything
that says Cognito is unavailable (refused, timed out, throttled, 5xx, breaker open) is
:class:`UserPoolUnavailable`, which the profile service degrades on (reads) or answers 503 for
(writes); never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from guards.breaker import BreakerOpenError
from guards.dependency_call import call_dependency
from guards.errors import is_dependency_failure
from runtime import config

if TYPE_CHECKING:
    from guards.breaker import Breaker

CONNECT_TIMEOUT_S = 0.5
READ_TIMEOUT_S = 1.0
PROFILE_ATTRIBUTES = ("sub", "email", "name", "picture")
"""The standard attributes a profile shows."""


class UserPoolUnavailable(Exception):
    """Cognito did not answer (or its breaker is open): the profile's identity is not known right now."""


class UnknownUser(Exception):
    """The pool has no such user."""


class UserPool:
    """The profiles' user pool for one process; not configured (no ``COGNITO_USER_POOL_ID``) it is absent."""

    def __init__(self, settings: config.Settings, breaker: Callable[[], Breaker]) -> None:
        self._pool_id = settings.cognito_user_pool_id
        self._endpoint_url = settings.cognito_endpoint_url
        self._breaker = breaker  # looked up on first use: a process without a user pool needs no cognito breaker

    @property
    def configured(self) -> bool:
        return self._pool_id is not None

    @cached_property
    def client(self) -> Any:
        import boto3  # only when the first profile call needs it
        from botocore.config import Config

        session = boto3.session.Session()
        return session.client(
            "cognito-idp",
            endpoint_url=self._endpoint_url,
            region_name=_pool_region(self._pool_id) or session.region_name or "us-east-1",
            config=Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S,
                          retries={"max_attempts": 1, "mode": "standard"}),
        )

    def attributes(self, user_id: str) -> dict[str, str]:
        """The user's profile attributes (those set), e.g. ``{"sub": …, "email": …, "name": …}``."""
        reply = self._call(self.client.admin_get_user, UserPoolId=self._pool_id, Username=user_id)
        found = {item["Name"]: item["Value"] for item in reply.get("UserAttributes", ())}
        return {name: found[name] for name in PROFILE_ATTRIBUTES if found.get(name)}

    def update(self, user_id: str, changes: Mapping[str, str | None]) -> None:
        """Set the attributes with a value, delete those given as ``None``."""
        kept = [{"Name": name, "Value": value} for name, value in changes.items() if value is not None]
        deleted = [name for name, value in changes.items() if value is None]
        if kept:
            self._call(self.client.admin_update_user_attributes, UserPoolId=self._pool_id, Username=user_id,
                       UserAttributes=kept)
        if deleted:
            self._call(self.client.admin_delete_user_attributes, UserPoolId=self._pool_id, Username=user_id,
                       UserAttributeNames=deleted)

    def _call(self, operation: Any, **arguments: Any) -> Any:
        try:
            return call_dependency(self._breaker(), operation, **arguments)
        except BreakerOpenError:
            raise UserPoolUnavailable("the user pool's breaker is open") from None
        except Exception as exc:
            if _error_code(exc) == "UserNotFoundException":
                raise UnknownUser(arguments.get("Username", "")) from None
            if is_dependency_failure(exc) or _error_code(exc) in ("TooManyRequestsException", "InternalErrorException"):
                raise UserPoolUnavailable(f"the user pool did not answer: {type(exc).__name__}") from None
            raise


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    return error.get("Code") if isinstance(error, dict) else None


def _pool_region(pool_id: str | None) -> str | None:
    """``eu-west-1_AbC123`` is in ``eu-west-1``."""
    return pool_id.split("_", 1)[0] if pool_id and "_" in pool_id else None
