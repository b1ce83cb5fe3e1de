"""Production mode: tokens validated against a user pool's JWKS (issuer, audience, JWKS URL from config)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from runtime.config import Settings
from runtime.edge import authorizer
from runtime.edge.authorizer import Rejected

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST"
AUDIENCE = "app-client-id"


@pytest.fixture(scope="module")
def pool_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(pool_key):
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(pool_key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "pool-key-1", "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def _token(key, **overrides):
    claims = {"sub": "cognito-user", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300, **overrides}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "pool-key-1"})


def test_pool_tokens_are_accepted_and_others_rejected(jwks_url, pool_key, tmp_path):
    checker = authorizer.from_settings(
        Settings(jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_jwks_url=jwks_url, data_dir=str(tmp_path))
    )
    assert checker.authorize(f"Bearer {_token(pool_key)}").claims["sub"] == "cognito-user"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for bad in (_token(other), _token(pool_key, aud="other-client"), _token(pool_key, iss="https://evil"),
                _token(pool_key, exp=int(time.time()) - 5)):
        with pytest.raises(Rejected):
            checker.authorize(f"Bearer {bad}")
    assert not (tmp_path / "dev-jwt-key.pem").exists()  # no local key in JWKS mode
