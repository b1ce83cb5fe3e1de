"""The user pool ``brickguard up`` runs when none is configured: moto's ``cognito-idp`` on loopback.

With ``COGNITO_USER_POOL_ID`` set (and ``COGNITO_ENDPOINT_URL`` for a non-AWS endpoint) ``up``
uses that pool and creates nothing. Otherwise it creates one on the moto server it already runs
for S3 (or on one of its own when S3 is real), with the demo user in it; ``brickguard token``
adds the user it signs for, so every token the local backends accept names a user of the pool.

The gap with AWS (docs/local-aws.md): a user is created with the API's user id (the token's
``sub``) as its username. In AWS, a pool whose users sign in with their email makes the username
the ``sub`` and the Admin calls take it; moto gives each user a random ``sub`` attribute of its
own, which the API never reads (the token's ``sub`` is the user id). moto keeps the pool in
memory: names and pictures set under one ``up`` are gone at the next, while PostgreSQL's rows stay.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

from devstack.s3 import local_s3
from runtime import config
from stack import function_environment as env

POOL_NAME = "lego-users-local"
REGION = "us-east-1"


def client(endpoint: str) -> Any:
    """A boto3 ``cognito-idp`` client of the moto server at ``endpoint``."""
    import boto3

    return boto3.client("cognito-idp", endpoint_url=endpoint, region_name=REGION, **local_s3.local_credentials())


def create_pool(endpoint: str) -> str:
    """A new user pool on the moto server at ``endpoint``; its id."""
    reply = client(endpoint).create_user_pool(PoolName=POOL_NAME)
    return str(reply["UserPool"]["Id"])


def ensure_user(
    endpoint: str, pool_id: str, user_id: str, *, email: str | None = None, name: str | None = None
) -> None:
    """Create ``user_id`` in the pool with these attributes, unless it is there already."""
    attributes = [{"Name": key, "Value": value} for key, value in (("email", email), ("name", name)) if value]
    pool = client(endpoint)
    try:
        pool.admin_create_user(
            UserPoolId=pool_id, Username=user_id, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
    except pool.exceptions.UsernameExistsException:
        return


def start(stack: contextlib.ExitStack, settings: config.Settings, data_dir: Path, demo_user: str) -> config.Settings:
    """``settings`` naming a fresh local pool holding ``demo_user``, unless a pool is configured."""
    if settings.cognito_user_pool_id:
        return settings
    shared = settings.s3_bucket == local_s3.LOCAL_BUCKET and settings.s3_endpoint_url
    endpoint = settings.s3_endpoint_url if shared else local_s3.start_moto(stack, data_dir, "cognito.log")
    assert endpoint is not None
    pool_id = create_pool(endpoint)
    ensure_user(endpoint, pool_id, demo_user, email=f"{demo_user}@example.com", name="Demo User")
    return dataclasses.replace(settings, cognito_user_pool_id=pool_id, cognito_endpoint_url=endpoint)


def environment(settings: config.Settings) -> dict[str, str]:
    """What a Lambda environment needs to reach the pool."""
    variables = {
        env.COGNITO_USER_POOL_ID: settings.cognito_user_pool_id or "",
        env.COGNITO_ENDPOINT_URL: settings.cognito_endpoint_url or "",
    }
    return {name: value for name, value in variables.items() if value}
