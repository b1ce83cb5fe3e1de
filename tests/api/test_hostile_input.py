"""Hostile request data gets a 4xx in the envelope, through both entry points — never a 500.

Each case is a minimal reproducer from a hostile run against ``brickguard up``.
"""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from tests.support.clients import FakeLambdaContext, v2_event
from tests.support.helpers import assert_envelope, moc_body

DEEP = "[" * 10_000 + "]" * 10_000
HUGE_INT = "1" + "0" * 5000

BAD_BODIES = [
    ("POST", "/api/mocs", json.dumps(moc_body("a\x00b")), "NUL in title"),
    ("POST", "/api/mocs", json.dumps({**moc_body("t"), "tags": ["ok", "n\x00l"]}), "NUL in a tag"),
    ("POST", "/api/wishlist", json.dumps({"title": "t", "description": "\x00"}), "NUL in description"),
    ("POST", "/api/albums", json.dumps({"title": "\x00"}), "NUL-only title"),
    ("POST", "/api/mocs", '{"type": "moc", "title": "\\ud800", "author": "a"}', "lone surrogate"),
    ("POST", "/api/mocs", DEEP, "JSON nested 10,000 deep"),
    ("POST", "/api/mocs", f'{{"type": "moc", "title": "t", "author": "a", "partsCount": {HUGE_INT}}}', "5,000 digits"),
    ("POST", "/api/mocs", '{"type": "moc", "title": "t", "author": "a", "partsCount": NaN}', "NaN"),
    ("POST", "/api/mocs", json.dumps({**moc_body("t"), "partsCount": "12"}), "number as string"),
    ("POST", "/api/mocs", json.dumps({**moc_body("t"), "partsCount": 12.5}), "fractional count"),
    ("POST", "/api/wishlist", json.dumps({"title": "t", "sortOrder": False}), "boolean as number"),
    ("POST", "/api/mocs", json.dumps({"type": "moc", "title": "t"}), "moc without author"),
    ("POST", "/api/mocs", json.dumps({"type": "set", "title": "t"}), "set without brand"),
    ("POST", "/api/mocs", json.dumps({**moc_body("t"), "title": "   "}), "blank title"),
    ("POST", "/api/images", "[null, null]", "array for an image"),
]


@pytest.mark.parametrize(("method", "path", "body", "why"), BAD_BODIES, ids=[case[3] for case in BAD_BODIES])
def test_hostile_bodies_are_400(client, method, path, body, why):
    assert_envelope(client.call(method, path, raw_body=body), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "path",
    ["/api/mocs?search=a%00b", "/api/mocs?tag=%00", "/api/wishlist?category=x%00", "/api/mocs?search=" + "s" * 201],
    ids=["NUL in search", "NUL in tag", "NUL in category", "search over 200"],
)
def test_hostile_filters_are_400(client, path):
    assert_envelope(client.call("GET", path), 400, "VALIDATION_ERROR")


def _create(client, user, path, body):
    reply = client.call("POST", path, json_body=body, user=user)
    assert reply.status == 201, reply.text
    return reply.json["data"]["id"]


@pytest.mark.parametrize(
    ("path", "create", "patch"),
    [
        ("/api/mocs", moc_body("t"), {"tags": None}),
        ("/api/mocs", moc_body("t"), {"type": None}),
        ("/api/images", {"title": "t", "imageUrl": "https://e.x/a.jpg"}, {"flagged": None}),
        ("/api/images", {"title": "t", "imageUrl": "https://e.x/a.jpg"}, {"tags": None}),
        ("/api/images", {"title": "t", "imageUrl": "https://e.x/a.jpg"}, {"flagged": "true"}),
        ("/api/wishlist", {"title": "t"}, {"sortOrder": None}),
    ],
    ids=["moc tags", "moc type", "image flagged", "image tags", "flagged as string", "wishlist sortOrder"],
)
def test_explicit_null_or_loose_type_for_a_not_null_field_is_400_and_changes_nothing(client, user, path, create, patch):
    item = _create(client, user, path, create)
    assert_envelope(client.call("PATCH", f"{path}/{item}", json_body=patch, user=user), 400, "VALIDATION_ERROR")
    assert client.call("GET", f"{path}/{item}", user=user).status == 200


def test_a_body_that_is_not_utf8_is_400_over_http(express_client):
    reply = express_client.call("POST", "/api/mocs", raw_body=b'{"type": "moc", "title": "\xff\xfe", "author": "a"}')
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_a_base64_body_that_is_not_utf8_is_400_in_lambda(lambda_client):
    event = v2_event("POST", "/api/mocs", body=base64.b64encode(b'{"title": "\xff"}').decode(), claims={"sub": "u"})
    event["isBase64Encoded"] = True
    response = lambda_client.handler("mocs")(event, FakeLambdaContext())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] == "VALIDATION_ERROR"


def test_a_search_term_is_matched_whole_not_cut(client, user):
    title = "x" * 150
    _create(client, user, "/api/mocs", moc_body(title))
    assert client.call("GET", f"/api/mocs?search={title}", user=user).json["total"] == 1
    assert client.call("GET", f"/api/mocs?search={'x' * 149}y", user=user).json["total"] == 0


def test_a_signed_token_of_100_kb_is_401(express_client, express_url, api_settings):
    from runtime.auth import mint_token

    token = mint_token(api_settings, sub="big", name="n" * 100_000)
    reply = express_client.call("GET", "/api/mocs", user=None, headers={"Authorization": f"Bearer {token}"})
    assert_envelope(reply, 401, "UNAUTHORIZED")


def test_a_user_id_with_a_colon_cannot_reach_another_users_cache_keys(lambda_client, local_s3, user_pool_id):
    from devstack.cognito import local_user_pool

    victim = f"vic{uuid.uuid4().hex[:8]}"
    local_user_pool.ensure_user(local_s3.endpoint, user_pool_id, victim)  # a user of the pool may change its name
    attacker = f"{victim}:gen"  # its profile key used to be the victim's profile generation counter
    for _ in range(2):
        assert lambda_client.call("GET", f"/api/users/{attacker}", user=attacker).status == 200
        assert lambda_client.call("GET", f"/api/users/{victim}", user=victim).status == 200
    reply = lambda_client.call("PATCH", f"/api/users/{victim}", json_body={"name": "Victim"}, user=victim)
    assert reply.status == 200, reply.text
    assert lambda_client.call("GET", f"/api/users/{victim}", user=victim).json["data"]["name"] == "Victim"


def test_a_generation_counter_holding_a_foreign_value_is_a_miss_not_a_500_nor_a_global_bypass(
    lambda_client, api_dependencies, redis_url
):
    import redis

    from api import cache_keys

    victim = f"vic{uuid.uuid4().hex[:8]}"
    redis.Redis.from_url(redis_url).set(cache_keys.profile_ns(victim) + ":gen", '{"g": 0, "v": {}}')
    for _ in range(2):
        assert lambda_client.call("GET", f"/api/users/{victim}", user=victim).status == 200
    assert api_dependencies.cache.trusted
