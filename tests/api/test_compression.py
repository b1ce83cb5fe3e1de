"""Large answers are gzip-compressed for clients that take gzip, on the three entry points.

The handler compresses (API Gateway HTTP APIs do not): express sends the handler's bytes, the
local gateway decodes the base64 body as API Gateway does, and requests (the HTTP clients here)
inflates them, so the JSON read back is the whole answer.
"""

from __future__ import annotations

import base64
import gzip
import json

import pytest
import requests

from runtime.compression import MIN_BYTES

ITEMS = 12  # each item with a 200-character description: well over MIN_BYTES


def _big_wishlist(client, user) -> None:
    for n in range(ITEMS):
        body = {"title": f"Wish {n}", "description": "brick " * 33}
        assert client.call("POST", "/api/wishlist", json_body=body, user=user).status == 201


def _raw(client, path: str, user: str, accept_encoding: str) -> tuple[dict[str, str], bytes]:
    """Headers and the bytes on the wire (before any inflating)."""
    if client.name == "lambda":
        reply = client.call("GET", path, user=user, headers={"Accept-Encoding": accept_encoding})
        data = reply.text.encode()
        return reply.headers, base64.b64decode(data) if reply.headers.get("content-encoding") else data
    headers = {"Authorization": f"Bearer {client.token(user)}", "Accept-Encoding": accept_encoding}
    response = requests.get(client.base_url + path, headers=headers, timeout=30, stream=True)
    return {k.lower(): v for k, v in response.headers.items()}, response.raw.read()


def test_a_large_answer_is_gzipped_for_a_client_that_takes_gzip(client, user) -> None:
    _big_wishlist(client, user)
    headers, wire = _raw(client, "/api/wishlist", user, "gzip, deflate")
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    document = json.loads(gzip.decompress(wire))
    assert document["total"] == ITEMS and len(wire) < len(json.dumps(document)) / 3


@pytest.mark.parametrize("accept_encoding", ["identity", "gzip;q=0", "br"])
def test_a_client_that_does_not_take_gzip_gets_the_plain_answer(client, user, accept_encoding) -> None:
    _big_wishlist(client, user)
    headers, wire = _raw(client, "/api/wishlist", user, accept_encoding)
    assert "content-encoding" not in headers
    assert json.loads(wire)["total"] == ITEMS and len(wire) >= MIN_BYTES


def test_a_small_answer_is_not_compressed(client, user) -> None:
    headers, wire = _raw(client, "/api/wishlist", user, "gzip")
    assert "content-encoding" not in headers and json.loads(wire)["total"] == 0
