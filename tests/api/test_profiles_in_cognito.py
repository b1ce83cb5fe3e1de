"""Profiles live in the Cognito user pool (moto's ``cognito-idp``); stats stay in PostgreSQL.

On the three entry points, a name or picture written through the API is the pool's attribute
and one set in the pool is what the API answers. A stopped moto server (a real outage: the
process is gone, connections refused) degrades the read to the token's identity, named in
``meta.identitySource``, and makes a write a 503: never a 500. So does a pool that does not exist
(``COGNITO_USER_POOL_ID`` naming no pool); a user id Cognito refuses as a username reads from the
token and is a 400 on a write.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.adapters.user_pool import InvalidUsername, UserPool, UserPoolUnavailable
from api.composition import build_handlers
from api.dependencies import Dependencies
from api.services import profile
from devstack.cognito import local_user_pool
from devstack.s3 import local_s3 as local_s3_server
from runtime import config
from runtime.errors import ValidationError
from tests.conftest import LocalS3
from tests.support.clients import LambdaClient
from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import RED, png, upload


def _pool_attributes(local_s3: LocalS3, pool_id: str, user: str) -> dict[str, str]:
    reply = local_user_pool.client(local_s3.endpoint).admin_get_user(UserPoolId=pool_id, Username=user)
    return {item["Name"]: item["Value"] for item in reply["UserAttributes"]}


def test_a_name_written_through_the_api_is_the_pools_attribute(client, user, local_s3, user_pool_id) -> None:
    renamed = client.call("PATCH", f"/api/users/{user}", json_body={"name": "Brick Fan"}, user=user)
    assert renamed.status == 200, renamed.text
    assert renamed.json["data"]["name"] == "Brick Fan" and renamed.json["meta"] == {"identitySource": "cognito"}
    assert _pool_attributes(local_s3, user_pool_id, user)["name"] == "Brick Fan"


def test_the_profile_is_read_from_the_pool_with_stats_from_postgresql(client, user, local_s3, user_pool_id) -> None:
    local_user_pool.client(local_s3.endpoint).admin_update_user_attributes(
        UserPoolId=user_pool_id, Username=user,
        UserAttributes=[{"Name": "name", "Value": "Set In Cognito"}, {"Name": "picture", "Value": "https://x/p.webp"}],
    )
    assert client.call("POST", "/api/mocs", json_body=moc_body("Counted"), user=user).status == 201
    reply = client.call("GET", f"/api/users/{user}", user=user)
    assert reply.status == 200, reply.text
    profile = reply.json["data"]
    assert (profile["sub"], profile["id"], profile["email"]) == (user, user, f"{user}@example.com")
    assert (profile["name"], profile["picture"]) == ("Set In Cognito", "https://x/p.webp")  # not the token's name
    assert profile["stats"] == {"totalMOCs": 1, "totalImages": 0, "totalWishlistItems": 0}
    assert reply.json["meta"] == {"identitySource": "cognito"}


def test_an_avatar_upload_sets_the_pools_picture_and_removing_it_clears_it(client, user, local_s3, user_pool_id):
    reply = upload(client, f"/api/users/{user}/avatar", user, {}, [("file", "a.png", png(64, 64, RED), "image/png")])
    assert reply.status == 200, reply.text
    picture = reply.json["data"]["picture"]
    assert f"avatars/{user}/avatar.webp" in picture
    assert _pool_attributes(local_s3, user_pool_id, user)["picture"] == picture
    removed = client.call("DELETE", f"/api/users/{user}/avatar", user=user)
    assert removed.status == 200 and "picture" not in removed.json["data"]
    assert "picture" not in _pool_attributes(local_s3, user_pool_id, user)


@pytest.fixture
def stoppable_pool(tmp_path: Path) -> Iterator[tuple[str, str, Any]]:
    """A moto server process of this test's own with a pool: ``(endpoint, pool id, process)``."""
    with contextlib.ExitStack() as stack:
        endpoint = local_s3_server.start_moto(stack, tmp_path, "cognito.log")
        yield endpoint, local_user_pool.create_pool(endpoint), _moto_process(endpoint)


def _moto_process(endpoint: str) -> Any:
    """The moto server process listening at ``endpoint`` (started by ``start_moto`` as a child of this one)."""
    import psutil

    port = endpoint.rsplit(":", 1)[1]
    for child in psutil.Process().children():
        if "moto.server" in child.cmdline() and port in child.cmdline():
            return child
    raise AssertionError(f"no moto server child listens on {port}")


