"""The serverful backend validates JWTs itself, from the Authorization header only (as API Gateway)."""

from __future__ import annotations

import dataclasses
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from runtime.auth import load_or_create_dev_key, mint_token
from tests.support.helpers import assert_envelope


def _signed(api_settings, **overrides):
    now = int(time.time())
    claims = {"sub": "user-a", "iss": api_settings.jwt_issuer, "aud": api_settings.jwt_audience,
              "iat": now, "exp": now + 600, **overrides}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, load_or_create_dev_key(api_settings.data_dir), algorithm="RS256")


def test_cookie_token_is_refused_with_a_note_saying_to_use_the_header(express_client):
    token = express_client.token("cookie-user")
    reply = express_client.call("GET", "/api/mocs", user=None, headers={"Cookie": f"theme=dark; token={token}"})
    assert_envelope(reply, 401, "UNAUTHORIZED")
    assert "cookie is no longer accepted" in reply.json["error"]["message"]
    bare = express_client.call("GET", "/api/mocs", user=None, headers={"Authorization": token})
    assert bare.status == 200 and bare.json["success"] is True  # API Gateway takes the token without "Bearer" too


@pytest.mark.parametrize("case", ["missing", "garbage", "forged", "expired", "wrong-audience", "wrong-issuer",
                                  "no-sub", "hs256"])
def test_bad_tokens_are_401(express_client, api_settings, case):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "missing": None,
        "garbage": "not.a.jwt",
        "forged": jwt.encode({"sub": "user-a", "iss": api_settings.jwt_issuer, "aud": api_settings.jwt_audience,
                              "exp": int(time.time()) + 600}, other_key, algorithm="RS256"),
        "expired": _signed(api_settings, exp=int(time.time()) - 10),
        "wrong-audience": _signed(api_settings, aud="someone-else"),
        "wrong-issuer": _signed(api_settings, iss="https://evil.example.com"),
        "no-sub": _signed(api_settings, sub=None),
        "hs256": jwt.encode({"sub": "user-a", "iss": api_settings.jwt_issuer, "aud": api_settings.jwt_audience,
                             "exp": int(time.time()) + 600}, "k" * 32, algorithm="HS256"),
    }
    token = tokens[case]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = express_client.call("GET", "/api/mocs", user=None, headers=headers)
    assert_envelope(reply, 401, "UNAUTHORIZED")


def test_health_needs_no_token(express_client):
    reply = express_client.call("GET", "/health", user=None)
    assert reply.status == 200 and reply.json["components"]["database"] == "healthy"


def test_minted_token_claims(api_settings):
    token = mint_token(dataclasses.replace(api_settings), sub="u1", email="e@example.com", name="N")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "u1" and claims["aud"] == api_settings.jwt_audience
    assert claims["iss"] == api_settings.jwt_issuer and claims["exp"] > time.time()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
