"""Both backends run side by side with separate cache key spaces; a write through either invalidates both."""

from __future__ import annotations

from tests.support.helpers import moc_body


def _title(client, moc_id: str, user: str) -> str:
    reply = client.call("GET", f"/api/mocs/{moc_id}", user=user)
    assert reply.status == 200, reply.text
    return reply.json["data"]["title"]


def test_a_write_through_either_backend_invalidates_the_other_backends_cache(express_client, serverless_client, user):
    created = express_client.call("POST", "/api/mocs", json_body=moc_body("first"), user=user)
    assert created.status == 201, created.text
    moc_id = created.json["data"]["id"]
    for client in (express_client, serverless_client):  # each backend caches the detail in its key space
        assert _title(client, moc_id, user) == "first"
        assert _title(client, moc_id, user) == "first"

    patched = express_client.call("PATCH", f"/api/mocs/{moc_id}", json_body={"title": "via express"}, user=user)
    assert patched.status == 200, patched.text
    assert _title(serverless_client, moc_id, user) == "via express"

    patched = serverless_client.call("PATCH", f"/api/mocs/{moc_id}", json_body={"title": "via serverless"}, user=user)
    assert patched.status == 200, patched.text
    assert _title(express_client, moc_id, user) == "via serverless"
