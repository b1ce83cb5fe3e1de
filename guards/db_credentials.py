"""The database password, supplied per connection: an RDS IAM auth token or a Secrets Manager secret.

Through RDS Proxy with IAM authentication the password is a SigV4-signed token that expires after
15 minutes, so it cannot sit in ``DATABASE_URL``: :func:`connection_hook` is the ``on_connect``
hook of ``api.adapters.database.Database`` (SQLAlchemy's ``do_connect``), so every new pool connection asks
its provider. An IAM token is generated fresh each time (local signing, no network call); a secret
is read from Secrets Manager and kept for ``SECRET_TTL_S`` so a rotation is picked up without a
call per connection.

Chosen by ``BRICKGUARD_DB_AUTH`` (``iam`` | ``secret``; unset: the password in ``DATABASE_URL``, as
locally) with ``BRICKGUARD_DB_SECRET_ARN`` for ``secret``; the stack sets both (docs/deploy.md).
boto3 is imported only when a provider is built, so local runs never pay for it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

AUTH_MODE_VARIABLE = "BRICKGUARD_DB_AUTH"
SECRET_ARN_VARIABLE = "BRICKGUARD_DB_SECRET_ARN"  # noqa: S105 - a variable name, not a secret
AUTH_MODES = ("iam", "secret")
DEFAULT_POSTGRES_PORT = 5432
SECRET_TTL_S = 300.0
AWS_CALL_TIMEOUT_S = 2


class CredentialsError(ValueError):
    """The database credentials configuration is incomplete or the secret is malformed."""


class PasswordProvider(Protocol):
    """Gives the password for the next connection."""

    def password(self) -> str: ...


def _client(service: str, region: str | None) -> Any:
    import boto3  # lazy: only deployments that use IAM auth or a secret pay for it
    from botocore.config import Config

    timeouts = Config(connect_timeout=AWS_CALL_TIMEOUT_S, read_timeout=AWS_CALL_TIMEOUT_S,
                      retries={"mode": "standard", "max_attempts": 2})
    endpoint = os.environ.get("BRICKGUARD_AWS_ENDPOINT_URL") or None
    return boto3.client(service, region_name=region, endpoint_url=endpoint, config=timeouts)


@dataclass
class IamAuthToken:
    """A fresh RDS IAM auth token for ``user`` at ``host:port`` on every call (valid 15 minutes)."""

    host: str
    port: int
    user: str
    region: str | None = None
    client_factory: Callable[[], Any] | None = field(default=None, repr=False)
    _client: Any = field(default=None, init=False, repr=False)

    def password(self) -> str:
        if self._client is None:
            self._client = (self.client_factory or (lambda: _client("rds", self.region)))()
        token: str = self._client.generate_db_auth_token(
            DBHostname=self.host, Port=self.port, DBUsername=self.user, Region=self.region
        )
        return token


@dataclass
class SecretPassword:
    """The ``password`` of a Secrets Manager secret (JSON, as RDS writes it, or a plain string)."""

    secret_arn: str
    region: str | None = None
    client_factory: Callable[[], Any] | None = field(default=None, repr=False)
    ttl_s: float = SECRET_TTL_S
    clock: Callable[[], float] = time.monotonic
    _cached: tuple[float, str] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def password(self) -> str:
        with self._lock:
            now = self.clock()
            if self._cached is not None and now - self._cached[0] < self.ttl_s:
                return self._cached[1]
            client = (self.client_factory or (lambda: _client("secretsmanager", self.region)))()
            secret = client.get_secret_value(SecretId=self.secret_arn)["SecretString"]
            value = _password_of(secret, self.secret_arn)
            self._cached = (now, value)
            return value


def _password_of(secret: str, name: str) -> str:
    try:
        parsed = json.loads(secret)
    except json.JSONDecodeError:
        return secret
    if isinstance(parsed, dict):
        if not isinstance(parsed.get("password"), str):
            raise CredentialsError(f"secret {name} is JSON without a string 'password' key")
        return str(parsed["password"])
    return secret


def from_environment(database_url: str, env: Mapping[str, str] | None = None) -> PasswordProvider | None:
    """The provider ``BRICKGUARD_DB_AUTH`` asks for, or None to use ``DATABASE_URL`` as it is."""
    env = os.environ if env is None else env
    mode = (env.get(AUTH_MODE_VARIABLE) or "").strip()
    if not mode:
        return None
    if mode not in AUTH_MODES:
        raise CredentialsError(f"{AUTH_MODE_VARIABLE}={mode!r} must be one of {', '.join(AUTH_MODES)}")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    if mode == "secret":
        arn = (env.get(SECRET_ARN_VARIABLE) or "").strip()
        if not arn:
            raise CredentialsError(f"{AUTH_MODE_VARIABLE}=secret needs {SECRET_ARN_VARIABLE}")
        return SecretPassword(arn, region)
    parts = urlsplit(database_url)
    if not parts.hostname or not parts.username:
        raise CredentialsError(f"{AUTH_MODE_VARIABLE}=iam needs a user and a host in DATABASE_URL")
    return IamAuthToken(parts.hostname, parts.port or DEFAULT_POSTGRES_PORT, parts.username, region)


def connection_hook(provider: PasswordProvider) -> Callable[[dict[str, Any]], None]:
    """A hook that puts ``provider``'s password into each new connection's parameters."""

    def supply_password(params: dict[str, Any]) -> None:
        params["password"] = provider.password()

    return supply_password
