"""The architecture's API and data model, field for field, on the three entry points.

In-process (the Lambda handlers), express and serverless (the local gateway): the MOC's
``subtheme``/``releaseYear``/``retired``/``uploadedDate``/``totalPieceCount``, the gallery upload's
``image`` field (``file`` its alias), the wishlist's string ``sortOrder`` and the one rule for
optional fields: left out when empty, never ``null``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fractional_indexing import generate_key_between

from tests.support.helpers import assert_envelope, moc_body
from tests.support.uploads import two_colour_jpeg, upload


def _nulls(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds a JSON null."""
    if value is None:
        return [path or "(root)"]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _nulls(item, f"{path}[{index}]")]
    return []


def test_a_moc_carries_the_architecture_fields(client, user) -> None:
    body = moc_body("Modular bakery", subtheme="Modular Buildings", releaseYear=2024, retired=False, theme="Creator")
    created = client.call("POST", "/api/mocs", json_body=body, user=user)
    assert created.status == 201, created.text
    moc = created.json["data"]
    assert (moc["subtheme"], moc["releaseYear"], moc["retired"]) == ("Modular Buildings", 2024, False)
    assert moc["uploadedDate"].startswith(moc["createdAt"][:10])
    assert "totalPieceCount" not in moc and "partsCount" not in moc  # nothing imported, no estimate given
    patched = client.call("PATCH", f"/api/mocs/{moc['id']}", json_body={"retired": True, "subtheme": None}, user=user)
    assert patched.status == 200, patched.text
    assert patched.json["data"]["retired"] is True and "subtheme" not in patched.json["data"]
    detail = client.call("GET", f"/api/mocs/{moc['id']}", user=user)
    assert detail.json["data"]["retired"] is True and detail.json["data"]["releaseYear"] == 2024


@pytest.mark.parametrize(
    "field",
    [
        {"releaseYear": "2024"}, {"releaseYear": 1200}, {"retired": "yes"},
        {"totalPieceCount": 10}, {"uploadedDate": "2024-01-01T00:00:00Z"},
    ],
)
def test_moc_fields_of_the_wrong_type_or_read_only_are_a_400(client, user, field) -> None:
    reply = client.call("POST", "/api/mocs", json_body=moc_body("Bad", **field), user=user)
    assert_envelope(reply, 400, "VALIDATION_ERROR")


def test_empty_optional_fields_are_left_out_never_null(client, user) -> None:
    moc = client.call("POST", "/api/mocs", json_body=moc_body("Bare"), user=user).json["data"]
    image = client.call(
        "POST", "/api/images", json_body={"title": "Bare", "imageUrl": "https://example.com/a.jpg"}, user=user
    ).json["data"]
    album = client.call("POST", "/api/albums", json_body={"title": "Bare"}, user=user)
    patched_album = client.call("PATCH", f"/api/albums/{album.json['data']['id']}", json_body={"title": "B"}, user=user)
    wish = client.call("POST", "/api/wishlist", json_body={"title": "Bare"}, user=user)
    answers = [
        client.call("GET", f"/api/mocs/{moc['id']}", user=user),
        client.call("GET", "/api/mocs", user=user),
        client.call("GET", f"/api/images/{image['id']}", user=user),
        client.call("GET", "/api/albums", user=user),
        album,
        patched_album,
        wish,
        client.call("GET", "/api/wishlist", user=user),
        client.call("GET", f"/api/users/{user}", user=user),
    ]
    for reply in answers:
        assert reply.status in (200, 201), reply.text
        assert _nulls(reply.json) == [], reply.text
    assert "thumbnailUrl" not in image and "description" not in moc and "imageCount" not in patched_album.json["data"]


@pytest.mark.parametrize("field", ["image", "file"])
def test_a_gallery_upload_takes_its_file_as_image_or_the_file_alias(client, user, field) -> None:
    photo = two_colour_jpeg(64, 48)
    reply = upload(client, "/api/images", user, {"title": "Castle"}, [(field, "c.jpg", photo, "image/jpeg")])
    assert reply.status == 201, reply.text
    assert reply.json["data"]["imageUrl"].endswith(".webp")


def test_a_gallery_upload_in_another_field_names_the_image_field(client, user) -> None:
    reply = upload(client, "/api/images", user, {"title": "Castle"}, [("photo", "c.jpg", b"x", "image/jpeg")])
    error = assert_envelope(reply, 400, "VALIDATION_ERROR")
    assert "'image'" in error["message"]


def _titles(client, user) -> list[str]:
    return [item["title"] for item in client.call("GET", "/api/wishlist", user=user).json["data"]]


def _assert_keys_sort_as_listed(client, user) -> None:
    keys = [item["sortOrder"] for item in client.call("GET", "/api/wishlist", user=user).json["data"]]
    assert all(isinstance(key, str) for key in keys)
    assert keys == sorted(keys, key=str.encode) and len(set(keys)) == len(keys)


def test_wishlist_sort_order_is_a_string_that_sorts_as_the_user_ordered(client, user) -> None:
    items = {}
    for title in ("A", "B", "C"):
        reply = client.call("POST", "/api/wishlist", json_body={"title": title}, user=user)
        assert reply.status == 201, reply.text
        items[title] = reply.json["data"]
    _assert_keys_sort_as_listed(client, user)
    between = generate_key_between(items["A"]["sortOrder"], items["B"]["sortOrder"])  # as a frontend would
    moved = client.call("PATCH", f"/api/wishlist/{items['C']['id']}", json_body={"sortOrder": between}, user=user)
    assert moved.status == 200 and moved.json["data"]["sortOrder"] == between
    assert _titles(client, user) == ["A", "C", "B"]
    reordered = client.call(
        "POST", "/api/wishlist/reorder", json_body={"itemIds": [items["B"]["id"], items["A"]["id"]]}, user=user
    )
    assert [item["title"] for item in reordered.json["data"]] == ["B", "A", "C"]
    assert _titles(client, user) == ["B", "A", "C"]
    _assert_keys_sort_as_listed(client, user)


def test_a_client_key_outside_the_fractional_format_still_orders_and_appends_after_it(client, user) -> None:
    first = client.call("POST", "/api/wishlist", json_body={"title": "first", "sortOrder": "5"}, user=user)
    assert first.status == 201 and first.json["data"]["sortOrder"] == "5"
    client.call("POST", "/api/wishlist", json_body={"title": "zeroth", "sortOrder": "1"}, user=user)
    client.call("POST", "/api/wishlist", json_body={"title": "appended"}, user=user)
    assert _titles(client, user) == ["zeroth", "first", "appended"]
    _assert_keys_sort_as_listed(client, user)


@pytest.mark.parametrize("sort_order", [3, "", "a b", "é", "a" * 65, None])
def test_a_sort_order_that_is_not_a_key_is_a_400(client, user, sort_order) -> None:
    item = client.call("POST", "/api/wishlist", json_body={"title": "x"}, user=user).json["data"]
    reply = client.call("PATCH", f"/api/wishlist/{item['id']}", json_body={"sortOrder": sort_order}, user=user)
    assert_envelope(reply, 400, "VALIDATION_ERROR")
