"""Gallery, wishlist and profile routes through both entry points."""

from __future__ import annotations

import uuid

from tests.support.helpers import assert_envelope, moc_body


def _image(client, user, title="Photo", **extra):
    body = {"title": title, "imageUrl": "https://example.com/a.jpg", **extra}
    reply = client.call("POST", "/api/images", json_body=body, user=user)
    assert reply.status == 201, reply.text
    return reply.json["data"]


def test_images_crud_and_scoping(client, user):
    image = _image(client, user, tags=["wip"])
    assert image["flagged"] is False and image["tags"] == ["wip"]
    listed = client.call("GET", "/api/images", user=user).json
    assert listed["total"] == 1 and listed["data"][0]["id"] == image["id"]
    patched = client.call("PATCH", f"/api/images/{image['id']}", json_body={"flagged": True}, user=user).json
    assert patched["data"]["flagged"] is True
    assert_envelope(client.call("GET", f"/api/images/{image['id']}", user=f"{user}-x"), 404, "NOT_FOUND")
    assert client.call("DELETE", f"/api/images/{image['id']}", user=user).status == 200
    assert_envelope(client.call("GET", f"/api/images/{image['id']}", user=user), 404, "NOT_FOUND")


def test_deleting_an_album_keeps_its_images(client, user):
    album = client.call("POST", "/api/albums", json_body={"title": "Trip"}, user=user).json["data"]
    image = _image(client, user, albumId=album["id"])
    detail = client.call("GET", f"/api/albums/{album['id']}", user=user).json["data"]
    assert [i["id"] for i in detail["images"]] == [image["id"]] and detail["imageCount"] == 1
    assert client.call("GET", "/api/albums", user=user).json["data"][0]["imageCount"] == 1
    assert client.call("DELETE", f"/api/albums/{album['id']}", user=user).status == 200
    kept = client.call("GET", f"/api/images/{image['id']}", user=user)
    assert kept.status == 200 and "albumId" not in kept.json["data"]


def test_cannot_file_an_image_into_another_users_album(client, user):
    album = client.call("POST", "/api/albums", json_body={"title": "Mine"}, user=user).json["data"]
    body = {"title": "Sneaky", "imageUrl": "https://example.com/b.jpg", "albumId": album["id"]}
    reply = client.call("POST", "/api/images", json_body=body, user=f"{user}-other")
    assert_envelope(reply, 404, "NOT_FOUND")  # the same answer as an album that does not exist


def test_wishlist_crud_category_and_reorder(client, user):
    ids = []
    for title, category in (("A", "sets"), ("B", "parts"), ("C", "sets")):
        reply = client.call("POST", "/api/wishlist", json_body={"title": title, "category": category}, user=user)
        assert reply.status == 201
        ids.append(reply.json["data"]["id"])
    listed = client.call("GET", "/api/wishlist", user=user).json
    assert [i["title"] for i in listed["data"]] == ["A", "B", "C"] and listed["total"] == 3
    sets = client.call("GET", "/api/wishlist?category=sets", user=user).json["data"]
    assert [i["title"] for i in sets] == ["A", "C"]

    reordered = client.call("POST", "/api/wishlist/reorder", json_body={"itemIds": [ids[2], ids[0]]}, user=user)
    assert reordered.status == 200
    assert [i["title"] for i in client.call("GET", "/api/wishlist", user=user).json["data"]] == ["C", "A", "B"]

    # all-or-nothing: one unknown id changes nothing
    bad = client.call("POST", "/api/wishlist/reorder", json_body={"itemIds": [ids[1], str(uuid.uuid4())]}, user=user)
    assert_envelope(bad, 404, "NOT_FOUND")
    assert [i["title"] for i in client.call("GET", "/api/wishlist", user=user).json["data"]] == ["C", "A", "B"]
    # another user's item counts as unknown
    theirs = client.call("POST", "/api/wishlist", json_body={"title": "Z"}, user=f"{user}-o").json["data"]["id"]
    assert_envelope(client.call("POST", "/api/wishlist/reorder", json_body={"itemIds": [theirs]}, user=user),
                    404, "NOT_FOUND")

    patched = client.call("PATCH", f"/api/wishlist/{ids[1]}", json_body={"category": "dream"}, user=user).json
    assert patched["data"]["category"] == "dream"
    assert client.call("DELETE", f"/api/wishlist/{ids[1]}", user=user).status == 200
    assert client.call("GET", "/api/wishlist", user=user).json["total"] == 2


def test_profile_stats_and_name(client, user):
    client.call("POST", "/api/mocs", json_body=moc_body("One"), user=user)
    _image(client, user)
    client.call("POST", "/api/wishlist", json_body={"title": "W"}, user=user)
    profile = client.call("GET", f"/api/users/{user}", user=user).json["data"]
    assert profile["id"] == user and profile["email"] == f"{user}@example.com"
    assert profile["stats"] == {"totalMOCs": 1, "totalImages": 1, "totalWishlistItems": 1}

    renamed = client.call("PATCH", f"/api/users/{user}", json_body={"name": "Brick Fan"}, user=user)
    assert renamed.status == 200 and renamed.json["data"]["name"] == "Brick Fan"
    assert client.call("GET", f"/api/users/{user}", user=user).json["data"]["name"] == "Brick Fan"

    other = f"{user}-other"
    assert_envelope(client.call("GET", f"/api/users/{user}", user=other), 404, "NOT_FOUND")
    assert_envelope(client.call("PATCH", f"/api/users/{user}", json_body={"name": "X"}, user=other), 403, "FORBIDDEN")
