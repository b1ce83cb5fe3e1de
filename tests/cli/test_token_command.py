"""``brickguard token`` signs for a user of the running ``up``'s user pool: it adds the user first."""

from __future__ import annotations

import jwt
from click.testing import CliRunner

from cli import running
from cli.token import token
from devstack.cognito import local_user_pool
from tests.conftest import LocalS3


def test_token_adds_the_user_to_the_running_ups_pool_and_signs_for_it(local_s3: LocalS3, tmp_path) -> None:
    pool_id = local_user_pool.create_pool(local_s3.endpoint)
    running.announce(  # what a running `up` records for its data directory (this process stands in for it)
        tmp_path, "127.0.0.1", 9000, cognito_endpoint=local_s3.endpoint, cognito_user_pool=pool_id
    )
    result = CliRunner().invoke(
        token, ["--sub", "brick-fan", "--email", "fan@example.com", "--name", "Brick Fan", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert jwt.decode(result.output.strip(), options={"verify_signature": False})["sub"] == "brick-fan"
    user = local_user_pool.client(local_s3.endpoint).admin_get_user(UserPoolId=pool_id, Username="brick-fan")
    attributes = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    assert (attributes["email"], attributes["name"]) == ("fan@example.com", "Brick Fan")


def test_token_for_an_existing_user_leaves_it_as_it_is(local_s3: LocalS3, tmp_path) -> None:
    pool_id = local_user_pool.create_pool(local_s3.endpoint)
    local_user_pool.ensure_user(local_s3.endpoint, pool_id, "known", email="known@example.com", name="Known")
    running.announce(tmp_path, "127.0.0.1", 9000, cognito_endpoint=local_s3.endpoint, cognito_user_pool=pool_id)
    result = CliRunner().invoke(token, ["--sub", "known", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    user = local_user_pool.client(local_s3.endpoint).admin_get_user(UserPoolId=pool_id, Username="known")
    assert {item["Name"]: item["Value"] for item in user["UserAttributes"]}["name"] == "Known"
