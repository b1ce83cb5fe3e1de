"""Token parity: the one JWT authorizer (express and the local gateway run it) gives API Gateway's verdicts.

The expected verdicts are API Gateway's documented rules for HTTP API JWT authorizers: RSA
signatures only, ``iss`` equal to the issuer, ``aud`` matched when present and ``client_id`` only
when ``aud`` is absent, ``exp`` in the future, ``nbf`` and ``iat`` not in the future.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from runtime.auth import DEV_KEY_ID, load_or_create_dev_key
from runtime.config import Settings
from runtime.edge import authorizer
from runtime.edge.authorizer import JwtAuthorizer, Rejected, identity_source

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"
CLIENTS = "web-client,mobile-client"
SUB = "1f6c-4e2a-hyphenated-sub"
# Times are offsets from the moment the token is signed (a module-level clock would go stale in a long run).
BASE: dict[str, Any] = {"sub": SUB, "iss": ISSUER, "iat": 0, "exp": 600}
TIME_CLAIMS = ("iat", "exp", "nbf")

# name -> (claims over BASE (None removes one), accepted by API Gateway)
CASES: dict[str, tuple[dict[str, Any], bool]] = {
    "id token (aud)": ({"aud": "web-client", "token_use": "id"}, True),
    "access token (client_id, no aud)": ({"client_id": "mobile-client", "token_use": "access"}, True),
    "access token of another app client": ({"client_id": "other-client"}, False),
    "aud wrong, client_id right: aud decides": ({"aud": "other-client", "client_id": "web-client"}, False),
    "aud list with one match": ({"aud": ["x", "web-client"]}, True),
    "neither aud nor client_id": ({}, False),
    "expired": ({"aud": "web-client", "exp": -5}, False),
    "no exp": ({"aud": "web-client", "exp": None}, False),
    "nbf in the future": ({"aud": "web-client", "nbf": 300}, False),
    "iat in the future": ({"aud": "web-client", "iat": 300}, False),
    "other issuer": ({"aud": "web-client", "iss": "https://evil.example.com"}, False),
}


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory) -> tuple[JwtAuthorizer, Any]:
    data_dir = tmp_path_factory.mktemp("keys")
    settings = Settings(jwt_issuer=ISSUER, jwt_audience=CLIENTS, data_dir=str(data_dir))
    return authorizer.from_settings(settings), load_or_create_dev_key(data_dir)


def _token(key: Any, overrides: dict[str, Any], algorithm: str = "RS256") -> str:
    now = int(time.time())
    claims = {name: value + now if name in TIME_CLAIMS else value
              for name, value in {**BASE, **overrides}.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": DEV_KEY_ID})


@pytest.mark.parametrize("case", CASES)
def test_the_authorizer_gives_api_gateways_verdict(signing: tuple[JwtAuthorizer, Any], case: str) -> None:
    checker, key = signing
    overrides, accepted = CASES[case]
    token = _token(key, overrides)
    if accepted:
        assert checker.authorize(f"Bearer {token}").claims["sub"] == SUB
        assert checker.authorize(token).claims["sub"] == SUB  # the bare token, as API Gateway takes it
    else:
        with pytest.raises(Rejected):
            checker.authorize(f"Bearer {token}")


def test_only_rsa_signatures(signing: tuple[JwtAuthorizer, Any]) -> None:
    checker, key = signing
    assert checker.authorize(_token(key, {"aud": "web-client"}, "RS384")).claims["iss"] == ISSUER
    with pytest.raises(Rejected):
        checker.authorize(_token("k" * 32, {"aud": "web-client"}, "HS256"))


def test_the_identity_source_is_every_authorization_header_joined(tmp_path: Path) -> None:
    assert identity_source([("authorization", "Bearer abc")]) == "Bearer abc"
    assert identity_source([("Cookie", "token=abc")]) is None
    assert identity_source([("Authorization", "Bearer a"), ("authorization", "Bearer b")]) == "Bearer a,Bearer b"
