"""Path parameters arrive percent-decoded, as API Gateway HTTP APIs hand them on, on every entry point.

A user whose ``sub`` needs encoding in a URL (a space, ``:``, non-ASCII) reads and changes their own
profile on the handler in-process, on express and on serverless alike; the 255-character limit on an
id counts the decoded characters, not the encoded bytes. The users are in the session's Cognito pool
(moto takes these usernames; AWS would refuse a space or more than 128 characters, see
docs/local-aws.md: there a ``sub`` is a UUID, so such ids only come from locally minted tokens).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from devstack.cognito import local_user_pool
from tests.support.helpers import assert_envelope

SUBS = {
    "space": "brick fan {}",
    "colon": "eu-west-1:{}",
    "non-ascii": "Zoë Würfel {}",
    "200 accented letters": "é" * 187 + "-{}",  # 200 characters decoded, 1,135 bytes encoded
}


@pytest.mark.parametrize("case", SUBS)
def test_a_user_whose_id_needs_encoding_reads_and_changes_their_own_profile(
    client, user, local_s3, user_pool_id, case
) -> None:
    sub = SUBS[case].format(user[-12:])
    local_user_pool.ensure_user(local_s3.endpoint, user_pool_id, sub)  # profiles live in the pool
    path = f"/api/users/{quote(sub, safe='')}"
    read = client.call("GET", path, user=sub)
    assert read.status == 200, read.text
    assert read.json["data"]["id"] == sub
    renamed = client.call("PATCH", path, json_body={"name": "Encoded"}, user=sub)
    assert renamed.status == 200, renamed.text
    assert renamed.json["data"]["name"] == "Encoded"


def test_the_id_limit_counts_decoded_characters(client, user) -> None:
    too_long = "é" * 256
    reply = client.call("GET", f"/api/users/{quote(too_long)}", user=user)
    error = assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert "id" in str(error.get("details", error["message"]))
