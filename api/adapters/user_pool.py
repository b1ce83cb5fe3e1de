"""Profiles in the Cognito user pool: ``name``, ``picture`` and ``email`` as standard attributes.

The architecture keeps profiles in Cognito, not in PostgreSQL: reads are AdminGetUser, writes
AdminUpdateUserAttributes (AdminDeleteUserAttributes clears the picture). Every call goes through
the ``cognito`` breaker (:func:`~guards.dependency_call.call_dependency`) with short botocore
timeouts and no botocore retries, so an outage is known within a second and a half, then answered
from the breaker without waiting. A user is looked up by the token's ``sub``: in a pool where
users sign in with their email (``UsernameAttributes``) the username *is* the sub, and AWS accepts
the sub for every Admin call; ``brickguard up``'s pool is made that way (docs/local-aws.md).

Failures are classified once: a user the pool does not know is :class:`UnknownUser`, and so is a
user id that cannot be a username of a pool (:class:`InvalidUsername`: Cognito takes 1 to 128
letters, marks, symbols, digits or punctuation; moto takes anything, docs/local-aws.md); anything
that says Cognito is unavailable (refused, timed out, throttled, 5xx, breaker open) is
:class:`UserPoolUnavailable`, and so is a pool that does not exist (``COGNITO_USER_POOL_ID`` names
no pool: a misconfiguration, logged as such). The profile service degrades on them (reads) or
answers them (writes: 503 naming ``cognito``, 400, 404); never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from guards.breaker import BreakerOpenError
from guards.dependency_call import call_dependency
from guards.errors import is_dependency_failure
from runtime import config

if TYPE_CHECKING:
    from guards.breaker import Breaker

_log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 0.5
READ_TIMEOUT_S = 1.0
PROFILE_ATTRIBUTES = ("sub", "email", "name", "picture")
"""The standard attributes a profile shows."""
_INVALID_INPUT = frozenset({"InvalidParameterException", "ParamValidationError"})
"""Cognito's answer to a username outside its rules ("Value at 'username' failed to satisfy constraint"), and
botocore's (it checks the shortest length itself)."""


class UserPoolUnavailable(Exception):
    """Cognito did not answer, its breaker is open, or the pool does not exist: the identity is not known now."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        """Seconds until the open breaker admits a call again (None: not the breaker)."""


class UnknownUser(Exception):
    """The pool has no such user."""


class InvalidUsername(UnknownUser):
    """Cognito refused the user id as a username (its rules, or botocore's own check of them): no user of any pool."""


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
        except BreakerOpenError as exc:
            raise UserPoolUnavailable("the user pool's breaker is open", exc.retry_after) from None
        except Exception as exc:
            code = _error_code(exc)
            if code == "UserNotFoundException":
                raise UnknownUser(arguments.get("Username", "")) from None
            if _names_no_pool(exc, code):
                _log.error("the user pool %s does not exist: check COGNITO_USER_POOL_ID (and COGNITO_ENDPOINT_URL)",
                           self._pool_id)
                raise UserPoolUnavailable(f"the user pool {self._pool_id} does not exist") from None
            if code in _INVALID_INPUT:
                raise InvalidUsername(str(exc)) from None
            if is_dependency_failure(exc) or code in ("TooManyRequestsException", "InternalErrorException"):
                raise UserPoolUnavailable(f"the user pool did not answer: {type(exc).__name__}") from None
            raise


def _names_no_pool(exc: BaseException, code: str | None) -> bool:
    """No pool has this id: none by that id (``ResourceNotFoundException``), or not an id at all
    (Cognito: ``InvalidParameterException``, "Value … at 'userPoolId' failed to satisfy constraint")."""
    return code == "ResourceNotFoundException" or (code == "InvalidParameterException" and "userPoolId" in str(exc))


def _error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ``ClientError``; for botocore's own checks, the exception's class name."""
    if type(exc).__name__ == "ParamValidationError":
        return "ParamValidationError"
    response = getattr(exc, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    return error.get("Code") if isinstance(error, dict) else None


def _pool_region(pool_id: str | None) -> str | None:
    """``eu-west-1_AbC123`` is in ``eu-west-1``."""
    return pool_id.split("_", 1)[0] if pool_id and "_" in pool_id else None