def test_a_stopped_user_pool_degrades_reads_to_the_token_and_makes_writes_a_503(
    api_settings: config.Settings, stoppable_pool: tuple[str, str, Any], user: str
) -> None:
    endpoint, pool_id, process = stoppable_pool
    local_user_pool.ensure_user(endpoint, pool_id, user, email=f"{user}@example.com", name="From Cognito")
    deps = Dependencies(dataclasses.replace(api_settings, cognito_user_pool_id=pool_id, cognito_endpoint_url=endpoint))
    client = LambdaClient(build_handlers(deps))
    claims = {"sub": user, "email": f"{user}@example.com", "name": "From The Token"}
    before = client.call("GET", f"/api/users/{user}", claims=claims)
    assert before.status == 200 and before.json["data"]["name"] == "From Cognito"

    process.terminate()  # a real outage: the server is gone, its port refuses
    process.wait(timeout=10)

    for _ in range(8):  # enough failures to open the cognito breaker
        degraded = client.call("GET", f"/api/users/{user}", claims=claims)
        assert degraded.status == 200, degraded.text
        assert degraded.json["meta"] == {"identitySource": "token"}
        assert degraded.json["data"]["name"] == "From The Token" and "picture" not in degraded.json["data"]
        assert degraded.json["data"]["stats"]["totalMOCs"] == 0
    assert deps.breakers["cognito"].state == "open"
    refused = client.call("PATCH", f"/api/users/{user}", json_body={"name": "Nope"}, claims=claims)
    assert_envelope(refused, 503, "SERVICE_UNAVAILABLE")
    assert {name.lower(): value for name, value in refused.headers.items()}["retry-after"]
    deps.database.dispose()


def test_the_session_pool_survives_a_fresh_in_process_moto_server(local_s3, user_pool_id, moto_endpoint) -> None:
    """The stack tests reset their in-process moto server; the session's pool is in a process of its own."""
    pool = local_user_pool.client(local_s3.endpoint).describe_user_pool(UserPoolId=user_pool_id)
    assert pool["UserPool"]["Id"] == user_pool_id


@pytest.fixture
def pool_named(api_settings: config.Settings) -> Iterator[Any]:
    """Factory: handlers whose settings name this pool id on the session's moto server; disposed after."""
    made: list[Dependencies] = []

    def build(pool_id: str) -> tuple[LambdaClient, Dependencies]:
        deps = Dependencies(dataclasses.replace(api_settings, cognito_user_pool_id=pool_id))
        made.append(deps)
        return LambdaClient(build_handlers(deps)), deps

    yield build
    for deps in made:
        deps.database.dispose()


def test_a_pool_that_does_not_exist_degrades_reads_and_makes_writes_a_503_naming_cognito(
    pool_named: Any, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = pool_named("us-east-1_NoSuchPool")  # moto answers ResourceNotFoundException, as AWS does
    claims = {"sub": user, "email": f"{user}@example.com", "name": "From The Token"}
    read = client.call("GET", f"/api/users/{user}", claims=claims)
    assert read.status == 200, read.text
    assert read.json["meta"] == {"identitySource": "token"} and read.json["data"]["name"] == "From The Token"
    refused = client.call("PATCH", f"/api/users/{user}", json_body={"name": "Nope"}, claims=claims)
    error = assert_envelope(refused, 503, "SERVICE_UNAVAILABLE")
    assert error["details"] == {"dependency": "cognito"} and int(refused.headers["retry-after"]) >= 1
    assert "us-east-1_NoSuchPool does not exist: check COGNITO_USER_POOL_ID" in caplog.text  # the operator's clue


def test_a_user_id_cognito_refuses_as_a_username_reads_from_the_token_and_is_a_400_on_a_write(
    api_dependencies: Dependencies
) -> None:
    """botocore refuses an empty username itself; Cognito answers ``InvalidParameterException`` for one
    outside its rules (moto takes any: the replayed answers below), and both are the same verdict."""
    pool = api_dependencies.user_pool
    with pytest.raises(InvalidUsername):
        pool.attributes("")
    assert profile.identity(pool, "", {"email": "e@example.com"}) == (
        {"sub": "", "email": "e@example.com"}, profile.FROM_TOKEN)
    with pytest.raises(ValidationError, match="cannot be a user pool username"):
        profile.update_attributes(pool, "", {"name": "Nope"})


CONSTRAINT = "1 validation error detected: Value {} failed to satisfy constraint: Member must satisfy regular " \
             "expression pattern: {}"
"""Cognito's ``InvalidParameterException`` message for a parameter outside its rules."""


@pytest.mark.parametrize(("message", "verdict"), [
    (CONSTRAINT.format("at 'username'", "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"), InvalidUsername),
    (CONSTRAINT.format("'YOUR_USER_POOL_ID' at 'userPoolId'", "[\\w-]+_[0-9a-zA-Z]+"), UserPoolUnavailable),
], ids=["username", "pool id"])
def test_cognitos_invalid_parameter_answers_are_an_invalid_username_or_no_pool(
    api_settings: config.Settings, message: str, verdict: type[Exception]
) -> None:
    """AWS's answers (a space in the username; a pool id that is no id) that moto does not give (docs/local-aws.md)."""
    from botocore.stub import Stubber

    from guards.breaker_registry import BreakerRegistry

    registry = BreakerRegistry()
    pool = UserPool(api_settings, lambda: registry["cognito"])
    with Stubber(pool.client) as stub:
        stub.add_client_error("admin_get_user", "InvalidParameterException", message, http_status_code=400)
        with pytest.raises(verdict):
            pool.attributes("brick fan")
    assert registry["cognito"].state == "closed"  # a misconfiguration or the caller's input, not an outage
