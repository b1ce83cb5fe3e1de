"""API Gateway HTTP API's JWT authorizer, as its developer guide describes it: the one both backends run.

The local gateway runs it in front of the local Lambda; express runs it in-process (in production
API Gateway's own authorizer does this for Lambda, so express must decide exactly alike: a token one
backend accepts the other accepts too, docs/deploy.md "Token parity").

The token comes from the identity source, the ``Authorization`` header — bare
or prefixed with ``Bearer`` (a JWT authorizer cannot read cookies). Then: the
header's ``kid`` must name a key of the issuer's JWKS and the signature must
verify with an RSA algorithm; ``iss`` must equal the configured issuer; the
audience is ``aud`` or, only when ``aud`` is absent, ``client_id``, and must
match one configured audience; ``exp`` must be in the future, ``nbf`` and
``iat`` in the past; when the route has authorization scopes, ``scope`` /
``scp`` must contain at least one of them. A rejection is API Gateway's own
``401 {"message":"Unauthorized"}`` with a ``www-authenticate`` header (403 for
a missing scope), never the function's error envelope. Express answers the same verdict in its
error envelope (the frontend's contract).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from runtime.auth import DEV_KEY_ID, load_or_create_dev_key
from runtime.config import Settings

ALGORITHMS = ["RS256", "RS384", "RS512"]  # API Gateway's JWT authorizer supports RSA-based algorithms only
MAX_TOKEN_BYTES = 8 * 1024  # Cognito ID tokens are 1-2 KB; a larger one is refused before any parsing


class Rejected(Exception):
    """The authorizer denied the request; ``status`` is 401 or 403."""

    def __init__(self, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.description = description
        self.status = status

    @property
    def www_authenticate(self) -> str | None:
        if self.status != 401:
            return None
        return f'Bearer scope="" error="invalid_token" error_description="{self.description}"'


def identity_source(headers: Sequence[tuple[str, str]]) -> str | None:
    """The identity source ``$request.header.Authorization``: every ``Authorization`` header of the
    request joined by commas, as the v2.0 event joins repeated headers (two tokens are no token)."""
    values = [value for name, value in headers if name.lower() == "authorization"]
    return ",".join(values) if values else None


def audience_matches(claims: dict[str, Any], audiences: frozenset[str]) -> bool:
    """API Gateway's rule: ``aud`` must match when present; only without ``aud`` is ``client_id`` used."""
    if "aud" in claims:
        aud = claims["aud"]
        return bool(audiences.intersection([aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []))
    return isinstance(claims.get("client_id"), str) and claims["client_id"] in audiences


@dataclass(frozen=True)
class Authorized:
    claims: dict[str, Any]
    scopes: list[str] | None


class JwtAuthorizer:
    """Validates a request's token for a route; ``key_for_kid`` returns a public key or None."""

    def __init__(
        self,
        issuer: str,
        audiences: Sequence[str],
        key_for_kid: Callable[[str], Any | None],
        now: Callable[[], float] = time.time,
    ) -> None:
        self._issuer = issuer
        self._audiences = frozenset(audiences)
        self._key_for_kid = key_for_kid
        self._now = now

    def authorize(self, authorization: str | None, route_scopes: Sequence[str] = ()) -> Authorized:
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Rejected("the token is missing")
        if len(token) > MAX_TOKEN_BYTES:
            raise Rejected("the token is too large")
        if not token.isascii():  # a JWT is base64url and dots; other bytes are no token
            raise Rejected("the token is not a JWT")
        claims = self._verified_claims(token)
        self._check_claims(claims)
        scopes = _token_scopes(claims)
        if route_scopes and not set(route_scopes) & set(scopes or ()):
            raise Rejected("the token does not have a required scope", status=403)
        return Authorized(claims, scopes if route_scopes else None)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Rejected("the token is not a JWT") from None
        kid = header.get("kid")
        key = self._key_for_kid(kid) if isinstance(kid, str) else None
        if key is None:
            raise Rejected("the token's kid is not in the issuer's JWKS")
        if header.get("alg") not in ALGORITHMS:
            raise Rejected("the token is not signed with an RSA algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.InvalidTokenError:
            raise Rejected("the token's signature is invalid") from None
        return claims

    def _check_claims(self, claims: dict[str, Any]) -> None:
        if claims.get("iss") != self._issuer:
            raise Rejected("the token does not have a valid issuer")
        if not audience_matches(claims, self._audiences):
            raise Rejected("the token does not have a valid audience")
        now = self._now()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            raise Rejected("the token has expired")
        for name in ("nbf", "iat"):
            value = claims.get(name)
            if value is not None and (not isinstance(value, int | float) or value > now):
                raise Rejected(f"the token's {name} is in the future")


def _token_scopes(claims: dict[str, Any]) -> list[str] | None:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [str(scope) for scope in raw]
    return None


def jwks_lookup(jwks_url: str) -> Callable[[str], Any | None]:
    """``kid`` -> public key from the issuer's JWKS (fetched once, cached by PyJWT)."""
    client = jwt.PyJWKClient(jwks_url, cache_keys=True)

    def key_for_kid(kid: str) -> Any | None:
        try:
            return client.get_signing_key(kid).key
        except jwt.PyJWKClientError:
            return None

    return key_for_kid


def from_settings(settings: Settings) -> JwtAuthorizer:
    """The authorizer the stack configures: issuer, audience, and the JWKS (or the local dev key)."""
    if settings.jwt_jwks_url:
        key_for_kid = jwks_lookup(settings.jwt_jwks_url)
    else:
        public_key = load_or_create_dev_key(settings.data_dir).public_key()

        def key_for_kid(kid: str) -> Any | None:
            return public_key if kid == DEV_KEY_ID else None

    audiences = [part.strip() for part in settings.jwt_audience.split(",") if part.strip()]
    return JwtAuthorizer(settings.jwt_issuer, audiences, key_for_kid)
