"""Database credentials per connection: IAM tokens and secrets from a moto server, used by a real
PostgreSQL that demands a password (scram-sha-256 on TCP)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from api.dependencies import Dependencies
from devstack.embedded import EmbeddedPostgres
from guards.db_credentials import CredentialsError, IamAuthToken, SecretPassword, from_environment
from runtime.config import Settings

REGION = "eu-west-1"


def test_iam_token_is_a_signed_connect_request_for_the_proxy_user(moto_endpoint: str) -> None:
    provider = IamAuthToken("proxy.example.internal", 5432, "lego_api", REGION,
                            client_factory=lambda: boto3.client("rds", region_name=REGION, endpoint_url=moto_endpoint))
    token = provider.password()
    parts = urlsplit(f"https://{token}")
    query = parse_qs(parts.query)
    assert (parts.hostname, parts.port) == ("proxy.example.internal", 5432)
    assert query["Action"] == ["connect"] and query["DBUser"] == ["lego_api"]
    assert query["X-Amz-Expires"] == ["900"] and query["X-Amz-Signature"][0]
    assert f"/{REGION}/rds-db/aws4_request" in query["X-Amz-Credential"][0]


def test_secret_password_is_read_cached_and_rotated_after_the_ttl(moto_endpoint: str) -> None:
    secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=moto_endpoint)
    arn = secrets.create_secret(Name="lego-db", SecretString=json.dumps({"username": "u", "password": "one"}))["ARN"]
    now = [0.0]
    provider = SecretPassword(arn, REGION, client_factory=lambda: secrets, ttl_s=300, clock=lambda: now[0])
    assert provider.password() == "one"
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "u", "password": "two"}))
    now[0] = 299
    assert provider.password() == "one"
    now[0] = 301
    assert provider.password() == "two"
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "u"}))
    now[0] = 700
    with pytest.raises(CredentialsError, match="without a string 'password'"):
        provider.password()


def test_environment_picks_the_provider_and_rejects_incomplete_settings() -> None:
    url = "postgresql://lego_api@proxy.example.internal:6543/lego"
    assert from_environment(url, {}) is None
    iam = from_environment(url, {"BRICKGUARD_DB_AUTH": "iam", "AWS_REGION": REGION})
    assert isinstance(iam, IamAuthToken) and (iam.host, iam.port, iam.user, iam.region) == (
        "proxy.example.internal", 6543, "lego_api", REGION)
    secret = from_environment(url, {"BRICKGUARD_DB_AUTH": "secret", "BRICKGUARD_DB_SECRET_ARN": "arn:x"})
    assert isinstance(secret, SecretPassword) and secret.secret_arn == "arn:x"
    with pytest.raises(CredentialsError, match="needs BRICKGUARD_DB_SECRET_ARN"):
        from_environment(url, {"BRICKGUARD_DB_AUTH": "secret"})
    with pytest.raises(CredentialsError, match="must be one of"):
        from_environment(url, {"BRICKGUARD_DB_AUTH": "kerberos"})
    with pytest.raises(CredentialsError, match="needs a user and a host"):
        from_environment("postgresql://proxy.example.internal/lego", {"BRICKGUARD_DB_AUTH": "iam"})


@pytest.fixture
def password_postgres(dedicated_postgres: Callable[..., EmbeddedPostgres]) -> EmbeddedPostgres:
    """A PostgreSQL whose TCP logins (except the superuser's) need a scram-sha-256 password."""
    server = dedicated_postgres()
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text("local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
                   "host all all 127.0.0.1/32 scram-sha-256\n")
    with create_engine(server.url.replace("postgresql://", "postgresql+psycopg://")).connect() as conn:
        conn.execute(text("CREATE ROLE lego_api LOGIN PASSWORD 'first-token'"))
        conn.execute(text("SELECT pg_reload_conf()"))
        conn.commit()
    return server


class Rotating:
    """Hands out whatever password is current, counting the connections that asked."""

    def __init__(self, current: str) -> None:
        self.current = current
        self.calls = 0

    def password(self) -> str:
        self.calls += 1
        return self.current


def _engine(server: EmbeddedPostgres, monkeypatch: pytest.MonkeyPatch, provider: Rotating | None) -> Any:
    """The engine the API builds (``Dependencies.database``), with or without a provider."""
    from guards import db_credentials

    if provider is None:
        monkeypatch.delenv("BRICKGUARD_DB_AUTH", raising=False)
    else:
        monkeypatch.setenv("BRICKGUARD_DB_AUTH", "secret")
        monkeypatch.setenv("BRICKGUARD_DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db")
        monkeypatch.setattr(db_credentials, "SecretPassword", lambda arn, region: provider)
    url = server.url.replace("postgresql://postgres@", "postgresql://lego_api@")
    return Dependencies(Settings(database_url=url, tracing="off")).database.engine


def test_each_new_connection_uses_the_password_the_hook_supplies_then(
    password_postgres: EmbeddedPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(OperationalError, match="password"):
        _engine(password_postgres, monkeypatch, None).connect().close()  # no provider: the server refuses
    provider = Rotating("first-token")
    engine = _engine(password_postgres, monkeypatch, provider)
    held = engine.connect()
    assert held.execute(text("SELECT current_user")).scalar() == "lego_api"
    with create_engine(password_postgres.url.replace("postgresql://", "postgresql+psycopg://")).connect() as admin:
        admin.execute(text("ALTER ROLE lego_api PASSWORD 'second-token'"))
        admin.commit()
    provider.current = "second-token"
    with engine.connect() as fresh:  # a second pool connection: asks again, gets the new password
        assert fresh.execute(text("SELECT 1")).scalar() == 1
    assert held.execute(text("SELECT 2")).scalar() == 2  # an open connection is not affected
    held.close()
    assert provider.calls == 2
    provider.current = "first-token"  # stale: the server refuses it
    engine.dispose()
    with pytest.raises(OperationalError, match="password authentication failed"):
        engine.connect().close()
    engine.dispose()
