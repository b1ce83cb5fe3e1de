"""JWT handling for the serverful backend and the local dev tokens.

In production API Gateway's JWT authorizer validates Cognito tokens before the
Lambda runs; the serverful backend has to do it itself, against the user
pool's JWKS (``JWT_JWKS_URL``, ``JWT_ISSUER``, ``JWT_AUDIENCE``). Locally the
same checks run against an RSA key kept in the data directory, which
``brickguard token`` signs with.
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
ALGORITHMS = ["RS256"]
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
        "aud": settings.jwt_audience,
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


class TokenValidator:
    """Validates bearer tokens: signature, ``iss``, ``aud``, ``exp``; returns the claims."""

    def __init__(self, settings: Settings) -> None:
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
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
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Token has expired") from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError):
            raise Unauthorized("Invalid token") from None
        return claims


def bearer_token(headers: dict[str, str], cookies: list[str]) -> str | None:
    """The token from ``Authorization: Bearer …`` or the ``token`` cookie."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    for cookie in cookies:
        name, _, value = cookie.strip().partition("=")
        if name == "token" and value:
            return value
    return None
