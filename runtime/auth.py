"""JWT handling for the serverful backend and the local dev tokens.

In production API Gateway's JWT authorizer validates Cognito tokens before the
Lambda runs; the serverful backend has to do it itself, against the user
pool's JWKS (``JWT_JWKS_URL``, ``JWT_ISSUER``, ``JWT_AUDIENCE``). Locally the
same checks run against an RSA key kept in the data directory, which
``brickguard token`` signs with.

The checks are the authorizer's, so a token one backend accepts the other accepts too
(docs/deploy.md, "Token parity"): RSA signatures only; ``iss`` equal; ``aud`` checked when present,
else ``client_id`` (Cognito access tokens carry no ``aud``); ``exp`` required, ``nbf``/``iat`` not in
the future; the token from the ``Authorization`` header, with or without ``Bearer``. The ``token``
cookie is no longer read: a JWT authorizer cannot see cookies, so a cookie-only request gets a 401
saying so.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt

from runtime.config import Settings
from runtime.errors import Unauthorized

DEV_KEY_FILE = "dev-jwt-key.pem"
DEV_KEY_ID = "brickguard-dev"
ALGORITHMS = ["RS256", "RS384", "RS512"]  # API Gateway's JWT authorizer supports RSA-based algorithms only
DEFAULT_TOKEN_TTL_SECONDS = 8 * 3600
MAX_TOKEN_BYTES = 8 * 1024  # Cognito ID tokens are 1-2 KB; a larger one is refused before any parsing


def _dev_key_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DEV_KEY_FILE


def load_or_create_dev_key(data_dir: str | Path) -> Any:
    """The local RSA signing key, created (mode 0600) on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = _dev_key_path(data_dir)
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def mint_token(
    settings: Settings,
    *,
    sub: str,
    email: str | None = None,
    name: str | None = None,
    ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS,
) -> str:
    """A token the local backends accept (RS256 with ``iss``, ``aud``, ``exp``)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience.split(",")[0].strip(),
        "iat": now,
        "exp": now + ttl_seconds,
        "token_use": "id",
    }
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    key = load_or_create_dev_key(settings.data_dir)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": DEV_KEY_ID})


COOKIE_DEPRECATED = (
    "The token cookie is no longer accepted: send the token in the Authorization header "
    "(API Gateway's JWT authorizer reads only that header)"
)


def audience_matches(claims: dict[str, Any], audiences: frozenset[str]) -> bool:
    """API Gateway's rule: ``aud`` must match when present; only without ``aud`` is ``client_id`` used."""
    if "aud" in claims:
        aud = claims["aud"]
        return bool(audiences.intersection([aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []))
    return isinstance(claims.get("client_id"), str) and claims["client_id"] in audiences


class TokenValidator:
    """Validates tokens as API Gateway's JWT authorizer does and returns the claims."""

    def __init__(self, settings: Settings) -> None:
        self._issuer = settings.jwt_issuer
        self._audiences = frozenset(part.strip() for part in settings.jwt_audience.split(",") if part.strip())
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        self._dev_public_key = (
            None if self._jwks else load_or_create_dev_key(settings.data_dir).public_key()
        )

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of ``token``; any defect (a size over ``MAX_TOKEN_BYTES`` too) is a 401."""
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthorized("Token is too large")
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
            else:
                key = self._dev_public_key
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Token has expired") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError):
            raise Unauthorized("Invalid token") from None
        if not audience_matches(claims, self._audiences):
            raise Unauthorized("Invalid token")
        return claims


def bearer_token(headers: dict[str, str], cookies: list[str]) -> str | None:
    """The token of the ``Authorization`` header (``Bearer <token>`` or the bare token, as API Gateway
    takes it); a request carrying only the retired ``token`` cookie is a 401 that says what to do."""
    auth = headers.get("authorization", "").strip()
    if auth[:7].lower() == "bearer ":
        auth = auth[7:].strip()
    if auth:
        return auth
    if any(cookie.strip().partition("=")[0] == "token" for cookie in cookies):
        raise Unauthorized(COOKIE_DEPRECATED)
    return None
