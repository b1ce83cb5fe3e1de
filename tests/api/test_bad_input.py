"""Bad input gets the error envelope with the right 4xx — never a 500, never a stack trace."""

from __future__ import annotations

import json

import pytest

from tests.support.helpers import assert_envelope, assert_refused, moc_body

VALIDATION_CASES = [
    ("POST", "/api/mocs", '{"type": "moc", "title": ', "malformed JSON"),
    ("POST", "/api/mocs", json.dumps({"type": "moc", "title": 42, "author": "a"}), "wrong type"),
    ("POST", "/api/mocs", json.dumps({"type": "spaceship", "title": "t", "author": "a"}), "unknown enum"),
    ("POST", "/api/mocs", json.dumps(moc_body("t" * 201)), "over-long title"),
    ("POST", "/api/mocs", json.dumps({**moc_body("t"), "tags": ["x" * 51]}), "over-long tag"),
    ("POST", "/api/mocs", json.dumps({**moc_body("t"), "surprise": 1}), "unknown field"),
    ("POST", "/api/mocs", "[1, 2, 3]", "array instead of object"),
    ("GET", "/api/mocs?page=-1", None, "negative page"),
    ("GET", "/api/mocs?page=0", None, "zero page"),
    ("GET", "/api/mocs?limit=0", None, "zero limit"),
    ("GET", "/api/mocs?limit=101", None, "limit over 100"),
    ("GET", "/api/mocs?limit=99999999999999999999999", None, "huge limit"),
    ("GET", "/api/mocs?page=abc", None, "non-numeric page"),
    ("GET", "/api/mocs/not-a-uuid", None, "non-UUID id"),
    ("PATCH", "/api/wishlist/123", json.dumps({"title": "x"}), "non-UUID id on patch"),
    ("POST", "/api/wishlist/reorder", json.dumps({"itemIds": ["nope"]}), "non-UUID in list"),
    ("POST", "/api/wishlist", json.dumps({"title": "x", "sortOrder": -5}), "negative sortOrder"),
    ("PATCH", "/api/users/user-a", json.dumps({"name": ""}), "empty name"),
]


@pytest.mark.parametrize(("method", "path", "body", "why"), VALIDATION_CASES, ids=[c[3] for c in VALIDATION_CASES])
def test_validation_errors_are_400(client, method, path, body, why):
    reply = client.call(method, path, raw_body=body, user="user-a")
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_validation_details_name_the_field_without_echoing_input(client):
    secret = "s3cr3t-value-" + "x" * 300
    reply = client.call("POST", "/api/mocs", json_body=moc_body(secret), user="user-a")
    error = assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert any(detail["field"] == "title" for detail in error["details"])
    assert secret not in reply.text


def test_body_over_10_mb_is_413(client):
    big = json.dumps({**moc_body("big"), "description": "x" * (10 * 1024 * 1024 + 10)})
    assert_refused(client, client.call("POST", "/api/mocs", raw_body=big, user="user-a"), 413, "PAYLOAD_TOO_LARGE")


def test_unknown_route_is_404_and_wrong_method_is_405(client):
    assert_refused(client, client.call("GET", "/api/nothing-here", user="user-a"), 404, "NOT_FOUND")
    assert_refused(client, client.call("GET", "/api/mocs/extra/segments", user="user-a"), 404, "NOT_FOUND")
    reply = client.call("PUT", "/api/mocs", raw_body="{}", user="user-a")
    if assert_refused(client, reply, 405, "METHOD_NOT_ALLOWED") is not None:
        assert set(reply.headers["allow"].split(", ")) == {"GET", "POST"}


def test_missing_sub_claim_is_401(lambda_client):
    reply = lambda_client.call("GET", "/api/mocs", user=None, claims={"email": "nobody@example.com"})
    assert_envelope(reply, 401, "UNAUTHORIZED")
    assert_envelope(lambda_client.call("GET", "/api/mocs", user=None), 401, "UNAUTHORIZED")


def test_a_body_that_is_not_json_is_415_in_the_envelope(client):
    reply = client.call("POST", "/api/mocs", raw_body="title=x", headers={"Content-Type": "text/plain"})
    assert_envelope(reply, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "text/json"],
)
def test_only_json_bodies_are_taken(client, content_type):
    reply = client.call("POST", "/api/mocs", raw_body="title=x", headers={"Content-Type": content_type})
    assert_envelope(reply, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_an_undeclared_query_parameter_is_400(client):
    error = assert_envelope(client.call("GET", "/api/wishlist?categry=sets"), 400, "VALIDATION_ERROR")
    assert error["details"] == [{"field": "query.categry", "message": "Unknown query parameter"}]


def test_a_fixed_path_shadows_a_template_for_other_methods(client):
    reply = client.call("PATCH", "/api/wishlist/reorder", json_body={"itemIds": []})
    assert_envelope(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["allow"] == "POST"
