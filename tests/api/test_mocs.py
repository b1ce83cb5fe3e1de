"""MOC routes through both entry points: CRUD, scoping, conflicts, search, paging."""

from __future__ import annotations

import uuid

from tests.support.helpers import assert_envelope, moc_body


def test_create_list_get_update_delete(client, user):
    created = client.call("POST", "/api/mocs", json_body=moc_body("Castle", tags=["castle"]), user=user)
    assert created.status == 201, created.text
    moc = created.json["data"]
    assert moc["title"] == "Castle" and moc["userId"] == user and moc["tags"] == ["castle"]

    listed = client.call("GET", "/api/mocs", user=user).json
    assert listed["success"] is True and listed["total"] == 1 and listed["page"] == 1
    assert [item["id"] for item in listed["data"]] == [moc["id"]]

    detail = client.call("GET", f"/api/mocs/{moc['id']}", user=user).json["data"]
    assert detail["files"] == [] and detail["images"] == [] and detail["partsLists"] == []

    patched = client.call("PATCH", f"/api/mocs/{moc['id']}", json_body={"title": "Castle II"}, user=user)
    assert patched.status == 200 and patched.json["data"]["title"] == "Castle II"
    assert client.call("GET", f"/api/mocs/{moc['id']}", user=user).json["data"]["title"] == "Castle II"

    assert client.call("DELETE", f"/api/mocs/{moc['id']}", user=user).status == 200
    assert_envelope(client.call("GET", f"/api/mocs/{moc['id']}", user=user), 404, "NOT_FOUND")


def test_duplicate_title_is_conflict_per_user(client, user):
    assert client.call("POST", "/api/mocs", json_body=moc_body("Same"), user=user).status == 201
    assert_envelope(client.call("POST", "/api/mocs", json_body=moc_body("Same"), user=user), 409, "CONFLICT")
    other = f"{user}-other"
    assert client.call("POST", "/api/mocs", json_body=moc_body("Same"), user=other).status == 201


def test_patch_to_existing_title_is_conflict(client, user):
    client.call("POST", "/api/mocs", json_body=moc_body("First"), user=user)
    second = client.call("POST", "/api/mocs", json_body=moc_body("Second"), user=user).json["data"]
    reply = client.call("PATCH", f"/api/mocs/{second['id']}", json_body={"title": "First"}, user=user)
    assert_envelope(reply, 409, "CONFLICT")


def test_other_users_moc_is_not_found(client, user):
    moc = client.call("POST", "/api/mocs", json_body=moc_body("Private"), user=user).json["data"]
    intruder = f"{user}-intruder"
    for method, body in (("GET", None), ("PATCH", {"title": "Mine now"}), ("DELETE", None)):
        reply = client.call(method, f"/api/mocs/{moc['id']}", json_body=body, user=intruder)
        assert_envelope(reply, 404, "NOT_FOUND")
    assert client.call("GET", "/api/mocs", user=intruder).json["total"] == 0
    assert client.call("GET", f"/api/mocs/{moc['id']}", user=user).json["data"]["title"] == "Private"


def test_type_rules_moc_needs_author_set_needs_brand(client, user):
    assert_envelope(client.call("POST", "/api/mocs", json_body={"type": "moc", "title": "x"}, user=user),
                    400, "VALIDATION_ERROR")
    assert_envelope(client.call("POST", "/api/mocs", json_body={"type": "set", "title": "y"}, user=user),
                    400, "VALIDATION_ERROR")
    made = client.call("POST", "/api/mocs", json_body={"type": "set", "title": "y", "brand": "LEGO"}, user=user)
    assert made.status == 201
    reply = client.call("PATCH", f"/api/mocs/{made.json['data']['id']}", json_body={"type": "moc"}, user=user)
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_search_matches_wildcards_literally(client, user):
    for title in ("100% Bricks", "100 Bricks", "snake_case tower", "snakeXcase tower", "back\\slash", "backslash"):
        assert client.call("POST", "/api/mocs", json_body=moc_body(title), user=user).status == 201

    def titles(term: str) -> set[str]:
        from urllib.parse import quote

        reply = client.call("GET", f"/api/mocs?search={quote(term)}", user=user)
        assert reply.status == 200, reply.text
        return {item["title"] for item in reply.json["data"]}

    assert titles("100%") == {"100% Bricks"}
    assert titles("snake_case") == {"snake_case tower"}
    assert titles("back\\") == {"back\\slash"}
    assert titles("BRICKS") == {"100% Bricks", "100 Bricks"}


def test_tag_filter_and_paging(client, user):
    for n in range(5):
        tags = ["even"] if n % 2 == 0 else ["odd"]
        client.call("POST", "/api/mocs", json_body=moc_body(f"Build {n}", tags=tags), user=user)
    evens = client.call("GET", "/api/mocs?tag=even", user=user).json
    assert evens["total"] == 3 and all(item["tags"] == ["even"] for item in evens["data"])
    page2 = client.call("GET", "/api/mocs?page=2&limit=2", user=user).json
    assert page2["total"] == 5 and page2["page"] == 2 and len(page2["data"]) == 2
    page1 = client.call("GET", "/api/mocs?page=1&limit=2", user=user).json
    assert not {i["id"] for i in page1["data"]} & {i["id"] for i in page2["data"]}


def test_unknown_moc_id_is_not_found(client, user):
    assert_envelope(client.call("GET", f"/api/mocs/{uuid.uuid4()}", user=user), 404, "NOT_FOUND")
