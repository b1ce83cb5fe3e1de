"""The gateway's JWT authorizer behaves as API Gateway documents it, and its 401 is API Gateway's."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction

FUNCTIONS = [SpecFunction("echo", f"{BEHAVIOURS}.echo", ("GET /echo", "GET /health"),
                          public_routes=("GET /health",))]
UNAUTHORIZED = (401, {"message": "Unauthorized"})


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS)


def _call(aws: RunningAws, authorization: str | None = None, **headers: str):
    if authorization is not None:
        headers["Authorization"] = authorization
    reply = aws.get("/echo", headers=headers)
    return reply.status_code, reply.json()


def _claims(aws: RunningAws, authorization: str) -> dict[str, str]:
    status, body = _call(aws, authorization)
    assert status == 200, body
    return body["event"]["requestContext"]["authorizer"]["jwt"]["claims"]


def test_bearer_and_bare_tokens_are_accepted_and_claims_reach_the_function_as_strings(aws: RunningAws):
    token = aws.token("user-7", groups=["admin", "builders"], email_verified=True)
    for authorization in (f"Bearer {token}", token, f"bearer {token}"):
        claims = _claims(aws, authorization)
        assert claims["sub"] == "user-7"
        assert claims["groups"] == "[admin builders]" and claims["email_verified"] == "true"
        assert isinstance(claims["exp"], str) and claims["exp"].isdigit()


def test_client_id_is_the_audience_only_when_aud_is_absent(aws: RunningAws):
    audience = aws.settings.jwt_audience
    assert _claims(aws, aws.token(aud=None, client_id=audience))["client_id"] == audience
    assert _call(aws, aws.token(aud="someone-else", client_id=audience)) == UNAUTHORIZED
    assert _call(aws, aws.token(aud=None, client_id="someone-else")) == UNAUTHORIZED
    assert _call(aws, aws.token(aud=None)) == UNAUTHORIZED


@pytest.mark.parametrize(
    ("case", "claims"),
    [
        ("wrong issuer", {"iss": "https://elsewhere.example.com"}),
        ("no issuer", {"iss": None}),
        ("expired", {"exp": -5}),
        ("no exp", {"exp": None}),
        ("not yet valid", {"nbf": 600}),
        ("issued in the future", {"iat": 600}),
    ],
)
def test_claims_api_gateway_checks(aws: RunningAws, case: str, claims: dict):
    """Time claims are offsets from now, taken when the test runs (not when it was collected: a
    suite longer than ten minutes made the "+600 s" cases valid by the time they ran)."""
    now = int(time.time())
    at_run = {name: now + value if name in ("exp", "nbf", "iat") and value is not None else value
              for name, value in claims.items()}
    status, body = _call(aws, aws.token(**at_run))
    assert (status, body) == UNAUTHORIZED, case


def test_signature_kid_and_algorithm_are_checked(aws: RunningAws):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _call(aws, aws.token(key=stranger)) == UNAUTHORIZED  # right kid, wrong key
    assert _call(aws, aws.token(kid="unknown-kid")) == UNAUTHORIZED
    now = int(time.time())
    claims = {"sub": "u", "iss": aws.settings.jwt_issuer, "aud": aws.settings.jwt_audience, "exp": now + 60}
    hmac = jwt.encode(claims, "secret-of-32-bytes-or-more-000000", algorithm="HS256", headers={"kid": "brickguard-dev"})
    assert _call(aws, hmac) == UNAUTHORIZED  # RSA only
    assert _call(aws, "not.a.jwt") == UNAUTHORIZED


def test_the_cookie_is_not_an_identity_source_and_health_is_public(aws: RunningAws):
    token = aws.token()
    assert _call(aws, Cookie=f"token={token}") == UNAUTHORIZED
    assert aws.get("/health").status_code == 200  # no token needed on the public route


def test_a_rejection_is_api_gateways_answer_with_www_authenticate(aws: RunningAws):
    reply = aws.get("/echo", headers={"Authorization": f"Bearer {aws.token(aud='someone-else')}"})
    assert reply.status_code == 401 and reply.json() == {"message": "Unauthorized"}
    assert reply.headers["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"'
    )
    assert "error" not in reply.json()  # not the function's envelope
