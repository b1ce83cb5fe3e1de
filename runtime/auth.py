"""The local dev tokens: the RSA key kept in the data directory and the tokens ``brickguard token`` signs.

Without a user pool's JWKS (``JWT_JWKS_URL``) both backends' JWT authorizer
(:mod:`runtime.edge.authorizer`) verifies against this key, under the key id ``DEV_KEY_ID``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt

from runtime.config import Settings

DEV_KEY_FILE = "dev-jwt-key.pem"
DEV_KEY_ID = "brickguard-dev"
DEFAULT_TOKEN_TTL_SECONDS = 8 * 3600


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
